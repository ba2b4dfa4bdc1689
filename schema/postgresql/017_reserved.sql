-- 017_reserved.sql - placeholder so 018 follows a contiguous run (see schema/017_reserved.sql).
SELECT 1;
