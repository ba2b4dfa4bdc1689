/*
 * outbox.h - the durable email outbox (schema/003_outbox.sql).
 *
 * rl_outbox_queue() runs inside the caller's transaction, so a message
 * commits (or rolls back) with the event that causes it; its idempotency
 * key names that event, and a second queue under the same key does
 * nothing.  Delivery belongs to the program that links an SMTP client
 * (raslogd's server/mailer.c): it claims due messages, sends them and
 * records each outcome, every step in its own short transaction.  The core
 * knows nothing of SMTP.
 */
#ifndef RASLOG_OUTBOX_H
#define RASLOG_OUTBOX_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "store/db.h"
#include "base/error.h"

/* How long a claim lasts: a sender that has not reported by then is taken for dead. */
#define RL_OUTBOX_LEASE 600
/* Back-off after the n-th failed attempt: 60 s * 2^(n-1), at most six hours. */
long rl_outbox_backoff(int attempts);

/* Queues a message.  Returns 1 queued, 0 already queued under key, -1 with err set. */
int rl_outbox_queue(struct rl_db *db, const char *key, const char *recipient, const char *subject,
		    const char *body, time_t now, struct rl_error *err);
/* A message for rl_outbox_queue_rows. */
struct rl_outbox_row {
	const char *key, *recipient, *subject, *body;
	time_t now;     /* when it was queued */
};
/*
 * Queues n messages as n calls of rl_outbox_queue would (one whose key is
 * already queued is left as it is), in a few statements of up to 64 rows:
 * SQLite's cost of an INSERT is mostly the statement's, not the row's
 * (bench/README.md, session 12).  0, or -1 with err set.
 */
int rl_outbox_queue_rows(struct rl_db *db, const struct rl_outbox_row *rows, size_t n, struct rl_error *err);
/* Whether a message was queued under key (whatever became of it): 1 yes, 0 no, -1 with err. */
int rl_outbox_has(struct rl_db *db, const char *key, struct rl_error *err);

struct rl_outbox_msg {
	int64_t id;
	char *key;
	char *recipient;
	char *subject;
	char *body;
	int attempts;   /* including this one */
};

/*
 * Claims up to max messages due at now (queued or failed with their next
 * attempt due, or force: whatever their back-off says; and 'sending' ones
 * whose claim has lapsed): each becomes 'sending' with a lease of
 * RL_OUTBOX_LEASE seconds and one more attempt.  *out is malloc'd (free
 * with rl_outbox_msgs_free).  Run it in a transaction.
 */
int rl_outbox_claim(struct rl_db *db, time_t now, int force, int max, struct rl_outbox_msg **out, int *n,
		    struct rl_error *err);
void rl_outbox_msgs_free(struct rl_outbox_msg *msgs, int n);

/* Records the outcome of a claimed message: sent, or failed until now + back-off. */
int rl_outbox_sent(struct rl_db *db, int64_t id, time_t now, const char *reply, struct rl_error *err);
int rl_outbox_failed(struct rl_db *db, int64_t id, time_t now, const char *reply, struct rl_error *err);

struct rl_outbox_counts {
	long long queued;            /* queued or being sent */
	long long failed;            /* last attempt failed; will be retried */
	long long sent;
	long long oldest_unsent_age; /* seconds since the oldest unsent message was queued; 0 if none */
};
int rl_outbox_count(struct rl_db *db, struct rl_outbox_counts *out, struct rl_error *err);

/*
 * The newest messages first, without their bodies: [{id, idempotency_key,
 * recipient, subject, state, attempts, next_attempt_at, last_reply,
 * created_at, sent_at}].  state may be NULL (all).
 */
json_t *rl_outbox_list(struct rl_db *db, const char *state, int limit, struct rl_error *err);

#endif
