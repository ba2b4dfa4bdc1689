/*
 * oversight.h - what faculty need to see where training is stuck (issue 17
 * item 4), computed from the signed statements as stored in the ledger
 * (each session_signoff embeds the session as the trainee logged it and
 * the trainer's signed view), limited to the trainees the caller may see
 * (sessions.h, the one visibility rule).  The latest sign-off of a session
 * counts (a correction supersedes the one before).
 *
 *   trainers:  per trainer, sessions waiting now, decisions signed, and the
 *              median and 90th percentile of the time from logging
 *              (session.created_at) to the signed decision (signed_at), in
 *              seconds, by the nearest-rank method (the value at rank
 *              ceil(p * n) of the sorted times).
 *   agreement: over confirmed sign-offs where the trainee claimed, or the
 *              trainer signed, a role or steps: the trainee's role equals
 *              the trainer's (both absent counts as equal) and their steps
 *              are the same multiset; per trainer, site, step (each step
 *              either side named) and programme (the trainee's at signing),
 *              with every disagreement listed.
 *   stuck:     trainees in training with no signed activity for more than
 *              D days (since joining, if never) or a session pending for
 *              more than D days; D is the caller's, else the trainee's
 *              programme's reminder_days, else RL_REMIND_DAYS.
 *
 * Each returns a new {"items": [...]} (agreement: an object of groups).
 */
#ifndef RASLOG_OVERSIGHT_H
#define RASLOG_OVERSIGHT_H

#include <jansson.h>
#include <time.h>

#include "store/db.h"
#include "base/error.h"
#include "domain/users.h"

struct rl_oversight_opts {
	const struct rl_user *me;  /* whose visibility applies */
	int days;                  /* stuck threshold; 0: per programme or RL_REMIND_DAYS */
	time_t now;
};

json_t *rl_oversight_trainers(struct rl_db *db, const struct rl_oversight_opts *o, struct rl_error *err);
json_t *rl_oversight_agreement(struct rl_db *db, const struct rl_oversight_opts *o, struct rl_error *err);
json_t *rl_oversight_stuck(struct rl_db *db, const struct rl_oversight_opts *o, struct rl_error *err);

/* Nearest-rank percentile (0 < p <= 100) of n sorted values; 0 when n is 0. */
long long rl_percentile(const long long *sorted, size_t n, int p);

#endif
