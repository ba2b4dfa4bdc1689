-- 015_imports2.sql (PostgreSQL 15) - schema/015_imports2.sql: imports may
-- hold eLogbook files (no single trainer; status 'imported' once its
-- sessions exist) and certificates, and each imported eLogbook row is
-- remembered by a stable key.  SQLite rebuilds the table; PostgreSQL
-- alters it in place to the same result.

ALTER TABLE imports ALTER COLUMN trainer_id DROP NOT NULL;   -- NULL for an eLogbook file (a trainer per row)
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check CHECK (kind IN ('simulator', 'elogbook', 'certificate'));
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check CHECK (status IN ('pending', 'signed', 'rejected', 'imported'));

CREATE TABLE elogbook_rows (
	trainee_id  bigint NOT NULL REFERENCES users(id),
	row_key     text NOT NULL,
	import_id   bigint NOT NULL REFERENCES imports(id),
	session_id  bigint NOT NULL REFERENCES sessions(id),
	PRIMARY KEY (trainee_id, row_key)
);
CREATE INDEX elogbook_rows_by_import ON elogbook_rows(import_id);
