/*
 * cmd_log.c - raslog log: a trainee logs a training session (POST
 * /sessions).  The server validates every field; its field errors are
 * printed one per line.  The client only checks what it must to build
 * the request (whole numbers, lists).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

#include "banned.h"

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
};

int cmd_log(int argc, char **argv)
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
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "log";
	const char *date = NULL, *minutes = NULL, *activity = NULL, *trainer = NULL, *steps = NULL;
	const char *platform = NULL, *site = NULL, *procedure = NULL, *role = NULL, *notes = NULL;
	struct rl_error err = RL_ERROR_INIT;
	json_t *body, *res, *list;
	long long mins;
	int64_t trainer_id;
	int json = 0, c, rc;
	char id[32];

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
		case CLI_OPT_JSON: json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, usage)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!date)
		return cli_usage_error(cmd, "--date is required");
	if (!minutes)
		return cli_usage_error(cmd, "--minutes is required");
	if (!activity)
		return cli_usage_error(cmd, "--activity is required");
	if (!trainer)
		return cli_usage_error(cmd, "--trainer is required");
	if (rl_parse_int(minutes, -1000000000LL, 1000000000LL, &mins) < 0)
		return cli_usage_error(cmd, "--minutes must be a whole number, not '%s'", minutes);
	if (cli_parse_id(cmd, "--trainer", trainer, &trainer_id) < 0)
		return CLI_USAGE;

	/* The date goes as given: the server says precisely what is wrong with it. */
	body = json_pack("{s:s,s:I,s:s,s:I}", "date", date, "minutes", (json_int_t)mins, "activity", activity, "trainer",
			 (json_int_t)trainer_id);
	if (!body)
		return cli_error("the arguments are not valid UTF-8");
	{
		const struct {
			const char *name, *value;
		} optional[] = {
			{ "platform", platform }, { "site", site }, { "procedure", procedure },
			{ "role", role },         { "notes", notes },
		};
		for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
			if (!optional[i].value)
				continue;
			if (json_object_set_new(body, optional[i].name, json_string(optional[i].value)) < 0) {
				json_decref(body);
				return cli_usage_error(cmd, "--%s is not valid UTF-8", optional[i].name);
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
	json_decref(res);
	return CLI_OK;
}
