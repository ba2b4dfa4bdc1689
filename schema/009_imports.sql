-- 009_imports.sql - records imported rather than typed again (docs/imports.md):
-- a simulator attempts file a trainee uploads, kept whole with its SHA-256
-- and its parsed attempts as one import naming the trainer who countersigns
-- it (a "simulator_import" statement in the ledger) or rejects it.
-- The same file (same SHA-256) is imported once per trainee.

CREATE TABLE imports (
	id              INTEGER PRIMARY KEY,
	trainee_id      INTEGER NOT NULL REFERENCES users(id),
	trainer_id      INTEGER NOT NULL REFERENCES users(id),
	kind            TEXT NOT NULL CHECK (kind IN ('simulator')),
	filename        TEXT NOT NULL,
	format          TEXT NOT NULL CHECK (format IN ('csv', 'json')),
	sha256          TEXT NOT NULL,           -- hex SHA-256 of content
	content         BLOB NOT NULL,           -- the file as uploaded
	attempts        TEXT NOT NULL,           -- JSON array: the parsed attempts (canonical form)
	attempt_count   INTEGER NOT NULL,
	attempts_sha256 TEXT NOT NULL,           -- hex SHA-256 of JCS(attempts)
	status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'signed', 'rejected')),
	created_at      TEXT NOT NULL,
	signed_by       INTEGER REFERENCES users(id),
	signed_at       TEXT,
	signoff_index   INTEGER,                 -- the ledger index of the trainer's statement
	reject_reason   TEXT,
	UNIQUE (trainee_id, sha256)
) STRICT;
CREATE INDEX imports_by_trainer ON imports(trainer_id, status, id);
CREATE INDEX imports_by_trainee ON imports(trainee_id, status, id);
