/*
 * supervision.h - which trainees a trainer supervises, and the faculty's
 * assignments of trainees to trainers.
 *
 * A trainer supervises a trainee who named them on a session (any session
 * of that trainee, whatever its state) or whom faculty assigned to them.
 * The server lets a trainer sign (sessions, assessments, module
 * completions) only for trainees they supervise.  An assignment is an
 * administrative relation kept in a table (schema/002_supervision.sql),
 * not a signed statement: it is not in the ledger, and `raslog verify`
 * does not know it.
 */
#ifndef RASLOG_SUPERVISION_H
#define RASLOG_SUPERVISION_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"
#include "base/error.h"
#include "domain/users.h"

/* 1 if trainer supervises trainee, 0 if not, -1 with err set on a database failure. */
int rl_supervises(struct rl_db *db, int64_t trainer, int64_t trainee, struct rl_error *err);

/* The sentence a refusal carries: who can authorise the trainer (buf of size). */
void rl_supervision_refusal(int64_t trainer, int64_t trainee, char *buf, size_t size);

/*
 * Faculty or admin: assigns trainee to trainer from {"trainer":ID,"trainee":ID}.
 * *out is the new assignment {"id","trainer","trainer_name","trainee",
 * "trainee_name","assigned_by","created_at"}.  Field errors for users who
 * are not a trainer / trainee; 409 already-assigned for a pair assigned already.
 */
int rl_assignment_add(struct rl_db *db, const struct rl_user *me, const json_t *body, json_t **out,
		      struct rl_error *err);

/* Faculty or admin: removes assignment id; *out is what was removed.  404 when none. */
int rl_assignment_remove(struct rl_db *db, const struct rl_user *me, int64_t id, json_t **out,
			 struct rl_error *err);

/*
 * The assignments me may see, filtered by trainer and/or trainee (0: any):
 * faculty and admin see all, a trainer those naming them, a trainee those
 * naming them.  A new array.
 */
json_t *rl_assignment_list(struct rl_db *db, const struct rl_user *me, int64_t trainer, int64_t trainee,
			   struct rl_error *err);

#endif
