/*
 * scope.h - the faculty part of who may see whose records, as SQL, for
 * queries over many trainees (the rule itself is domain/sessions.h's
 * rl_trainee_visible): true when the trainee whose id is the column col
 * is in a programme of the faculty member bound as parameter ?99
 * (RL_FACULTY_SCOPE_PARAM; the store/ functions that take the faculty
 * member's id bind it), or
 * when no programme exists yet.  Queries put it last among their
 * parameters' uses; it is the only copy of the rule in SQL.
 */
#ifndef RASLOG_SCOPE_H
#define RASLOG_SCOPE_H

#define RL_FACULTY_SCOPE_SQL(col) \
	"(NOT EXISTS (SELECT 1 FROM programmes) OR " col " IN (SELECT pt.user_id FROM programme_members pt " \
	"JOIN programme_members pf ON pf.programme_id = pt.programme_id WHERE pf.user_id = ?99 " \
	"AND pf.until_at IS NULL AND pt.until_at IS NULL))"
/* The parameter RL_FACULTY_SCOPE_SQL reads the faculty member's id from. */
#define RL_FACULTY_SCOPE_PARAM 99

#endif
