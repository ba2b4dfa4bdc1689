/*
 * scope.h - the faculty part of the visibility rule as SQL, for store
 * queries over many trainees.  The rule itself is domain's (sessions.h
 * rl_trainee_visible says who may see whom); this is its one copy in SQL,
 * here so that store/ queries can embed it and domain/ can too.
 *
 * RL_FACULTY_SCOPE_SQL(col) is true when the trainee whose id is the
 * column col is in a programme of the faculty member bound as parameter
 * ?99, or when no programme exists yet.  Queries put it last among their
 * parameters' uses and bind ?99 with the faculty member's id
 * (sessions.h rl_scope_bind in domain/, rl_bind_int64(st, 99, id) in store/).
 */
#ifndef RASLOG_STORE_SCOPE_H
#define RASLOG_STORE_SCOPE_H

#define RL_FACULTY_SCOPE_SQL(col) \
	"(NOT EXISTS (SELECT 1 FROM programmes) OR " col " IN (SELECT pt.user_id FROM programme_members pt " \
	"JOIN programme_members pf ON pf.programme_id = pt.programme_id WHERE pf.user_id = ?99 " \
	"AND pf.until_at IS NULL AND pt.until_at IS NULL))"

#endif
