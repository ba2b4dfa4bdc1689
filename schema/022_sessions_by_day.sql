-- 022_sessions_by_day.sql - issue 18: the duplicate warning of a session logged.
--
-- Logging a session looks for the trainee's pending or signed session of
-- the same day, activity, minutes and procedure (store/sessions_rows.c
-- rl_rows_session_duplicate), to warn of a double entry.  By
-- sessions_by_trainee (trainee_id, id) that walked every session of the
-- trainee, one table row each: 15% of raslogd's CPU in scenario 1, and
-- 330-400 us per session at 100 sessions a trainee.  By the day it reads
-- that day's few (27 us).  One more b-tree entry per session logged.
CREATE INDEX sessions_by_day ON sessions(trainee_id, date);
