-- 006_session_edits.sql - a trainee corrects or withdraws their own pending
-- session (issue 16 item 1), and nothing of what they first wrote is lost.
--
-- sessions.revision counts the versions of a session's logged fields; it is
-- the session's ETag (with its status), so an edit made from a stale copy
-- is refused (If-Match).  Each edit and the withdrawal first copy the
-- version they replace into session_revisions.  A withdrawn session keeps
-- its row with status 'withdrawn': it counts nowhere, waits for no one, and
-- stays in its trainee's own history.
--
-- 'withdrawn' is a new value of sessions.status, whose CHECK constraint
-- (001) names the allowed values.  SQLite cannot ALTER a constraint; its
-- documentation (lang_altertable.html, "Making Other Kinds Of Table Schema
-- Changes") allows editing the stored CREATE TABLE text for a change that
-- leaves every stored row valid, as widening this CHECK does.  The 12-step
-- table rebuild would also drop any index or trigger another migration put
-- on sessions.  writable_schema=RESET reloads the schema on this
-- connection; the CREATE TABLE below bumps the schema cookie for the others.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
	SET sql = replace(sql, 'status IN (''pending'', ''signed'', ''rejected'')',
			       'status IN (''pending'', ''signed'', ''rejected'', ''withdrawn'')')
	WHERE type = 'table' AND name = 'sessions';
PRAGMA writable_schema = RESET;

ALTER TABLE sessions ADD COLUMN revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1);
ALTER TABLE sessions ADD COLUMN updated_at TEXT;     -- the last edit or the withdrawal
ALTER TABLE sessions ADD COLUMN withdrawn_at TEXT;

CREATE TABLE session_revisions (
	session_id INTEGER NOT NULL REFERENCES sessions(id),
	revision   INTEGER NOT NULL,          -- the version this row keeps
	fields     TEXT NOT NULL,             -- its logged fields as JSON, as GET /sessions/{id} showed them
	replaced_at TEXT NOT NULL,            -- when the edit or withdrawal replaced it
	replaced_by TEXT NOT NULL CHECK (replaced_by IN ('edit', 'withdrawal')),
	PRIMARY KEY (session_id, revision)
) STRICT, WITHOUT ROWID;
