-- 025_signoff_in_place.sql - issue 18: the b-trees a sign-off writes.
--
-- sessions_by_trainer (trainer_id, status, id) of 001 moved every session
-- signed off from the trainer's pending range to their signed range: two
-- leaves per trainer in a batch (bench scenario 2: ~1.4-1.9 of the ~5.5
-- WAL frames a sign-off).  Keyed (trainer_id, id, status) a decision
-- rewrites the entry where it was, on the leaf it already dirtied; a
-- session logged still enters it once.  The trainer's waiting sessions
-- (the reminder pass) are found by (trainer_id) with status compared in
-- the index, without a table row for a decided one; the trainer's lists
-- and the pending queue (trainer_id, id < ?) and whom a trainer supervises
-- search the same prefix as before.  A partial index of the waiting
-- sessions beside a (trainer_id, id) one would save the reminder's scan
-- but cost every session logged a leaf per trainer in a batch more
-- (bench/README.md, session 12).
--
-- The CHECK on sessions.status named its four values with IN (...): SQLite
-- evaluates an IN list of more than two constants by building an
-- ephemeral b-tree of them, once in every INSERT and in every UPDATE that
-- sets status (each decision).  Spelled as equalities joined by OR it
-- compares them in turn.  The rewrite leaves every stored row valid, so,
-- as in 006, the stored CREATE TABLE text is edited (lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes") instead of rebuilding the
-- table; the CREATE INDEX below bumps the schema cookie for the other
-- connections.  tests/unit/test_signoff_pages.c checks both.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
	SET sql = replace(sql, 'CHECK (status IN (''pending'', ''signed'', ''rejected'', ''withdrawn''))',
			       'CHECK (status = ''pending'' OR status = ''signed'' OR status = ''rejected'' OR status = ''withdrawn'')')
	WHERE type = 'table' AND name = 'sessions';
PRAGMA writable_schema = RESET;

DROP INDEX sessions_by_trainer;
CREATE INDEX sessions_by_trainer ON sessions(trainer_id, id, status);
