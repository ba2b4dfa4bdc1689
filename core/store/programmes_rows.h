/*
 * programmes_rows.h - the rows of programmes and programme_members
 * (schema/012_programmes.sql): programmes with their member counts,
 * memberships and their history, and the faculty scope rule as SQL, the
 * one copy of it every query over many trainees embeds.  Who may see what
 * is decided in domain/ (sessions.h); it reaches these queries as the
 * faculty member's id.  Writers run in the caller's transaction.
 *
 * Text in a row handed to a callback is valid during the call only.
 */
#ifndef RASLOG_PROGRAMMES_ROWS_H
#define RASLOG_PROGRAMMES_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"
#include "store/scope.h"

/* Binds the faculty member of RL_FACULTY_SCOPE_SQL (?99). */
void rl_rows_scope_bind(struct rl_stmt *st, int64_t faculty);

/* 1 if no programme exists, 0 if one does, -1 with err. */
int rl_rows_programmes_none(struct rl_db *db, struct rl_error *err);
/* 1 if trainee is in a programme of faculty (or no programme exists), 0 if not, -1 with err. */
int rl_rows_programme_faculty_sees(struct rl_db *db, int64_t faculty, int64_t trainee, struct rl_error *err);
/* Calls each with the id of every trainee in a programme of faculty (every trainee while none exists). */
int rl_rows_programme_overseen(struct rl_db *db, int64_t faculty, int (*each)(void *ctx, int64_t trainee),
			       void *ctx, struct rl_error *err);

struct rl_row_programme {
	int64_t id;
	const char *name;
	int64_t reminder_count;  /* -1: NULL, the global one */
	int64_t reminder_days;   /* -1: NULL, the global one */
	const char *created_at;
	int64_t trainees, trainers, faculty; /* current members of each role */
};

/* Inserts a programme (a threshold < 0 is NULL; by 0 is NULL); sets *id.  A taken name: rl_db_unique_violation. */
int rl_rows_programme_insert(struct rl_db *db, const char *name, int64_t reminder_count, int64_t reminder_days,
			     const char *created_at, int64_t by, int64_t *id, struct rl_error *err);
/* Sets name (NULL: unchanged) and thresholds (-2: unchanged, -1: NULL).  A taken name: rl_db_unique_violation. */
int rl_rows_programme_update(struct rl_db *db, int64_t id, const char *name, int64_t reminder_count,
			     int64_t reminder_days, struct rl_error *err);
/* 1 if programme id exists, 0 if not, -1 with err. */
int rl_rows_programme_exists(struct rl_db *db, int64_t id, struct rl_error *err);
/* Calls each with programme id: 1 found, 0 not, -1 with err (or each's non-zero return). */
int rl_rows_programme_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_programme *row),
			  void *ctx, struct rl_error *err);
/* Calls each for every programme, by name then id: 0, -1 with err, or each's non-zero return. */
int rl_rows_programmes_list(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_programme *row), void *ctx,
			    struct rl_error *err);

/* *roles: the user's role bits.  1 found, 0 no such user, -1 with err. */
int rl_rows_programme_user_roles(struct rl_db *db, int64_t user, int *roles, struct rl_error *err);

struct rl_row_membership {
	int64_t programme;
	const char *name;        /* the programme's */
	const char *from_at;     /* NULL where the query does not read it */
	const char *until_at;    /* NULL: current (or not read) */
	int64_t changed_by;      /* 0: NULL (or not read) */
};

/* The programmes user is in now, at most max into ids (*n of them): 0, or -1 with err. */
int rl_rows_programme_current_ids(struct rl_db *db, int64_t user, int64_t *ids, size_t max, size_t *n,
				  struct rl_error *err);
/* Ends user's current membership of programme at now. */
int rl_rows_programme_member_end(struct rl_db *db, int64_t user, int64_t programme, const char *now,
				 struct rl_error *err);
/* Starts a membership of programme at now unless user is in it already (by 0: NULL). */
int rl_rows_programme_member_start(struct rl_db *db, int64_t user, int64_t programme, const char *now, int64_t by,
				   struct rl_error *err);
/* Calls each for user's current programmes ({programme, name}), by name. */
int rl_rows_programme_memberships(struct rl_db *db, int64_t user,
				  int (*each)(void *ctx, const struct rl_row_membership *row), void *ctx,
				  struct rl_error *err);
/* Calls each for every membership user had, oldest first (every member of the row). */
int rl_rows_programme_history(struct rl_db *db, int64_t user,
			      int (*each)(void *ctx, const struct rl_row_membership *row), void *ctx,
			      struct rl_error *err);
/*
 * The programme trainee was in at the time when ({programme, name}): calls
 * each with it; 1 found, 0 none, -1 with err.
 */
int rl_rows_programme_at(struct rl_db *db, int64_t trainee, const char *when,
			 int (*each)(void *ctx, const struct rl_row_membership *row), void *ctx, struct rl_error *err);

#endif
