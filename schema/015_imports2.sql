-- 015_imports2.sql - eLogbook imports (docs/imports.md): an operating log
-- CSV kept whole like a simulator file, whose robotic rows became pending
-- sessions for the consultant each row names.  The imports table is
-- rebuilt so that it may hold "elogbook" files (no single trainer; status
-- "imported" once its sessions exist), and each row a trainee has imported
-- is remembered by a stable key, so importing the same rows again creates
-- nothing twice.

CREATE TABLE imports_v2 (
	id              INTEGER PRIMARY KEY,
	trainee_id      INTEGER NOT NULL REFERENCES users(id),
	trainer_id      INTEGER REFERENCES users(id),   -- NULL for an eLogbook file (a trainer per row)
	kind            TEXT NOT NULL CHECK (kind IN ('simulator', 'elogbook', 'certificate')),
	filename        TEXT NOT NULL,
	format          TEXT NOT NULL CHECK (format IN ('csv', 'json')),
	sha256          TEXT NOT NULL,
	content         BLOB NOT NULL,
	attempts        TEXT NOT NULL,           -- JSON array: the parsed attempts or rows (canonical form)
	attempt_count   INTEGER NOT NULL,
	attempts_sha256 TEXT NOT NULL,
	status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'signed', 'rejected', 'imported')),
	created_at      TEXT NOT NULL,
	signed_by       INTEGER REFERENCES users(id),
	signed_at       TEXT,
	signoff_index   INTEGER,
	reject_reason   TEXT,
	UNIQUE (trainee_id, sha256)
) STRICT;
INSERT INTO imports_v2 SELECT id, trainee_id, trainer_id, kind, filename, format, sha256, content, attempts,
	attempt_count, attempts_sha256, status, created_at, signed_by, signed_at, signoff_index, reject_reason FROM imports;
DROP TABLE imports;
ALTER TABLE imports_v2 RENAME TO imports;
CREATE INDEX imports_by_trainer ON imports(trainer_id, status, id);
CREATE INDEX imports_by_trainee ON imports(trainee_id, status, id);

-- One eLogbook row of a trainee: its key is the SHA-256 of JCS({date,
-- procedure, hospital, supervision, trainer, role}) (docs/imports.md).
CREATE TABLE elogbook_rows (
	trainee_id  INTEGER NOT NULL REFERENCES users(id),
	row_key     TEXT NOT NULL,
	import_id   INTEGER NOT NULL REFERENCES imports(id),
	session_id  INTEGER NOT NULL REFERENCES sessions(id),
	PRIMARY KEY (trainee_id, row_key)
) STRICT;
CREATE INDEX elogbook_rows_by_import ON elogbook_rows(import_id);
