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

static int withdraw(const struct os_args *a)
{
	const char *cmd = a->cmd->name;
	struct rl_error err = RL_ERROR_INIT;
	struct cli_reply r;
	json_t *s = NULL;
	int64_t id;
	int yes = os_has(a, "yes"), rc;
	char etag[96], path[64], tmp[160];

	if (cli_parse_id(cmd, "session", a->argv[0], &id) < 0)
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
	if (cli_http_if_match("DELETE", path, NULL, etag, &r, &err) < 0)
		return cli_fail(&err);
	if (os_has(a, "json"))
		cli_print_json(stdout, r.json);
	else
		printf("withdrew session %lld; it stays in your history as withdrawn\n", (long long)id);
	cli_reply_release(&r);
	return CLI_OK;
}

static const struct os_opt opts[] = {
	{ "yes", 'y', NULL, "do not ask first (needed without a terminal)", OS_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_withdraw = {
	.name = "withdraw",
	.args = "ID",
	.min_args = 1,
	.max_args = 1,
	.summary = "withdraw my pending session (it stays in my history)",
	.about = "Withdraws your own pending session: it no longer waits for the trainer\n"
		 "and counts nowhere, but stays in your history with status 'withdrawn'.\n",
	.opts = opts,
	.shared = cli_shared_read,
	.run = withdraw,
	.flags = CLI_NEEDS_TOKEN,
};
