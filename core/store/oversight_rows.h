/*
 * oversight_rows.h - the rows faculty oversight and the per-site report
 * read: the session_signoff statements in the ledger (as text; the domain
 * parses them), the sessions waiting now, the figures of the stuck
 * trainees list, and a person's name.  Whose rows a caller may see is
 * decided in domain/ (sessions.h, struct rl_visible) and arrives here as
 * a set of trainee ids: the queries read only those trainees' rows
 * through "IN (?11..?138)" slots, or every row when the set is "all" or
 * larger than RL_ROWS_VISIBLE_SLOTS (the caller filters all the same).
 *
 * Text handed to a callback is valid during the call only.
 */
#ifndef RASLOG_OVERSIGHT_ROWS_H
#define RASLOG_OVERSIGHT_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

#define RL_ROWS_VISIBLE_SLOTS 128

/* The trainees whose rows to read: all, or ids[0..n). */
struct rl_rows_trainees {
	int all;
	const int64_t *ids;
	size_t n;
};

/* Calls each with the message of every session_signoff statement, in ledger order. */
int rl_rows_oversight_signoff_messages(struct rl_db *db, int (*each)(void *ctx, const char *message, size_t len),
				       void *ctx, struct rl_error *err);
/* Calls each with the index and message of the session_signoff statements about the trainees t, in ledger order. */
int rl_rows_oversight_signoffs_of(struct rl_db *db, const struct rl_rows_trainees *t,
				  int (*each)(void *ctx, int64_t index, const char *message, size_t len), void *ctx,
				  struct rl_error *err);

struct rl_row_pending {
	int64_t trainer, trainee;
	const char *created_at;
};
/* Calls each for the pending sessions of the trainees t, by id. */
int rl_rows_oversight_pending(struct rl_db *db, const struct rl_rows_trainees *t,
			      int (*each)(void *ctx, const struct rl_row_pending *row), void *ctx, struct rl_error *err);

struct rl_row_stuck {
	int64_t trainee;
	const char *name, *joined;
	int has_programme;
	int64_t programme;
	const char *programme_name;
	const char *last_signed_at;        /* NULL: never */
	const char *oldest_pending_since;  /* NULL: none pending */
	int64_t waiting;
	int64_t threshold_days;            /* days, else the programme's reminder_days, else default_days */
};
/*
 * Calls each for every active trainee in training among t, by id, with
 * their latest signed activity, oldest pending session and threshold.
 */
int rl_rows_oversight_stuck(struct rl_db *db, int days, int default_days, const struct rl_rows_trainees *t,
			    int (*each)(void *ctx, const struct rl_row_stuck *row), void *ctx, struct rl_error *err);

/* Copies user id's name into buf; 1 found, 0 not, -1 with err. */
int rl_rows_oversight_user_name(struct rl_db *db, int64_t id, char *buf, size_t size, struct rl_error *err);

#endif
