/*
 * cmd_sessions.c - raslog sessions (the sessions I may see) and raslog
 * pending (what waits for my signature), from GET /sessions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

static const char sessions_usage[] =
	"usage: raslog sessions [--status pending|signed|rejected] [--trainee ID]\n"
	"                       [--limit N] [--all] [--json]\n"
	"\n"
	"Lists the sessions I may see, newest first: my own as a trainee, those\n"
	"naming me as a trainer, everyone's for faculty.\n"
	"\n"
	"  --status S    only sessions in this state\n"
	"  --trainee ID  only this trainee's sessions\n"
	"  --limit N     at most N per page (1..200, default 50)\n"
	"  --all         follow the pages to the end\n"
	"  --json        print the server's JSON\n";

static const char pending_usage[] =
	"usage: raslog pending [--json]\n"
	"\n"
	"Lists the sessions waiting for my signature as their trainer\n"
	"(sign them with 'raslog sign ID...').\n";

enum { OPT_STATUS = CLI_OPT_FIRST_LOCAL, OPT_TRAINEE, OPT_LIMIT, OPT_ALL };

/* Prints a list reply as a table or JSON; says when more pages exist. */
static int show(json_t *res, int json)
{
	json_t *next = json_object_get(res, "next_cursor");

	if (json) {
		cli_print_json(stdout, res);
		return CLI_OK;
	}
	cli_print_sessions(json_object_get(res, "items"));
	if (next && !json_is_null(next))
		fprintf(stderr, "(more sessions: pass --all to list them all)\n");
	return CLI_OK;
}

int cmd_sessions(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "trainee", required_argument, NULL, OPT_TRAINEE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "sessions", *status = NULL, *trainee = NULL, *limit = NULL;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_buf path = RL_BUF_INIT;
	int json = 0, all = 0, c, rc;
	long long n;
	int64_t id;
	char sep = '?';
	json_t *res;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case OPT_STATUS: status = optarg; break;
		case OPT_TRAINEE: trainee = optarg; break;
		case OPT_LIMIT: limit = optarg; break;
		case OPT_ALL: all = 1; break;
		case CLI_OPT_JSON: json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, sessions_usage)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (status && strcmp(status, "pending") && strcmp(status, "signed") && strcmp(status, "rejected") &&
	    strcmp(status, "withdrawn"))
		return cli_usage_error(cmd, "--status must be pending, signed, rejected or withdrawn, not '%s'", status);
	if (limit && rl_parse_int(limit, 1, 200, &n) < 0)
		return cli_usage_error(cmd, "--limit must be a whole number from 1 to 200, not '%s'", limit);
	if (limit && all)
		return cli_usage_error(cmd, "--limit and --all do not go together");
	rl_buf_puts(&path, "/sessions");
	if (status) {
		rl_buf_printf(&path, "%cstatus=%s", sep, status);
		sep = '&';
	}
	if (trainee) {
		if (cli_parse_id(cmd, "--trainee", trainee, &id) < 0) {
			rl_buf_release(&path);
			return CLI_USAGE;
		}
		rl_buf_printf(&path, "%ctrainee=%lld", sep, (long long)id);
		sep = '&';
	}
	if (limit)
		rl_buf_printf(&path, "%climit=%lld", sep, n);
	res = all ? cli_fetch_all(path.data, &err) : cli_api("GET", path.data, NULL, &err);
	rl_buf_release(&path);
	if (!res) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	rc = show(res, json);
	json_decref(res);
	return rc;
}

int cmd_pending(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "pending";
	struct rl_error err = RL_ERROR_INIT;
	int json = 0, c, rc;
	json_t *res;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		if (c == CLI_OPT_JSON)
			json = 1;
		else if ((rc = cli_opt_common(c, argv, cmd, pending_usage)) >= 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	res = cli_fetch_all("/sessions?waiting_for_me=1&status=pending", &err);
	if (!res) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (!json && !json_array_size(json_object_get(res, "items")))
		printf("Nothing waits for your signature.\n");
	else
		show(res, json);
	json_decref(res);
	return CLI_OK;
}
