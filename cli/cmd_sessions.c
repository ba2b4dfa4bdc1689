/*
 * cmd_sessions.c - raslog sessions (the sessions I may see, with the
 * reason of a rejection) and raslog pending (what waits for my
 * signature, with procedure and steps), from GET /sessions; newest
 * session first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

/* Prints a list reply as a table; says when more pages exist. */
static void print_list(const json_t *res)
{
	json_t *next = json_object_get(res, "next_cursor");

	cli_print_sessions(json_object_get(res, "items"));
	if (next && !json_is_null(next))
		fprintf(stderr, "(more sessions: pass --all to list them all)\n");
}

static int sessions(const struct os_args *a)
{
	const char *cmd = a->cmd->name, *status = os_get(a, "status"), *limit = os_get(a, "limit");
	int64_t trainee = cli_opt_id(a, "trainee");
	struct rl_buf path = RL_BUF_INIT;
	long long n = 0;
	char sep = '?';
	int rc;

	if (status && strcmp(status, "pending") && strcmp(status, "signed") && strcmp(status, "rejected") &&
	    strcmp(status, "withdrawn"))
		return cli_usage_error(cmd, "--status must be pending, signed, rejected or withdrawn, not '%s'", status);
	if (limit && rl_parse_int(limit, 1, 200, &n) < 0)
		return cli_usage_error(cmd, "--limit must be a whole number from 1 to 200, not '%s'", limit);
	if (limit && os_has(a, "all"))
		return cli_usage_error(cmd, "--limit and --all do not go together");
	rl_buf_puts(&path, "/sessions");
	if (status) {
		rl_buf_printf(&path, "%cstatus=%s", sep, status);
		sep = '&';
	}
	if (trainee) {
		rl_buf_printf(&path, "%ctrainee=%lld", sep, (long long)trainee);
		sep = '&';
	}
	if (limit)
		rl_buf_printf(&path, "%climit=%lld", sep, n);
	rc = cli_read(a, path.data, os_has(a, "all"), print_list);
	rl_buf_release(&path);
	return rc;
}

static void print_pending(const json_t *res)
{
	if (!json_array_size(json_object_get(res, "items")))
		printf("Nothing waits for your signature.\n");
	else
		cli_print_pending(json_object_get(res, "items"));
}

static int pending(const struct os_args *a)
{
	return cli_read(a, "/sessions?waiting_for_me=1&status=pending", 1, print_pending);
}

static const struct os_opt sessions_opts[] = {
	{ "status", 0, "pending|signed|rejected|withdrawn", "only sessions in this state", 0, NULL },
	{ "trainee", 0, "ID", "only this trainee's sessions", 0, cli_check_id },
	{ "limit", 0, "N", "at most N per page (1..200, default 50)", 0, NULL },
	{ "all", 0, NULL, "follow the pages to the end", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_sessions = {
	.name = "sessions",
	.max_args = 0,
	.summary = "list the sessions I may see",
	.about = "Lists the sessions I may see, newest first: my own as a trainee, those\n"
		 "naming me as a trainer, everyone's for faculty.  A rejected session shows\n"
		 "the trainer's reason.\n",
	.opts = sessions_opts,
	.shared = cli_shared_read,
	.run = sessions,
	.flags = CLI_NEEDS_TOKEN,
};

const struct os_cmd cli_cmd_pending = {
	.name = "pending",
	.max_args = 0,
	.summary = "list the sessions waiting for my signature",
	.about = "Lists the sessions waiting for my signature as their trainer, newest first,\n"
		 "with procedure and steps (sign them with 'raslog sign ID...', a range\n"
		 "such as 15-25, or 'raslog sign --all').\n",
	.shared = cli_shared_read,
	.run = pending,
	.flags = CLI_NEEDS_TOKEN,
};
