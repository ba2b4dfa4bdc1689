-- 023_sessions_by_day_covering.sql - issue 18: the duplicate warning of a
-- session logged compares activity and minutes in the index, reading only
-- a match's row (see schema/023_sessions_by_day_covering.sql).
DROP INDEX sessions_by_day;
CREATE INDEX sessions_by_day ON sessions(trainee_id, date, id, activity, minutes);
