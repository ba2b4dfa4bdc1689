-- 013_reserved.sql (PostgreSQL 15) - as schema/013_reserved.sql: a
-- migration number set aside; migrations stay contiguous, so this one does
-- nothing.
SELECT 1;
