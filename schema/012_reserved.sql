-- 012_reserved.sql - a placeholder so that this branch's migrations stay
-- contiguous; another branch of this session owns number 012.  Drop this
-- file when merging that branch (its 012 replaces this one).
SELECT 1;
