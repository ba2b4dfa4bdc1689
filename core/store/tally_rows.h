/*
 * tally_rows.h - the rows the per-trainee tallies are kept from and in
 * (domain/tally.c): trainee_tally itself, trainee_status.ledger_through
 * (the last ledger index the tallies include), and the session columns a
 * pending claim or a decision counts (schema/016_perf.sql).  The ledger
 * entries the tallies fold come from store/ledger_lookup.h.
 *
 * Typed values in and out (the convention of core/store/): a write
 * returns 0, or -1 with err; a lookup 1 found, 0 not found, -1 with err;
 * a list calls `each` per row (a non-zero return stops it and is
 * returned), its text valid during that call only.
 */
#ifndef RASLOG_TALLY_ROWS_H
#define RASLOG_TALLY_ROWS_H

#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/*
 * A session as a tally counts it: whose, its status and the decision
 * that set it (signoff_index -1 when NULL), and what it claims.  Strings
 * are malloc'd (rl_row_tally_session_release); platform, role and
 * steps_json (a JSON array of step codes) NULL when NULL.
 */
struct rl_row_tally_session {
	int64_t trainee;
	char *status;
	int64_t signoff_index;
	char *activity, *platform;
	int64_t minutes;
	char *role, *steps_json;
};
int rl_rows_tally_session(struct rl_db *db, int64_t session, struct rl_row_tally_session *out,
			  struct rl_error *err);
void rl_row_tally_session_release(struct rl_row_tally_session *s);

/* Adds signed_amount and pending_amount to the trainee's row for requirement (made if missing). */
int rl_rows_tally_upsert(struct rl_db *db, int64_t trainee, const char *requirement, int64_t signed_amount,
			 int64_t pending_amount, struct rl_error *err);
/* Adds pending_amount to the trainee's existing row for requirement: 1, 0 when there is no such row (nothing written), -1. */
int rl_rows_tally_add_pending(struct rl_db *db, int64_t trainee, const char *requirement, int64_t pending_amount,
			      struct rl_error *err);
/* Removes the trainee's rows with nothing signed or pending (a rebuild writes none). */
int rl_rows_tally_prune(struct rl_db *db, int64_t trainee, struct rl_error *err);
/* The trainee's rows: (requirement, signed, pending). */
int rl_rows_tally_list(struct rl_db *db, int64_t trainee,
		       int (*each)(void *ctx, const char *requirement, int64_t signed_amount, int64_t pending_amount),
		       void *ctx, struct rl_error *err);

/* trainee_status.ledger_through into *through: 1, 0 when there is no row or it is NULL, -1. */
int rl_rows_tally_through(struct rl_db *db, int64_t trainee, int64_t *through, struct rl_error *err);
/*
 * The same when no ledger entry about the trainee lies after it and before
 * index `before` (an entry just appended): 1 (*through set), 0 when there is
 * no row, it includes no entry, or such an entry exists; -1.
 */
int rl_rows_tally_through_alone(struct rl_db *db, int64_t trainee, int64_t before, int64_t *through,
				struct rl_error *err);

#endif
