/*
 * cmd_withdraw.c - raslog withdraw: a trainee withdraws their own pending
 * session (logged twice, or by mistake).  It reads the session (its ETag),
 * shows what will be withdrawn and asks (--yes skips the question; without
 * a terminal it never asks), then sends DELETE with If-Match.  The session
 * stays in the trainee's history as "withdrawn" and counts nowhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#include "base/banned.h"

static const char usage[] =
	"usage: raslog withdraw ID [--yes] [--json]\n"
	"\n"
	"Withdraws your own pending session: it no longer waits for the trainer\n"
	"and counts nowhere, but stays in your history with status 'withdrawn'.\n"
	"\n"
	"  --yes    do not ask first (needed without a terminal)\n"
	"  --json   print the withdrawn record as JSON\n";

int cmd_withdraw(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, CLI_OPT_YES },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "withdraw";
	struct rl_error err = RL_ERROR_INIT;
	struct cli_reply r;
	json_t *s = NULL;
	int64_t id;
	int yes = 0, json = 0, c, rc;
	char etag[96], path[64], tmp[160];

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_YES: yes = 1; break;
		case CLI_OPT_JSON: json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, usage)) >= 0)
				return rc;
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "give the id of the session to withdraw");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (cli_parse_id(cmd, "session", argv[optind], &id) < 0)
		return CLI_USAGE;
	if (!yes && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "raslog: refusing to withdraw without a terminal; pass --yes\n");
		return CLI_USAGE;
	}
	if ((rc = cli_session_etag(cmd, id, etag, sizeof(etag), &s)) != 0)
		return rc;
	if (!yes) {
		char line[16];

		fprintf(stderr, "Session %lld: %s, %s, %s min, trainer %s, status %s\n", (long long)id,
			json_string_value(json_object_get(s, "date")), json_string_value(json_object_get(s, "activity")),
			cli_json_text(s, "minutes", "?", path, sizeof(path)),
			cli_json_text(s, "trainer_name", "?", tmp, sizeof(tmp)),
			json_string_value(json_object_get(s, "status")));
		fputs("Withdraw it? [y/N] ", stderr);
		fflush(stderr);
		if (!fgets(line, sizeof(line), stdin) || (strcmp(line, "y\n") != 0 && strcmp(line, "yes\n") != 0 &&
							 strcmp(line, "Y\n") != 0 && strcmp(line, "YES\n") != 0)) {
			json_decref(s);
			fprintf(stderr, "raslog: nothing withdrawn\n");
			return CLI_FAIL;
		}
	}
	json_decref(s);
	snprintf(path, sizeof(path), "/sessions/%lld", (long long)id);
	if (cli_http_if_match("DELETE", path, NULL, etag, &r, &err) < 0) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json)
		cli_print_json(stdout, r.json);
	else
		printf("withdrew session %lld; it stays in your history as withdrawn\n", (long long)id);
	cli_reply_release(&r);
	return CLI_OK;
}
