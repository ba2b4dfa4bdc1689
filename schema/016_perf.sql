-- 016_perf.sql - issue 18: performance at full scale.
--
-- trainee_tally is kept up to date by deltas (core/domain/tally.c): a
-- trainee's row of trainee_status records the last ledger index about
-- them that the tallies include, and the live accreditation's index, so
-- a progress reply reads O(requirements) rows and a write folds in only
-- the entries appended since.  Both are caches like the rest of the row:
-- `raslogd rebuild` recomputes them and the start-up check compares them
-- with the ledger.
ALTER TABLE trainee_status ADD COLUMN ledger_through INTEGER;      -- NULL: not yet computed (full recompute)
ALTER TABLE trainee_status ADD COLUMN accreditation_index INTEGER; -- the live accreditation's ledger index, or NULL

-- The enrolment a trainee is measured against (RL_ENROLLED_ON_SQL, read
-- for every row of the accreditation list) without walking every entry
-- about them.
CREATE INDEX ledger_enrolments ON ledger(subject_id, idx) WHERE kind = 'enrolment';

-- Pending claims (the pending cap checked on every session logged, and
-- the trainee's pending list): only the rows that wait, so the index
-- stays small and hot.
CREATE INDEX sessions_pending ON sessions(trainee_id, trainer_id, id) WHERE status = 'pending';

-- The accreditation list's first page in name order (its default) walks
-- this index and stops after the page instead of sorting every trainee.
CREATE INDEX users_by_name ON users(name, id);
