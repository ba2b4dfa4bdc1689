/*
 * cmd_log.c - raslog log: a trainee logs a training session (POST
 * /sessions), and the session options it shares with raslog edit
 * (cmd_edit.c).  The server validates every field; its field errors are
 * printed one per line, its warnings (likely mistakes, stored anyway) too.
 * The client only checks what it must to build the request (whole
 * numbers, lists).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

/* The members an edit may remove (--clear): the optional ones. */
static const char *const clearable[] = { "platform", "site", "procedure", "steps", "role", "notes", NULL };

int cli_session_body(const struct os_args *a, int editing, json_t **out)
{
	static const char *const text[] = { "date", "activity", "platform", "site", "procedure", "role", "notes", NULL };
	const char *cmd = a->cmd->name, *minutes = os_get(a, "minutes"), *steps = os_get(a, "steps");
	const char *clear = editing ? os_get(a, "clear") : NULL;
	json_t *body, *list;
	long long mins;
	int rc;

	*out = NULL;
	if (minutes && rl_parse_int(minutes, -1000000000LL, 1000000000LL, &mins) < 0)
		return cli_usage_error(cmd, "--minutes must be a whole number, not '%s'", minutes);
	/* The date goes as given: the server says precisely what is wrong with it. */
	body = json_object();
	if (minutes)
		json_object_set_new(body, "minutes", json_integer((json_int_t)mins));
	if (os_get(a, "trainer"))
		json_object_set_new(body, "trainer", json_integer((json_int_t)cli_opt_id(a, "trainer")));
	for (size_t i = 0; text[i]; i++) {
		const char *v = os_get(a, text[i]);
		if (v && json_object_set_new(body, text[i], json_string(v)) < 0) {
			json_decref(body);
			return cli_usage_error(cmd, "--%s is not valid UTF-8", text[i]);
		}
	}
	if (steps) {
		if (!(list = cli_split_list(cmd, "--steps", steps))) {
			json_decref(body);
			return CLI_USAGE;
		}
		json_object_set_new(body, "steps", list);
	}
	if (clear) {
		json_t *names = cli_split_list(cmd, "--clear", clear), *name;
		size_t i;

		if (!names) {
			json_decref(body);
			return CLI_USAGE;
		}
		json_array_foreach(names, i, name) {
			const char *n = json_string_value(name);
			const char *const *k;

			for (k = clearable; *k && strcmp(*k, n) != 0; k++)
				;
			if (!*k || json_object_get(body, n)) {
				rc = *k ? cli_usage_error(cmd, "--clear %s and --%s cannot go together", n, n)
					: cli_usage_error(cmd, "--clear takes platform, site, procedure, steps, role or "
							  "notes, not '%s'", n);
				json_decref(names);
				json_decref(body);
				return rc;
			}
			json_object_set_new(body, n, json_null());
		}
		json_decref(names);
	}
	if (editing && json_object_size(body) == 0) {
		json_decref(body);
		return cli_usage_error(cmd, "nothing to change; give the options to correct, e.g. --trainer ID");
	}
	*out = body;
	return 0;
}

size_t cli_print_warnings(const json_t *reply)
{
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(reply, "warnings"), i, w)
		fprintf(stderr, "raslog: warning: %s\n", json_string_value(json_object_get(w, "detail")));
	return json_array_size(json_object_get(reply, "warnings"));
}

static int log_session(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *body, *res;
	int rc;
	char id[32];

	if ((rc = cli_session_body(a, 0, &body)) != 0)
		return rc;
	/* As the web form does: without --site, the session took place at my home site. */
	if (!json_object_get(body, "site")) {
		json_t *me = cli_get("/me", &rc);
		if (!me) {
			json_decref(body);
			return rc;
		}
		if (json_string_value(json_object_get(me, "site")) && *json_string_value(json_object_get(me, "site")))
			json_object_set(body, "site", json_object_get(me, "site"));
		json_decref(me);
	}
	res = cli_api("POST", "/sessions", body, &err);
	json_decref(body);
	if (!res)
		return cli_fail(&err);
	if (os_has(a, "json")) {
		cli_print_json(stdout, res);
	} else {
		const char *status = json_string_value(json_object_get(res, "status"));
		printf("logged session %s, status %s%s%s\n", cli_json_text(res, "id", "?", id, sizeof(id)),
		       cli_status_color(status), status ? status : "pending", cli_color_reset(status));
	}
	/* Likely mistakes: stored anyway; 'raslog edit' or 'raslog withdraw' put them right. */
	if (cli_print_warnings(res))
		fprintf(stderr, "raslog: correct it with 'raslog edit %s ...' or 'raslog withdraw %s'\n",
			cli_json_text(res, "id", "?", id, sizeof(id)), id);
	json_decref(res);
	return CLI_OK;
}

/* What a session says beyond the four things every session has (log and edit share them). */
static const struct os_opt detail_opts[] = {
	{ "platform", 0, "P", "davinci_xi, davinci_x, davinci_sp, versius, hugo_ras, sim_dvss, ...", 0, NULL },
	{ "site", 0, "S", "where it took place (default for log: your home site)", 0, NULL },
	{ "procedure", 0, "X", "the procedure (up to 120 characters)", 0, NULL },
	{ "steps", 0, "a,b", "procedure steps performed (codes)", 0, NULL },
	{ "role", 0, "R", "your role: O, A, S-TS, S-TU, P or T (any case)", 0, cli_check_role },
	{ "notes", 0, "TEXT", "up to 2000 characters", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt json_opts[] = {
	{ "json", 0, NULL, "print the stored record as JSON", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt log_opts[] = {
	{ "date", 0, "YYYY-MM-DD", "the day of the session (not in the future)", OS_REQUIRED, NULL },
	{ "minutes", 0, "M", "1..1440", OS_REQUIRED, NULL },
	{ "activity", 0, "A", "elearning, simulator, dry_lab, wet_lab, cadaveric, observation, bedside_assist, "
			      "console_modular, console_full", OS_REQUIRED, NULL },
	{ "trainer", 0, "ID", "the trainer's user id (see 'raslog trainer list')", OS_REQUIRED, cli_check_id },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

/* raslog edit: the same four, each optional. */
static const struct os_opt edit_core_opts[] = {
	{ "date", 0, "YYYY-MM-DD", "the day of the session", 0, NULL },
	{ "minutes", 0, "M", "1..1440", 0, NULL },
	{ "activity", 0, "A", "the activity (see 'raslog log --help')", 0, NULL },
	{ "trainer", 0, "ID", "move the session to another trainer", 0, cli_check_id },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt *const log_shared[] = { detail_opts, json_opts, cli_common_opts, NULL };
const struct os_opt *const cli_edit_shared[] = { edit_core_opts, detail_opts, json_opts, cli_common_opts, NULL };

const struct os_cmd cli_cmd_log = {
	.name = "log",
	.max_args = 0,
	.summary = "log a training session for a trainer to sign",
	.about = "Logs a training session; it counts once the trainer signs it.  Without\n"
		 "--site the session is logged at your home site, as the web form does.\n",
	.opts = log_opts,
	.shared = log_shared,
	.run = log_session,
	.flags = CLI_NEEDS_TOKEN,
};
