-- 016_perf.sql (PostgreSQL 15) - schema/016_perf.sql: the delta-kept
-- tallies' columns of trainee_status, and the indexes of issue 18.
ALTER TABLE trainee_status ADD COLUMN ledger_through bigint;      -- NULL: not yet computed (full recompute)
ALTER TABLE trainee_status ADD COLUMN accreditation_index bigint; -- the live accreditation's ledger index, or NULL
ALTER TABLE trainee_status ADD COLUMN curriculum_id bigint REFERENCES curricula(id);

-- As schema/016 fills the rows a database already has (none, in a new
-- database).  A statement's JSON follows its 20-character header line.
UPDATE trainee_status SET
	ledger_through = (SELECT coalesce(max(l.idx), -1) FROM ledger l WHERE l.subject_id = trainee_status.trainee_id),
	accreditation_index = CASE WHEN status = 'accredited' THEN (SELECT a.ledger_index FROM trainee_accreditations a
		WHERE a.trainee_id = trainee_status.trainee_id AND a.revoked_index IS NULL ORDER BY a.ledger_index DESC LIMIT 1) END,
	curriculum_id = (SELECT coalesce((SELECT ec.id FROM ledger el JOIN curricula ec
		ON ec.code = (substr(el.message, 21)::jsonb #>> '{curriculum,code}')
		AND ec.version = (substr(el.message, 21)::jsonb #>> '{curriculum,version}')::bigint
		WHERE el.kind = 'enrolment' AND el.subject_id = u.id ORDER BY el.idx DESC LIMIT 1), u.curriculum_id)
		FROM users u WHERE u.id = trainee_status.trainee_id);

CREATE INDEX ledger_enrolments ON ledger(subject_id, idx) WHERE kind = 'enrolment';
CREATE INDEX sessions_pending ON sessions(trainee_id, trainer_id, id) WHERE status = 'pending';
CREATE INDEX users_by_name ON users(name, id);
