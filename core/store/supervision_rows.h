/*
 * supervision_rows.h - the rows of assignments (faculty assigning a
 * trainee to a trainer) and the supervision they and the sessions imply:
 * a trainer supervises a trainee named on a session of theirs not
 * withdrawn, or assigned to them (domain/supervision.h).  Who may list or
 * change assignments is decided in domain/supervision.c and arrives here
 * as the flags of struct rl_row_assignment_filter.
 *
 * Text in a row handed to a callback is valid during the call only.
 */
#ifndef RASLOG_SUPERVISION_ROWS_H
#define RASLOG_SUPERVISION_ROWS_H

#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* 1 if trainer supervises trainee, 0 if not, -1 with err. */
int rl_rows_supervises(struct rl_db *db, int64_t trainer, int64_t trainee, struct rl_error *err);
/* Calls each with every trainee trainer supervises: 0, -1 with err, or each's non-zero return. */
int rl_rows_supervised(struct rl_db *db, int64_t trainer, int (*each)(void *ctx, int64_t trainee), void *ctx,
		       struct rl_error *err);

struct rl_row_assignment {
	int64_t id, trainer;
	const char *trainer_name;
	int64_t trainee;
	const char *trainee_name;
	int64_t assigned_by;
	const char *created_at;
};

/* Inserts an assignment; sets *id.  One already there: -1 with err, and rl_db_unique_violation(db) tells. */
int rl_rows_assignment_insert(struct rl_db *db, int64_t trainer, int64_t trainee, int64_t by, const char *created_at,
			      int64_t *id, struct rl_error *err);
/* Deletes assignment id. */
int rl_rows_assignment_delete(struct rl_db *db, int64_t id, struct rl_error *err);
/* Calls each with assignment id: 1 found, 0 not, -1 with err (or each's non-zero return). */
int rl_rows_assignment_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_assignment *row),
			   void *ctx, struct rl_error *err);

/* Which assignments a list reads: those matching any of the four flags, then the filters. */
struct rl_row_assignment_filter {
	int all;               /* every assignment */
	int as_trainer;        /* those naming me as trainer */
	int as_trainee;        /* those naming me as trainee */
	int faculty;           /* those of the trainees of me's programmes (RL_FACULTY_SCOPE_SQL) */
	int64_t me;
	int64_t trainer;       /* 0: any */
	int64_t trainee;       /* 0: any */
};
/* Calls each for the matching assignments by id: 0, -1 with err, or each's non-zero return. */
int rl_rows_assignments_list(struct rl_db *db, const struct rl_row_assignment_filter *f,
			     int (*each)(void *ctx, const struct rl_row_assignment *row), void *ctx,
			     struct rl_error *err);

#endif
