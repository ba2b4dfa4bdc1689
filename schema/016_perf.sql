-- 016_perf.sql - issue 18: performance at full scale.
--
-- trainee_tally is kept up to date by deltas (core/domain/tally.c): a
-- trainee's row of trainee_status records the last ledger index about
-- them that the tallies include, and the live accreditation's index, so
-- a progress reply reads O(requirements) rows and a write folds in only
-- the entries appended since.  Both are caches like the rest of the row:
-- `raslogd rebuild` recomputes them and the start-up check compares them
-- with the ledger.
ALTER TABLE trainee_status ADD COLUMN ledger_through INTEGER;      -- NULL: not yet computed (full recompute)
ALTER TABLE trainee_status ADD COLUMN accreditation_index INTEGER; -- the live accreditation's ledger index, or NULL
-- The curriculum the row was measured against (the trainee's latest
-- enrolment statement names it): the accreditation list joins it instead
-- of reading every trainee's enrolment entry from the ledger per request.
ALTER TABLE trainee_status ADD COLUMN curriculum_id INTEGER REFERENCES curricula(id);

-- The rows a database already has were recomputed from the ledger on
-- every change: fill the new columns as that recompute would (the
-- start-up check compares them with the ledger all the same).
UPDATE trainee_status SET
	ledger_through = (SELECT coalesce(max(l.idx), -1) FROM ledger l WHERE l.subject_id = trainee_status.trainee_id),
	accreditation_index = CASE WHEN status = 'accredited' THEN (SELECT a.ledger_index FROM trainee_accreditations a
		WHERE a.trainee_id = trainee_status.trainee_id AND a.revoked_index IS NULL ORDER BY a.ledger_index DESC LIMIT 1) END,
	curriculum_id = (SELECT coalesce((SELECT ec.id FROM ledger el JOIN curricula ec
		ON ec.code = json_extract(substr(el.message, 21), '$.curriculum.code')
		AND ec.version = json_extract(substr(el.message, 21), '$.curriculum.version')
		WHERE el.kind = 'enrolment' AND el.subject_id = u.id ORDER BY el.idx DESC LIMIT 1), u.curriculum_id)
		FROM users u WHERE u.id = trainee_status.trainee_id);

-- The enrolment a trainee is measured against (RL_ENROLLED_ON_SQL, read
-- for every row of the accreditation list) without walking every entry
-- about them.
CREATE INDEX ledger_enrolments ON ledger(subject_id, idx) WHERE kind = 'enrolment';

-- Pending claims (the pending cap checked on every session logged, and
-- the trainee's pending list): only the rows that wait, so the index
-- stays small and hot.
CREATE INDEX sessions_pending ON sessions(trainee_id, trainer_id, id) WHERE status = 'pending';

-- The accreditation list's first page in name order (its default) walks
-- this index and stops after the page instead of sorting every trainee.
CREATE INDEX users_by_name ON users(name, id);
