-- 020_reserved.sql - migration 020 belongs to another branch of this
-- session; migrations stay contiguous, so until the merge this one does
-- nothing (the merge keeps the other branch's 020 and drops this file).
SELECT 1;
