-- 018_cache_mac.sql - the cached figures' MACs (see schema/018_cache_mac.sql).
ALTER TABLE trainee_status ADD COLUMN mac bytea;
ALTER TABLE trainee_status ADD COLUMN tally_mac bytea;
