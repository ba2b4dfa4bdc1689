/*
 * cmd_notify.c - raslogd notify --now: the reminder and digest passes, then one try at
 * every unsent message of the outbox (back-off or not), for operators and
 * tests.  raslogd serve does the same in the background (server/mailer.c).
 * Settings come from the config file; the flags override it.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "store/db.h"
#include "mailer.h"
#include "operator.h"
#include "base/util.h"
#include "ledger/writer.h"

#include "base/banned.h"

int cmd_notify(const char *path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "now", no_argument, NULL, 'n' },
		{ "smtp-url", required_argument, NULL, 's' },
		{ "mail-from", required_argument, NULL, 'f' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "reminder-waiting", required_argument, NULL, 'w' },
		{ "reminder-days", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct rl_error err = RL_ERROR_INIT;
	struct mailer_config cfg;
	struct rl_writer *w;
	int c, now = 0, queued, digests = 0, sent = 0, failed = 0, rc;
	long long n;

	mailer_config_load(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': now = 1; break;
		case 's':
			if (strncmp(optarg, "smtp://", 7) != 0 && strncmp(optarg, "smtps://", 8) != 0)
				goto usage;
			cfg.smtp_url = optarg;
			break;
		case 'f': cfg.mail_from = optarg; break;
		case 'u': cfg.public_url = optarg; break;
		case 'w':
			if (rl_parse_int(optarg, 1, 100000, &n) < 0)
				goto usage;
			cfg.reminder_waiting = (int)n;
			break;
		case 'd':
			if (rl_parse_int(optarg, 1, 3650, &n) < 0)
				goto usage;
			cfg.reminder_days = (int)n;
			break;
		default:
			goto usage;
		}
	}
	if (!now || optind != argc)
		goto usage;
	curl_global_init(CURL_GLOBAL_DEFAULT);
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
	fprintf(stderr, "usage: raslogd --db FILE notify --now [--smtp-url URL] [--mail-from ADDR] [--public-url URL]\n"
			"                              [--reminder-waiting N] [--reminder-days D]\n");
	return 2;
}
