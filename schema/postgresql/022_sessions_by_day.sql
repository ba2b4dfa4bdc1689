-- 022_sessions_by_day.sql - issue 18: the duplicate warning of a session
-- logged reads the trainee's sessions of that day, not all of them (see
-- schema/022_sessions_by_day.sql).
CREATE INDEX sessions_by_day ON sessions(trainee_id, date);
