/*
 * cmd_me.c - raslog me: who the server says the token belongs to (GET /me).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#include "base/banned.h"

static const char usage[] =
	"usage: raslog me [--json]\n"
	"\n"
	"Shows the account the token belongs to: id, name, e-mail, roles, site.\n";

int cmd_me(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const fields[][2] = {
		{ "id", "id" }, { "name", "name" }, { "email", "e-mail" }, { "roles", "roles" },
		{ "site", "site" }, { "gmc", "GMC" }, { NULL, NULL },
	};
	struct rl_error err = RL_ERROR_INIT;
	json_t *me, *cur;
	int json = 0, c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		if (c == CLI_OPT_JSON)
			json = 1;
		else if ((rc = cli_opt_common(c, argv, "me", usage)) >= 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error("me", "unexpected argument '%s'", argv[optind]);
	me = cli_api("GET", "/me", NULL, &err);
	if (!me) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json) {
		cli_print_json(stdout, me);
		json_decref(me);
		return CLI_OK;
	}
	for (int i = 0; fields[i][0]; i++) {
		char tmp[512];
		const char *v = cli_json_text(me, fields[i][0], NULL, tmp, sizeof(tmp));
		if (v)
			printf("%-11s %s\n", fields[i][1], v);
	}
	cur = json_object_get(me, "curriculum");
	if (json_is_object(cur)) {
		char code[64], ver[32];
		printf("%-11s %s v%s\n", "curriculum", cli_json_text(cur, "code", "?", code, sizeof(code)),
		       cli_json_text(cur, "version", "?", ver, sizeof(ver)));
	} else if (json_is_string(cur)) {
		printf("%-11s %s\n", "curriculum", json_string_value(cur));
	}
	json_decref(me);
	return CLI_OK;
}
