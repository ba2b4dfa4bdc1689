/*
 * cmd_sign.c - raslog sign (a trainer confirms sessions: ids, ranges
 * such as 15-25, or --all that wait for them) and raslog reject (a
 * trainer rejects one, with a reason).  Each statement is built with
 * core/domain/statements.h from the session as fetched from GET
 * /sessions/ID, never from anything the server proposes; the trainer's
 * own view of role and steps defaults to the trainee's claim.  The rest
 * of the flow is cli_sign_run's (sign.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

#define SIGN_MAX_ITEMS 10000

/* "Tara Trainee" from a record's name member, or "user N". */
static const char *name_of(const json_t *rec, const char *id_member, const char *name_member, char *tmp, size_t size)
{
	const char *name = json_string_value(json_object_get(rec, name_member));

	if (name && *name)
		return name;
	snprintf(tmp, size, "user %lld", (long long)json_integer_value(json_object_get(rec, id_member)));
	return tmp;
}

/* The session in words: "60 minutes of simulator on 2026-11-01 at Site, on davinci_xi, Procedure". */
static void session_words(const json_t *session, char *out, size_t size)
{
	const char *platform = json_string_value(json_object_get(session, "platform"));
	const char *procedure = json_string_value(json_object_get(session, "procedure"));
	const char *site = json_string_value(json_object_get(session, "site"));

	snprintf(out, size, "%lld minutes of %s on %s%s%s%s%s%s%s", (long long)json_integer_value(json_object_get(session, "minutes")),
		 json_string_value(json_object_get(session, "activity")) ? json_string_value(json_object_get(session, "activity")) : "?",
		 json_string_value(json_object_get(session, "date")) ? json_string_value(json_object_get(session, "date")) : "?",
		 site ? " at " : "", site ? site : "", platform ? ", on " : "", platform ? platform : "",
		 procedure ? ", " : "", procedure ? procedure : "");
}

/* ------------------------------------------------------------ which sessions */

/* Adds id to the list; -1 when it is too long. */
static int push(int64_t **ids, size_t *n, size_t *cap, int64_t id)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		int64_t *p = realloc(*ids, c * sizeof(*p));
		if (!p)
			return -1;
		*ids = p;
		*cap = c;
	}
	(*ids)[(*n)++] = id;
	return 0;
}

/* The sessions to sign: ids and ranges (15-25) as given, or with --all every session waiting for me. */
static int sign_items(const struct os_args *a, int64_t **ids, size_t *n)
{
	const char *cmd = a->cmd->name;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (os_has(a, "all")) {
		json_t *res, *s;
		struct rl_error err = RL_ERROR_INIT;
		size_t i;

		if (a->argc)
			return cli_usage_error(cmd, "give session ids or --all, not both");
		if (!(res = cli_fetch_all("/sessions?waiting_for_me=1&status=pending", &err)))
			return cli_fail(&err);
		json_array_foreach(json_object_get(res, "items"), i, s)
			if (push(ids, n, &cap, json_integer_value(json_object_get(s, "id"))) < 0) {
				json_decref(res);
				return cli_error("out of memory");
			}
		json_decref(res);
		if (!*n)
			printf("Nothing waits for your signature.\n");
		return 0;
	}
	if (!a->argc)
		return cli_usage_error(cmd, "say which sessions to sign: raslog sign ID... (or a range 15-25, or --all)");
	for (int i = 0; i < a->argc; i++) {
		const char *arg = a->argv[i], *dash = strchr(arg, '-');
		int64_t lo, hi;

		if (dash && dash != arg) {
			char first[32];
			size_t len = (size_t)(dash - arg);

			if (len >= sizeof(first))
				len = sizeof(first) - 1;
			memcpy(first, arg, len);
			first[len] = '\0';
			if (cli_parse_id(cmd, "the start of a range", first, &lo) < 0 ||
			    cli_parse_id(cmd, "the end of a range", dash + 1, &hi) < 0) {
				rc = CLI_USAGE;
				goto fail;
			}
			if (hi < lo || hi - lo >= SIGN_MAX_ITEMS) {
				rc = cli_usage_error(cmd, "the range '%s' must run upwards and hold at most %d sessions", arg,
						     SIGN_MAX_ITEMS);
				goto fail;
			}
		} else if (cli_parse_id(cmd, "a session id", arg, &lo) < 0) {
			rc = CLI_USAGE;
			goto fail;
		} else {
			hi = lo;
		}
		for (int64_t id = lo; id <= hi; id++)
			if (*n >= SIGN_MAX_ITEMS || push(ids, n, &cap, id) < 0) {
				rc = cli_usage_error(cmd, "sign at most %d sessions at a time", SIGN_MAX_ITEMS);
				goto fail;
			}
	}
	return 0;
fail:
	free(*ids);
	*ids = NULL;
	return rc;
}

/* ------------------------------------------------------------ one statement */

/* Fetches session id and checks that s may decide it now; returns it or NULL (*rc the exit code). */
static json_t *pending_session(struct cli_signer *s, int64_t id, int *rc)
{
	json_t *session;
	const char *status;
	char path[64], tmp[32];

	snprintf(path, sizeof(path), "/sessions/%lld", (long long)id);
	if (!(session = cli_get(path, rc)))
		return NULL;
	status = json_string_value(json_object_get(session, "status"));
	if (json_integer_value(json_object_get(session, "id")) != id)
		*rc = cli_error("the server answered GET %s with another session", path);
	else if (status && strcmp(status, "pending") != 0)
		*rc = cli_error("session %lld is already %s (ledger index %s)", (long long)id, status,
				cli_json_text(json_object_get(session, "signoff"), "ledger_index", "?", tmp, sizeof(tmp)));
	else if (json_integer_value(json_object_get(session, "trainer")) != s->user)
		*rc = cli_error("session %lld names trainer %s, not you (user %lld); only that trainer may sign it",
				(long long)id, cli_json_text(session, "trainer", "?", tmp, sizeof(tmp)), (long long)s->user);
	else
		return session;
	json_decref(session);
	return NULL;
}

