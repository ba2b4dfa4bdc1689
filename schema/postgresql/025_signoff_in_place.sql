-- 025_signoff_in_place.sql (PostgreSQL 15) - schema/025_signoff_in_place.sql:
-- sessions_by_trainer keyed (trainer_id, id, status), so SQLite rewrites a
-- decided session's entry in place, and sessions.status's CHECK spelled as
-- equalities joined by OR (SQLite's reason; here the same index and the
-- same constraint in the same spelling, which
-- tests/tools/schema-equivalence.sh compares).
ALTER TABLE sessions DROP CONSTRAINT sessions_status_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_status_check
	CHECK (status = 'pending' OR status = 'signed' OR status = 'rejected' OR status = 'withdrawn');

DROP INDEX sessions_by_trainer;
CREATE INDEX sessions_by_trainer ON sessions(trainer_id, id, status);
