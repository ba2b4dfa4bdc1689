/*
 * notify.h - what raslog tells people by email, composed and queued in the
 * outbox (outbox.h).  The core decides who is told what; sending is the
 * server's (server/mailer.c).
 *
 * Trainer reminders: a trainer is reminded when more than max_waiting
 * sessions wait for their signature, or when one has waited more than
 * max_days whole days since it was logged; at most once a UTC day (the
 * idempotency key is "reminder:<trainer id>:<yyyy-mm-dd>").  The message
 * lists each waiting session by date, trainee and activity, never notes,
 * scores or anything else.
 */
#ifndef RASLOG_NOTIFY_H
#define RASLOG_NOTIFY_H

#include <time.h>

#include "db.h"
#include "error.h"

#define RL_REMIND_WAITING 25
#define RL_REMIND_DAYS 30
#define RL_REMIND_LIST_MAX 50  /* sessions listed in one reminder; the rest are counted */

struct rl_remind_opts {
	int max_waiting;        /* remind when more than this many wait */
	int max_days;           /* ... or when one has waited more than this many days */
	const char *public_url; /* for the link to the signing page; NULL: no link */
	time_t now;
};

/* The reminder pass; run it in a transaction.  *queued: reminders newly queued. */
int rl_notify_reminders(struct rl_db *db, const struct rl_remind_opts *o, int *queued, struct rl_error *err);

#endif
