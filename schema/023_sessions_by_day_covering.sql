-- 023_sessions_by_day_covering.sql - issue 18: the duplicate warning reads
-- the index alone.
--
-- rl_rows_session_duplicate (store/sessions_rows.c) looks for the
-- trainee's session of the same day, activity, minutes and procedure.  By
-- sessions_by_day (trainee_id, date) of migration 022 it read the table row
-- of every session of that day to compare activity and minutes: 6% of
-- raslogd's CPU in bench scenario 1, where a trainee logs ~40 sessions a
-- day.  With activity and minutes in the index the day's entries are
-- compared in the index and only a match's row is read (~125 -> ~15 us a
-- warning at 40 a day).  id comes before them so that the index still
-- gives a trainee's sessions in (date, id) order, which
-- rl_rows_sessions_of_trainee and rl_rows_progress_pending read unsorted.
DROP INDEX sessions_by_day;
CREATE INDEX sessions_by_day ON sessions(trainee_id, date, id, activity, minutes);
