-- 024_sessions_by_trainee_dropped.sql - issue 18: one b-tree fewer to
-- write per session logged; sessions_by_day and sessions_pending lead
-- with trainee_id as well (see schema/024_sessions_by_trainee_dropped.sql).
DROP INDEX sessions_by_trainee;
