/*
 * cmd_notify.c - raslogd notify --now: the reminder and digest passes, then one try at
 * every unsent message of the outbox (back-off or not), for operators and
 * tests.  raslogd serve does the same in the background (server/mailer.c).
 * Settings come from the config file; the flags override it.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "domain/progress.h"
#include "store/db.h"
#include "mailer.h"
#include "operator.h"
#include "base/util.h"
#include "ledger/writer.h"
#include "../cli/optspec.h"

#include "base/banned.h"

/* A status row the digest found tampered with or stale, rebuilt from the ledger: one line on stderr each. */
static void notify_drift(const json_t *item)
{
	char *text = json_dumps(item, JSON_COMPACT | JSON_ENSURE_ASCII);

	fprintf(stderr, "raslogd: cached figures differed from the ledger and were rebuilt (figures.drift): %s\n",
		text ? text : "?");
	free(text);
}

static int cmd_notify(const struct os_args *args)
{
	const char *path = args->ctx, *val;
	int pos = 0;
	struct rl_error err = RL_ERROR_INIT;
	struct mailer_config cfg;
	struct rl_writer *w;
	int c, now = 0, queued, digests = 0, sent = 0, failed = 0, rc;
	long long n;

	mailer_config_load(&cfg);
	while ((c = os_next(args, &pos, &val)) != -1) {
		switch (c) {
		case 'n': now = 1; break;
		case 's':
			if (strncmp(val, "smtp://", 7) != 0 && strncmp(val, "smtps://", 8) != 0)
				goto usage;
			cfg.smtp_url = val;
			break;
		case 'f': cfg.mail_from = val; break;
		case 'u': cfg.public_url = val; break;
		case 'w':
			if (rl_parse_int(val, 1, 100000, &n) < 0)
				goto usage;
			cfg.reminder_waiting = (int)n;
			break;
		case 'd':
			if (rl_parse_int(val, 1, 3650, &n) < 0)
				goto usage;
			cfg.reminder_days = (int)n;
			break;
		default:
			goto usage;
		}
	}
	if (!now)
		goto usage;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rl_progress_drift_hook = notify_drift;
	if (rl_writer_start(path, &w, &err) < 0)
		return operator_fail(&err);
	queued = mailer_remind(&cfg, w);
	if (queued >= 0)
		digests = mailer_digest(&cfg, w);
	rc = queued < 0 || digests < 0 ? -1 : mailer_send_due(&cfg, w, 1, &sent, &failed);
	rl_writer_stop(w);
	curl_global_cleanup();
	if (rc < 0)
		return 1;
	printf("{\"reminders_queued\":%d,\"digests_queued\":%d,\"sent\":%d,\"failed\":%d,\"smtp\":%s}\n", queued,
	       digests, sent, failed,
	       cfg.smtp_url ? "true" : "false");
	if (failed)
		fprintf(stderr, "raslogd: %d message%s could not be sent; they stay in the outbox and are retried\n",
			failed, failed == 1 ? "" : "s");
	return failed ? 1 : 0;
usage:
	os_usage(stderr, args->cmd);
	return 2;
}

static const struct os_opt notify_opts[] = {
	{ "now", 'n', NULL, "run the reminder and digest passes and send the outbox once", OS_REQUIRED, NULL },
	{ "smtp-url", 's', "URL", "smtp:// or smtps:// server", 0, NULL },
	{ "mail-from", 'f', "ADDR", "the sender address", 0, NULL },
	{ "public-url", 'u', "URL", "the address links in mail point at", 0, NULL },
	{ "reminder-waiting", 'w', "N", "remind a trainer with at least N sessions waiting", 0, NULL },
	{ "reminder-days", 'd', "D", "... or a session waiting D days", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd op_cmd_notify = {
	.name = "notify",
	.max_args = 0,
	.summary = "remind trainers of waiting sessions; send the outbox once",
	.opts = notify_opts,
	.run = cmd_notify,
};
