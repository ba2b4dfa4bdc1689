/*
 * logbook.h - the use cases that change a trainee's figures and so own
 * the cross-module effect: the record is stored by its module (sessions,
 * users) and the figures' caches are recomputed from the ledger
 * (progress).  Storage never calls up into progress; callers that change
 * records call these, in their transaction.
 */
#ifndef RASLOG_LOGBOOK_H
#define RASLOG_LOGBOOK_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "domain/sessions.h"
#include "domain/users.h"
#include "store/db.h"

/* Log a session: rl_session_insert, then the trainee's pending figures. */
int rl_logbook_log_session(struct rl_db *db, const struct rl_session_new *s, int64_t *id, struct rl_error *err);

/* Edit (s) or withdraw (s NULL) a pending session: rl_session_update, then the figures. */
int rl_logbook_update_session(struct rl_db *db, int64_t trainee, int64_t id, long long expect_revision,
			      const struct rl_session_new *s, struct rl_error *err);

/* Add a user: rl_user_add, then (for an enrolled trainee) the accreditation list's row. */
int rl_logbook_add_user(struct rl_db *db, const struct rl_user_new *nu, int64_t *id_out,
			char token[RL_TOKEN_LEN + 1], struct rl_error *err);

/*
 * Appends a log-signed statement (stolen) to the ledger, about subject
 * (0: nobody); *index (if not NULL) gets its ledger index.
 */
int rl_logbook_append_log(struct rl_db *db, json_t *statement, int64_t subject, int64_t *index,
			  struct rl_error *err);

/*
 * The trainee's curriculum (users.curriculum_id) is now what it is: appends
 * an "enrolment" statement naming it (code, version, content hash) unless
 * their latest enrolment statement already does, then refreshes their
 * figures.  Nothing for a trainee on no curriculum.
 */
int rl_logbook_enrolled(struct rl_db *db, int64_t trainee, struct rl_error *err);

/*
 * Appends a "curriculum" statement for every curriculum version in the
 * database that has none, and an enrolment for every enrolled trainee who
 * has none (databases made before these statements existed).  Returns
 * the number of statements appended.
 */
int rl_logbook_backfill(struct rl_db *db, struct rl_error *err);

#endif
