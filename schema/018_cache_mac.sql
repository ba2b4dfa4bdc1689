-- 018_cache_mac.sql - issue 13: no figure from a cache row the ledger does
-- not back.
--
-- A trainee's cached figures (their trainee_status row and their
-- trainee_tally rows) are sealed by two BLAKE2b-256 MACs keyed by the
-- cache key, a key file beside the others (store/secrets.h), never in the
-- database: mac over the status row (the trainee, its figures, the
-- ledger index it was computed up to, the curriculum), tally_mac over
-- the trainee, that index and every one of their tally rows.  A reader
-- that finds a MAC that does not match (a row edited, inserted, deleted
-- or copied from another trainee) serves the ledger's figures instead,
-- and the row is recomputed and the drift recorded (domain/progress.h).
-- NULL: not sealed yet; the start-up check seals every row.
ALTER TABLE trainee_status ADD COLUMN mac BLOB;
ALTER TABLE trainee_status ADD COLUMN tally_mac BLOB;
