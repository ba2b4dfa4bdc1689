/*
 * mailer.h - raslogd's side of email: the SMTP sender (libcurl) that
 * drains the outbox (core/store/outbox.h), the reminder pass, and the thread
 * that runs both in the background of `raslogd serve`.
 */
#ifndef RASLOG_MAILER_H
#define RASLOG_MAILER_H

#include "ledger/writer.h"

struct mailer_config {
	const char *smtp_url;           /* NULL: queue, never send */
	const char *smtp_user;
	const char *smtp_password_file;
	const char *mail_from;
	const char *public_url;
	int reminder_waiting;
	int reminder_days;
};

/* Fills cfg from the config file (config.c), with defaults. */
void mailer_config_load(struct mailer_config *cfg);

/* Runs the reminder pass through the writer; returns reminders queued, or -1 (message on stderr). */
int mailer_remind(const struct mailer_config *cfg, struct rl_writer *w);

/* Runs the faculty digest pass (stuck after reminder_days); returns digests queued, or -1. */
int mailer_digest(const struct mailer_config *cfg, struct rl_writer *w);

/*
 * Sends what is due (force: every unsent message, back-off or not) through
 * the writer; returns 0, or -1 if the outbox could not be read.  *sent and
 * *failed count this pass's outcomes (either may be NULL).
 */
int mailer_send_due(const struct mailer_config *cfg, struct rl_writer *w, int force, int *sent, int *failed);

/*
 * The background thread of raslogd serve: sends every minute, reminds and
 * digests every hour (a failed pass: again in 5 minutes), the first passes
 * at once.
 */
int mailer_start(const struct mailer_config *cfg, struct rl_writer *w);
void mailer_stop(void);

#endif
