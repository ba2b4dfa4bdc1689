-- 020_list_counts.sql - issue 18: the accreditation list's header at full scale.
--
-- The list's counts (trainees per status for the page's filters) are
-- computed again after every commit.  They read three columns of each
-- trainee's status row; through this index they are an index-only scan
-- instead of a visit to every status row, whose summary makes the table
-- ten times larger (the counts' query names it: store/progress_rows.c).
CREATE INDEX trainee_status_counts ON trainee_status(status, accredited_until, curriculum_id, trainee_id);

-- The trainees' home sites (the list's site options, likewise computed
-- again after every commit) from the index instead of every users row.
CREATE INDEX users_by_site ON users(site, roles);
