-- 019_signoff_pages.sql (PostgreSQL 15) - schema/019_signoff_pages.sql: the
-- pending claims the cache seals bind (their count, the sum of their ids and
-- of their revisions) read from sessions_pending alone (an index-only scan
-- where the visibility map allows) instead of one heap row per pending
-- session.  The same columns as SQLite's (tests/tools/schema-equivalence.sh
-- compares them), status included although PostgreSQL would not need it.
DROP INDEX sessions_pending;
CREATE INDEX sessions_pending ON sessions(trainee_id, trainer_id, id, revision, status) WHERE status = 'pending';
