-- 011_reserved.sql - a placeholder so that this branch's migrations stay
-- contiguous; another branch of this session owns number 011.  Drop this
-- file when merging that branch (its 011 replaces this one).
SELECT 1;
