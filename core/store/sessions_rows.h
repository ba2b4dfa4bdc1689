/*
 * sessions_rows.h - the rows of sessions and session_revisions: storing a
 * trainee's session and its corrections, reading sessions back (with
 * their trainee's and trainer's names), the queries the session warnings
 * ask, and the earlier versions a correction keeps.  Whose sessions a
 * caller may list is decided in domain/sessions.c and arrives here as the
 * flags of struct rl_row_session_filter.  Writers run in the caller's
 * transaction.
 *
 * Text in a row handed to a callback is valid during the call only.
 */
#ifndef RASLOG_SESSIONS_ROWS_H
#define RASLOG_SESSIONS_ROWS_H

#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* A session's logged fields as stored; NULL or "" text is stored as NULL (except date, activity). */
struct rl_row_session_new {
	int64_t trainee, trainer;
	const char *date;
	int64_t minutes;
	const char *activity, *platform, *site, *procedure;
	const char *steps;       /* JSON text of the step array, or NULL */
	const char *role, *notes;
};

/* A session as read, with its names and sign-off. */
struct rl_row_session {
	int64_t id, trainee, trainer;
	const char *date;
	int64_t minutes;
	const char *activity, *platform, *site, *procedure, *steps, *role, *notes;
	const char *status;
	const char *signed_role, *signed_steps;
	int64_t signed_by;
	const char *signed_at;
	int has_signoff;         /* signoff_index is not NULL */
	int64_t signoff_index;
	const char *reject_reason, *created_at;
	const char *trainee_name, *trainer_name;
	int64_t revision;
	const char *updated_at, *withdrawn_at;
};

/* *n: the trainee's sessions pending with trainer.  0, or -1 with err. */
int rl_rows_session_pending_count(struct rl_db *db, int64_t trainee, int64_t trainer, int64_t *n,
				  struct rl_error *err);
/* Inserts a session created at created_at; sets *id. */
int rl_rows_session_insert(struct rl_db *db, const struct rl_row_session_new *s, const char *created_at, int64_t *id,
			   struct rl_error *err);
/* Replaces the logged fields of pending session id (trainee unchanged), raising its revision. */
int rl_rows_session_update(struct rl_db *db, int64_t id, const struct rl_row_session_new *s, const char *now,
			   struct rl_error *err);
/* Withdraws pending session id at now, raising its revision. */
int rl_rows_session_withdraw(struct rl_db *db, int64_t id, const char *now, struct rl_error *err);
/* Keeps a replaced version: fields is its logged fields as JSON text, replaced_by "edit" or "withdrawal". */
int rl_rows_session_revision_insert(struct rl_db *db, int64_t session, int64_t revision, const char *fields,
				    const char *replaced_at, const char *replaced_by, struct rl_error *err);

/* Calls each with session id: 1 found, 0 not, -1 with err (or each's non-zero return). */
int rl_rows_session_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_session *row),
			void *ctx, struct rl_error *err);
/* Calls each for the trainee's sessions by date then id: 0, -1 with err, or each's non-zero return. */
int rl_rows_sessions_of_trainee(struct rl_db *db, int64_t trainee,
				int (*each)(void *ctx, const struct rl_row_session *row), void *ctx,
				struct rl_error *err);

/* Which sessions a list reads: those matching any of the three "own" flags, then the filters. */
struct rl_row_session_filter {
	int faculty;           /* the trainees of faculty's programmes (RL_FACULTY_SCOPE_SQL) */
	int as_trainee;        /* me's own sessions */
	int as_trainer;        /* sessions naming me as trainer, not withdrawn */
	int64_t me;            /* the caller; the faculty member of the scope */
	int64_t trainee;       /* 0: any */
	const char *status;    /* NULL or "": any */
	int64_t before_id;     /* only ids below it */
	int64_t limit;         /* at most this many rows */
};
/* Calls each for the matching sessions, newest first: 0, -1 with err, or each's non-zero return. */
int rl_rows_sessions_list(struct rl_db *db, const struct rl_row_session_filter *f,
			  int (*each)(void *ctx, const struct rl_row_session *row), void *ctx, struct rl_error *err);

/*
 * *id: the first pending or signed session of trainee other than
 * exclude with this date, activity, minutes and procedure (NULL matches
 * NULL).  1 found, 0 none, -1 with err.
 */
int rl_rows_session_duplicate(struct rl_db *db, int64_t trainee, const char *date, const char *activity,
			      int64_t minutes, const char *procedure, int64_t exclude, int64_t *id,
			      struct rl_error *err);
/* 1 if trainer holds an accreditation in force on day (YYYY-MM-DD), 0 if not, -1 with err. */
/* The names of trainee and trainer into the buffers (size bytes each); RL_E_NOTFOUND if either is not a user. */
int rl_rows_session_names(struct rl_db *db, int64_t trainee, int64_t trainer, char *trainee_name, char *trainer_name,
			  size_t size, struct rl_error *err);
int rl_rows_session_trainer_accredited(struct rl_db *db, int64_t trainer, const char *day, struct rl_error *err);

/* The earlier versions of the sessions a sign-off decided: each gets session, revision, fields (JSON text). */
int rl_rows_session_revisions_of_signoff(struct rl_db *db, int64_t signoff_index,
					 int (*each)(void *ctx, int64_t session, int64_t revision, const char *fields),
					 void *ctx, struct rl_error *err);
/* Replaces the fields of an earlier version. */
int rl_rows_session_revision_set_fields(struct rl_db *db, int64_t session, int64_t revision, const char *fields,
					struct rl_error *err);

#endif