static int build(const struct os_args *a, struct cli_signer *s, int64_t id, struct cli_stmt *out, const char *decision)
{
	int confirm = strcmp(decision, "confirmed") == 0;
	const char *role, *me = json_string_value(json_object_get(s->me, "name"));
	const json_t *steps;
	json_t *session, *given = NULL;
	struct rl_signer by;
	char words[600], tmp[64], roles[512];
	const char *who;
	int rc;

	if (!(session = pending_session(s, id, &rc)))
		return rc;
	role = confirm && os_get(a, "role") ? os_get(a, "role") : json_string_value(json_object_get(session, "role"));
	if (confirm && os_get(a, "steps")) {
		given = cli_split_list(a->cmd->name, "--steps", os_get(a, "steps"));
		if (!given) {
			json_decref(session);
			return CLI_USAGE;
		}
	}
	steps = given ? given : json_object_get(session, "steps");
	if (!json_is_array(steps))
		steps = NULL;
	cli_signer_by(s, &by);
	out->statement = rl_stmt_session_signoff(session, decision, confirm ? role : NULL, confirm ? steps : NULL,
						 confirm ? NULL : os_get(a, "reason"), &by);
	snprintf(out->what, sizeof(out->what), "session %lld, %s", (long long)id, decision);
	snprintf(out->done, sizeof(out->done), "session %lld %s%s%s", (long long)id, cli_status_color(decision), decision,
		 cli_color_reset(decision));
	session_words(session, words, sizeof(words));
	who = name_of(session, "trainee", "trainee_name", tmp, sizeof(tmp));
	if (confirm) {
		json_t *wrap = json_pack("{s:O}", "steps", steps ? steps : json_null());
		const char *st = cli_json_text(wrap, "steps", NULL, roles, sizeof(roles));
		snprintf(out->words, sizeof(out->words), "%s confirms that %s did %s, as %s%s%s (session %lld).",
			 me ? me : "I", who, words, role ? role : "no role given", st ? ", with steps " : "", st ? st : "",
			 (long long)id);
		json_decref(wrap);
	} else {
		snprintf(out->words, sizeof(out->words), "%s rejects %s's session %lld (%s), because: %s", me ? me : "I",
			 who, (long long)id, words, os_get(a, "reason"));
	}
	json_decref(given);
	json_decref(session);
	return 0;
}

static int build_confirm(const struct os_args *a, struct cli_signer *s, int64_t id, struct cli_stmt *out)
{
	return build(a, s, id, out, "confirmed");
}

static int build_reject(const struct os_args *a, struct cli_signer *s, int64_t id, struct cli_stmt *out)
{
	return build(a, s, id, out, "rejected");
}

/* raslog reject ID: one session, with a reason. */
static int reject_items(const struct os_args *a, int64_t **ids, size_t *n)
{
	if (!*os_get(a, "reason"))
		return cli_usage_error(a->cmd->name, "--reason is required");
	if (!(*ids = malloc(sizeof(**ids))))
		return cli_error("out of memory");
	if (cli_parse_id(a->cmd->name, "the session id", a->argv[0], *ids) < 0) {
		free(*ids);
		*ids = NULL;
		return CLI_USAGE;
	}
	*n = 1;
	return 0;
}

static const struct cli_signing sign_how = { sign_items, build_confirm };
static const struct cli_signing reject_how = { reject_items, build_reject };

static const struct os_opt sign_opts[] = {
	{ "role", 0, "R", "your view of the trainee's role (O, A, S-TS, S-TU, P, T; any case); default: the claim", 0,
	  cli_check_role },
	{ "steps", 0, "a,b", "the steps you saw the trainee perform; default: the trainee's claim", 0, cli_check_steps },
	{ "all", 0, NULL, "sign every session waiting for you", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_sign = {
	.name = "sign",
	.args = "ID|FROM-TO...",
	.min_args = 0,
	.max_args = -1,
	.summary = "confirm sessions with my signature (trainer)",
	.about = "Confirms the sessions with your signature: ids, ranges such as 15-25, or --all\n"
		 "for every session waiting for you.  Each statement is shown in words and\n"
		 "exactly before it is signed; on a terminal you are asked first.  Without a\n"
		 "terminal nothing is signed unless --yes is given.  A bad --role or --steps\n"
		 "code is refused (exit 2) before anything is shown.\n",
	.opts = sign_opts,
	.shared = cli_shared_sign,
	.run = cli_sign_run,
	.flags = CLI_NEEDS_TOKEN | CLI_SIGNS,
	.data = &sign_how,
};

static const struct os_opt reject_opts[] = {
	{ "reason", 0, "TEXT", "why the session is rejected (the trainee sees it)", OS_REQUIRED, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_reject = {
	.name = "reject",
	.args = "ID",
	.min_args = 1,
	.max_args = 1,
	.summary = "reject a session with a signed reason (trainer)",
	.about = "Rejects a session with your signature and a reason the trainee sees.\n",
	.opts = reject_opts,
	.shared = cli_shared_sign,
	.run = cli_sign_run,
	.flags = CLI_NEEDS_TOKEN | CLI_SIGNS,
	.data = &reject_how,
};
