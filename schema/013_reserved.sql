-- 013_reserved.sql - reserved for another branch of this session (issue 18 needs 016);
-- the merge keeps that branch's file of this number instead of this placeholder.
SELECT 1;
