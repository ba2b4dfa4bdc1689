-- 006_session_edits.sql (PostgreSQL 15) - schema/006_session_edits.sql: a
-- trainee corrects or withdraws their own pending session, and nothing of
-- what they first wrote is lost.  'withdrawn' joins sessions.status's
-- allowed values (PostgreSQL can replace the CHECK constraint itself).
ALTER TABLE sessions DROP CONSTRAINT sessions_status_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_status_check
	CHECK (status IN ('pending', 'signed', 'rejected', 'withdrawn'));

ALTER TABLE sessions ADD COLUMN revision bigint NOT NULL DEFAULT 1 CHECK (revision >= 1);
ALTER TABLE sessions ADD COLUMN updated_at text;     -- the last edit or the withdrawal
ALTER TABLE sessions ADD COLUMN withdrawn_at text;

CREATE TABLE session_revisions (
	session_id bigint NOT NULL REFERENCES sessions(id),
	revision   bigint NOT NULL,          -- the version this row keeps
	fields     text NOT NULL,             -- its logged fields as JSON, as GET /sessions/{id} showed them
	replaced_at text NOT NULL,            -- when the edit or withdrawal replaced it
	replaced_by text NOT NULL CHECK (replaced_by IN ('edit', 'withdrawal')),
	PRIMARY KEY (session_id, revision)
);
