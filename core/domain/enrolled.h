/*
 * enrolled.h - the curriculum a trainee is measured against: the one
 * their latest enrolment statement in the ledger names (code and version
 * of a loaded curriculum), else users.curriculum_id (a trainee with no
 * enrolment statement, in a database not yet backfilled by `raslogd
 * init`).  Read in C from the parsed statement rather than in SQL, as
 * json_extract is SQLite's alone.
 */
#ifndef RASLOG_ENROLLED_H
#define RASLOG_ENROLLED_H

#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* *cid: the curriculum's id, or 0 when none (or no such user).  0, or -1 with err set. */
int rl_enrolled_curriculum(struct rl_db *db, int64_t trainee, int64_t *cid, struct rl_error *err);

#endif
