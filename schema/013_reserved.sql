-- 013_reserved.sql - migration 013 was set aside by a branch that in the end
-- needed none; migrations stay contiguous, so this one does nothing.
SELECT 1;
