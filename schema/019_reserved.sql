-- 019_reserved.sql - migration 019 belongs to another branch of this
-- session; migrations stay contiguous, so until the merge this one does
-- nothing (the merge keeps the other branch's 019 and drops this file).
SELECT 1;
