-- 028_sessions_by_day_duplicate_key.sql - issue 18: the duplicate warning
-- of a session logged seeks trainee, date, activity and minutes in the
-- index (see schema/028_sessions_by_day_duplicate_key.sql).
DROP INDEX sessions_by_day;
CREATE INDEX sessions_by_day ON sessions(trainee_id, date, activity, minutes, id);
