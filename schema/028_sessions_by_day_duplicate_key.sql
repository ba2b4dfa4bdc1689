-- 028_sessions_by_day_duplicate_key.sql - issue 18: the duplicate warning
-- of a session logged is one seek, not a walk over the trainee's day.
--
-- rl_rows_session_duplicate (store/sessions_rows.c) tests trainee, date,
-- activity and minutes for equality.  sessions_by_day (trainee_id, date,
-- id, activity, minutes) of 023 put id before activity and minutes, so the
-- writer compared every entry of the trainee's day (7.6% of the writer in
-- bench scenario 1 at ~66 sessions a trainee-day, growing with the day).
-- The same columns with id last make the four equalities the index's
-- prefix: one seek, then only the entries alike (a match's row is read for
-- procedure and status), in id order as the warning's ORDER BY id wants.
-- Same columns, same size; what the key order costs: a trainee's sessions
-- read in (date, id) order (rl_rows_sessions_of_trainee, the CSV export
-- and the full report; rl_rows_progress_pending) are sorted within each
-- day, not read in order.  tests/unit/test_signoff_pages.c checks the plans.
DROP INDEX sessions_by_day;
CREATE INDEX sessions_by_day ON sessions(trainee_id, date, activity, minutes, id);
