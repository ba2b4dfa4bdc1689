-- 013_reserved.sql - a placeholder for another branch's migration 013
-- (this branch's is 014_free_text.sql).  Drop it when that branch merges.
SELECT 1;
