-- 020_list_counts.sql - issue 18: the accreditation list's header at full
-- scale (see schema/020_list_counts.sql).
CREATE INDEX trainee_status_counts ON trainee_status(status, accredited_until, curriculum_id, trainee_id);
CREATE INDEX users_by_site ON users(site, roles);
