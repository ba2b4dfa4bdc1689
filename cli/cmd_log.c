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

static const char usage[] =
	"usage: raslog log --date YYYY-MM-DD --minutes M --activity A --trainer ID\n"
	"                  [--platform P] [--site S] [--procedure X] [--steps a,b]\n"
	"                  [--role R] [--notes TEXT] [--json]\n"
	"\n"
	"Logs a training session; it counts once the trainer signs it.\n"
	"\n"
	"  --date D        the day of the session (not in the future)\n"
	"  --minutes M     1..1440\n"
	"  --activity A    elearning, simulator, dry_lab, wet_lab, cadaveric,\n"
	"                  observation, bedside_assist, console_modular, console_full\n"
	"  --trainer ID    the trainer's user id (see 'raslog trainer list')\n"
	"  --platform P    davinci_xi, davinci_x, davinci_sp, versius, hugo_ras, sim_dvss, ...\n"
	"  --site S        where it took place\n"
	"  --procedure X   the procedure (up to 120 characters)\n"
	"  --steps a,b     procedure steps performed (codes)\n"
	"  --role R        your role: O, A, S-TS, S-TU, P or T\n"
	"  --notes TEXT    up to 2000 characters\n"
	"  --json          print the stored record as JSON\n";

enum {
	OPT_DATE = CLI_OPT_FIRST_LOCAL,
	OPT_MINUTES,
	OPT_ACTIVITY,
	OPT_PLATFORM,
	OPT_SITE,
	OPT_PROCEDURE,
	OPT_STEPS,
	OPT_ROLE,
	OPT_TRAINER,
	OPT_NOTES,
	OPT_CLEAR,
};

/* The members an edit may remove (--clear): the optional ones. */
static const char *const clearable[] = { "platform", "site", "procedure", "steps", "role", "notes", NULL };

int cli_session_body(const char *cmd, const char *help, int editing, int argc, char **argv, json_t **out,
		     int *json, int *nargs)
{
	static const struct option opts[] = {
		{ "date", required_argument, NULL, OPT_DATE },
		{ "minutes", required_argument, NULL, OPT_MINUTES },
		{ "activity", required_argument, NULL, OPT_ACTIVITY },
		{ "platform", required_argument, NULL, OPT_PLATFORM },
		{ "site", required_argument, NULL, OPT_SITE },
		{ "procedure", required_argument, NULL, OPT_PROCEDURE },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "trainer", required_argument, NULL, OPT_TRAINER },
		{ "notes", required_argument, NULL, OPT_NOTES },
		{ "clear", required_argument, NULL, OPT_CLEAR },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *date = NULL, *minutes = NULL, *activity = NULL, *trainer = NULL, *steps = NULL, *clear = NULL;
	const char *platform = NULL, *site = NULL, *procedure = NULL, *role = NULL, *notes = NULL;
	json_t *body, *list;
	long long mins;
	int64_t trainer_id;
	int c, rc;

	*out = NULL;
	*json = 0;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATE: date = optarg; break;
		case OPT_MINUTES: minutes = optarg; break;
		case OPT_ACTIVITY: activity = optarg; break;
		case OPT_PLATFORM: platform = optarg; break;
		case OPT_SITE: site = optarg; break;
		case OPT_PROCEDURE: procedure = optarg; break;
		case OPT_STEPS: steps = optarg; break;
		case OPT_ROLE: role = optarg; break;
		case OPT_TRAINER: trainer = optarg; break;
		case OPT_NOTES: notes = optarg; break;
		case OPT_CLEAR:
			if (!editing)
				return cli_usage_error(cmd, "--clear is for 'raslog edit'");
			clear = optarg;
			break;
		case CLI_OPT_JSON: *json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, help)) >= 0)
				return rc;
		}
	}
	/* log takes no argument; edit takes the session id. */
	*nargs = argc - optind;
	if (*nargs > editing)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + editing]);
	if (!editing) {
		if (!date)
			return cli_usage_error(cmd, "--date is required");
		if (!minutes)
			return cli_usage_error(cmd, "--minutes is required");
		if (!activity)
			return cli_usage_error(cmd, "--activity is required");
		if (!trainer)
			return cli_usage_error(cmd, "--trainer is required");
	}
	if (minutes && rl_parse_int(minutes, -1000000000LL, 1000000000LL, &mins) < 0)
		return cli_usage_error(cmd, "--minutes must be a whole number, not '%s'", minutes);
	if (trainer && cli_parse_id(cmd, "--trainer", trainer, &trainer_id) < 0)
		return CLI_USAGE;

	/* The date goes as given: the server says precisely what is wrong with it. */
	body = json_object();
	if (minutes)
		json_object_set_new(body, "minutes", json_integer((json_int_t)mins));
	if (trainer)
		json_object_set_new(body, "trainer", json_integer((json_int_t)trainer_id));
	{
		const struct {
			const char *name, *value;
		} text[] = {
			{ "date", date },         { "activity", activity }, { "platform", platform }, { "site", site },
			{ "procedure", procedure }, { "role", role },     { "notes", notes },
		};
		for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
			if (!text[i].value)
				continue;
			if (json_object_set_new(body, text[i].name, json_string(text[i].value)) < 0) {
				json_decref(body);
				return cli_usage_error(cmd, "--%s is not valid UTF-8", text[i].name);
			}
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

int cmd_log(int argc, char **argv)
{
	const char *cmd = "log";
	struct rl_error err = RL_ERROR_INIT;
	json_t *body, *res;
	int json, nargs, rc;
	char id[32];

	if ((rc = cli_session_body(cmd, usage, 0, argc, argv, &body, &json, &nargs)) != 0 || !body)
		return rc;
	res = cli_api("POST", "/sessions", body, &err);
	json_decref(body);
	if (!res) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json) {
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
