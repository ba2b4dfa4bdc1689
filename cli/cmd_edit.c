/*
 * cmd_edit.c - raslog edit: a trainee corrects their own pending session.
 * It reads the session (GET /sessions/ID) for its ETag, then sends the
 * changed fields (PATCH) with If-Match, so a change made meanwhile (or a
 * signature) is never overwritten.  The options are raslog log's
 * (cli_session_body); --clear removes optional ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "base/banned.h"

/* GETs the session for its ETag; returns 0 or the exit code after reporting. */
int cli_session_etag(const char *cmd, int64_t id, char *etag, size_t size, json_t **session)
{
	struct rl_error err = RL_ERROR_INIT;
	struct cli_reply r;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/sessions/%lld", (long long)id);
	if (cli_http("GET", path, NULL, &r, &err) < 0) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (!r.etag[0] || !r.json) {
		cli_reply_release(&r);
		return cli_error("the server gave no ETag for session %lld; it may be too old for '%s'", (long long)id,
				 cmd);
	}
	snprintf(etag, size, "%s", r.etag);
	if (session) {
		*session = r.json;
		r.json = NULL;
	}
	cli_reply_release(&r);
	return 0;
}

static int edit(const struct os_args *a)
{
	const char *cmd = a->cmd->name;
	struct rl_error err = RL_ERROR_INIT;
	struct cli_reply r;
	json_t *body;
	int64_t id;
	int rc;
	char etag[96], path[64];

	if (cli_parse_id(cmd, "session", a->argv[0], &id) < 0)
		return CLI_USAGE;
	if ((rc = cli_session_body(a, 1, &body)) != 0)
		return rc;
	if ((rc = cli_session_etag(cmd, id, etag, sizeof(etag), NULL)) != 0) {
		json_decref(body);
		return rc;
	}
	snprintf(path, sizeof(path), "/sessions/%lld", (long long)id);
	rc = cli_http_if_match("PATCH", path, body, etag, &r, &err);
	json_decref(body);
	if (rc < 0)
		return cli_fail(&err);
	if (os_has(a, "json"))
		cli_print_json(stdout, r.json);
	else
		printf("corrected session %lld (revision %lld), status pending\n", (long long)id,
		       (long long)json_integer_value(json_object_get(r.json, "revision")));
	cli_print_warnings(r.json);
	cli_reply_release(&r);
	return CLI_OK;
}

static const struct os_opt opts[] = {
	{ "clear", 0, "FIELD,...", "remove platform, site, procedure, steps, role or notes", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_edit = {
	.name = "edit",
	.args = "ID",
	.min_args = 1,
	.max_args = 1,
	.summary = "correct my pending session",
	.about = "Corrects your own session while it is pending (not yet signed or rejected).\n"
		 "The options replace what you logged and are checked as 'raslog log' checks\n"
		 "them; the earlier version is kept.  --trainer moves the session to another\n"
		 "trainer.  Withdraw a session logged by mistake with 'raslog withdraw ID'.\n",
	.opts = opts,
	.shared = cli_edit_shared,
	.run = edit,
	.flags = CLI_NEEDS_TOKEN,
};
