-- 019_signoff_pages.sql - issue 18 item 2: what a sign-off reads and writes.
--
-- The cache seals bind a trainee's pending claims (their count, the sum of
-- their ids and of their revisions: store/progress_rows.c
-- rl_rows_progress_claims), read three times per sign-off and once per
-- session logged.  sessions_pending (016) held (trainee_id, trainer_id,
-- id), so each claim cost a lookup of its sessions row: a random page per
-- pending session of the trainee, and scenario 2 of the bench went from
-- 300 to 16 sign-offs a second as the pending claims grew.  With revision
-- and status in the index that query is a covering index scan (SQLite
-- counts a partial index as covering only when the column its WHERE names
-- is in it): the same rows, a few adjacent index pages.  The other users
-- of the index (the pending cap: trainee_id, trainer_id; a trainee's
-- pending list) search it by the same prefix.
DROP INDEX sessions_pending;
CREATE INDEX sessions_pending ON sessions(trainee_id, trainer_id, id, revision, status) WHERE status = 'pending';
