/*
 * scope_sql.h - the faculty scope rule as SQL, for store/ queries over
 * many trainees (domain/sessions.h states the rule and rl_trainee_visible
 * applies it to one trainee).  It lives in store/ because only store/
 * writes SQL; it is the only copy of the rule in SQL.
 */
#ifndef RASLOG_SCOPE_SQL_H
#define RASLOG_SCOPE_SQL_H

/*
 * True when the trainee whose id is the column col is in a programme of
 * the faculty member bound as parameter ?99, or when no programme exists
 * yet.  Queries put it last among their parameters' uses and bind ?99
 * with the faculty member's id (rl_scope_bind in domain/sessions.c).
 */
#define RL_FACULTY_SCOPE_SQL(col) \
	"(NOT EXISTS (SELECT 1 FROM programmes) OR " col " IN (SELECT pt.user_id FROM programme_members pt " \
	"JOIN programme_members pf ON pf.programme_id = pt.programme_id WHERE pf.user_id = ?99 " \
	"AND pf.until_at IS NULL AND pt.until_at IS NULL))"

#endif
