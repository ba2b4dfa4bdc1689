/*
 * tally.h - the per-(trainee, requirement) tallies (trainee_tally) kept up
 * to date by deltas as the ledger and the logbook change, so that a write
 * costs O(its own evidence) and a progress reply O(requirements), not
 * O(the trainee's sessions) (issue 18).
 *
 * The tallies stay a cache of rl_figures() (domain/figures.h): every delta
 * is the same rl_curriculum_contributions() call rl_figures makes for that
 * one piece of evidence, and the amounts are sums, so the order evidence
 * arrives in does not change them.  `raslogd rebuild` recomputes them from
 * the ledger and the start-up check compares them with it; whenever a
 * change is not a plain sum (an enrolment, an accreditation or its
 * revocation, a decision this code cannot place), rl_tally_catch_up asks
 * the caller for the full recompute instead (domain/progress.c).
 *
 * trainee_status.ledger_through is the last ledger index about the
 * trainee that the tallies include (schema/016_perf.sql).
 */
#ifndef RASLOG_TALLY_H
#define RASLOG_TALLY_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "domain/curriculum.h"
#include "ledger/stmt.h"
#include "store/db.h"

struct rl_session_new;

/*
 * Deltas for one trainee: requirement key -> signed and pending amounts
 * (json objects key -> integer); rl_tally_delta_init, then rl_tally_delta_free.
 */
struct rl_tally_delta {
	json_t *sig;
	json_t *pen;
	int held;   /* domain/progress.c: the seals were checked before the change (1, or 2: no rows yet) */
};
void rl_tally_delta_init(struct rl_tally_delta *d);
void rl_tally_delta_free(struct rl_tally_delta *d);

/*
 * Adds sign (+1 or -1) times the pending claim of session id to d, as
 * rl_figures counts it: nothing unless the session's record is pending.
 * *trainee (if not NULL) is set to the session's trainee.  0, or -1 with err.
 */
int rl_tally_claim(struct rl_db *db, const struct rl_curriculum *c, int64_t session, int sign,
		   struct rl_tally_delta *d, int64_t *trainee, struct rl_error *err);

/*
 * The pending claim of a session being logged with the fields s (pending,
 * as rl_session_insert stores them), as rl_tally_claim would read it back
 * from the row: fn(ctx, key, amount) once per contribution, key being the
 * curriculum's own string (it lives as long as c).  No read: the claim is
 * a function of the fields and the curriculum alone.  0, or -1 with err.
 */
int rl_tally_claim_fields(const struct rl_curriculum *c, const struct rl_session_new *s,
			  rl_contribution_fn fn, void *ctx, struct rl_error *err);

/* Adds the amounts to d's requirement key. */
void rl_tally_add(struct rl_tally_delta *d, const char *key, long long signed_amount, long long pending_amount);

/* Adds d to the trainee's rows of trainee_tally (rows that reach 0 and 0 are removed). */
int rl_tally_apply(struct rl_db *db, int64_t trainee, const struct rl_tally_delta *d, struct rl_error *err);

/*
 * Folds the ledger entries about trainee after trainee_status.ledger_through
 * into trainee_tally and sets *through to the last one.  Returns 0, 1 when
 * the caller must recompute the trainee's caches from the ledger instead
 * (no status row yet, or an entry that is not a plain sum: enrolment,
 * accreditation, revocation, a decision the sessions table does not
 * place), or -1 with err.  Nothing is written when it returns 1.
 */
int rl_tally_catch_up(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, int64_t *through,
		      struct rl_error *err);
/* The same from ledger index from (what the tallies include, when the caller knows it better than the status row). */
int rl_tally_catch_up_from(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, int64_t from,
			   int64_t *through, struct rl_error *err);

/*
 * Folds entry idx, just appended about trainee, from its statement as the
 * writer has it in hand (st: read by rl_statement_read from the entry's
 * statement), as rl_tally_catch_up_from would when it is the only entry
 * about the trainee after what the tallies include (the caller knows
 * that): no read of the entry and no parse of its text.  0 folded, 1 not
 * a plain sum (nothing written: catch up or recompute as before), -1 with err.
 */
int rl_tally_fold_appended(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, int64_t idx,
			   const struct rl_statement *st, struct rl_error *err);

/*
 * The trainee's tallies, read once, as rl_curriculum_evaluate's lookup
 * (rl_tally_lookup with the object as ctx): key -> [signed, pending].
 */
json_t *rl_tally_load(struct rl_db *db, int64_t trainee, struct rl_error *err);
int rl_tally_lookup(void *ctx, const char *key, long long *signed_amount, long long *pending_amount);

#endif
