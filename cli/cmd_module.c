/*
 * cmd_module.c - raslog module complete: a trainer signs that a trainee
 * completed a module of their curriculum.  The curriculum's code and
 * version come from the trainee's progress report (GET
 * /trainees/ID/progress), which also tells whether the module exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "base/banned.h"

static const char module_usage[] =
	"usage: raslog module complete --trainee ID --module M [--yes] [--passphrase-file FILE] [--json]\n";

static const char complete_usage[] =
	"usage: raslog module complete --trainee ID --module M [--yes] [--passphrase-file FILE] [--json]\n"
	"\n"
	"Signs that the trainee completed module M of their curriculum (see\n"
	"'raslog progress ID' for the module ids).\n"
	"\n"
	"  --trainee ID           the trainee\n"
	"  --module M             the module id\n"
	"  --yes                  sign without asking\n"
	"  --passphrase-file FILE the passphrase of a sealed key (or RASLOG_PASSPHRASE)\n"
	"  --json                 print the server's answer as JSON\n";

enum { OPT_TRAINEE = CLI_OPT_FIRST_LOCAL, OPT_MODULE };

/* Finds module id in a progress report; on failure lists the ids there are. */
static int module_known(const json_t *progress, const char *module)
{
	struct rl_buf ids = RL_BUF_INIT;
	json_t *modules = json_object_get(progress, "modules"), *m;
	size_t i;

	json_array_foreach(modules, i, m) {
		const char *id = json_string_value(json_object_get(m, "id"));
		if (id && strcmp(id, module) == 0) {
			rl_buf_release(&ids);
			return 1;
		}
		if (id)
			rl_buf_printf(&ids, "%s%s", ids.len ? ", " : "", id);
	}
	cli_error("the trainee's curriculum has no module '%s' (it has: %s)", module, ids.len ? ids.data : "none");
	rl_buf_release(&ids);
	return 0;
}

static int module_complete(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trainee", required_argument, NULL, OPT_TRAINEE },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "yes", no_argument, NULL, CLI_OPT_YES },
		{ "passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "module complete", *trainee = NULL, *module = NULL, *passfile = NULL, *code;
	struct rl_error err = RL_ERROR_INIT;
	struct cli_signer s;
	struct rl_signer by;
	json_t *progress = NULL, *stmt, *reply = NULL;
	int64_t trainee_id;
	int yes = 0, json = 0, c, rc, version;
	char path[64], what[160], tmp[32];

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "y", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TRAINEE: trainee = optarg; break;
		case OPT_MODULE: module = optarg; break;
		case 'y':
		case CLI_OPT_YES: yes = 1; break;
		case CLI_OPT_PASSFILE: passfile = optarg; break;
		case CLI_OPT_JSON: json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, complete_usage)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!trainee)
		return cli_usage_error(cmd, "--trainee is required");
	if (!module || !*module)
		return cli_usage_error(cmd, "--module is required");
	if (cli_parse_id(cmd, "--trainee", trainee, &trainee_id) < 0)
		return CLI_USAGE;
	if ((rc = cli_signer_begin(&s, cmd, yes, passfile)) != 0)
		return rc;
	snprintf(path, sizeof(path), "/trainees/%lld/progress", (long long)trainee_id);
	if (!(progress = cli_api("GET", path, NULL, &err))) {
		rc = cli_report(&err);
		goto out;
	}
	if (cli_progress_curriculum(progress, &code, &version) < 0 || !module_known(progress, module)) {
		rc = CLI_FAIL;
		goto out;
	}
	cli_signer_by(&s, &by);
	stmt = rl_stmt_module_completion(trainee_id, code, version, module, &by);
	snprintf(what, sizeof(what), "module %.64s of trainee %lld", module, (long long)trainee_id);
	rc = cli_signer_submit(&s, stmt, what, &reply);
	json_decref(stmt);
	if (rc == 0) {
		if (json)
			cli_print_json(stdout, reply);
		else
			printf("%s completed: ledger index %s\n", what,
			       cli_json_text(reply, "ledger_index", "?", tmp, sizeof(tmp)));
	}
out:
	rl_error_clear(&err);
	json_decref(reply);
	json_decref(progress);
	cli_signer_release(&s);
	return rc;
}

int cmd_module(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("module", "say what to do: raslog module complete ...");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(module_usage, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "complete") == 0)
		return module_complete(argc - 1, argv + 1);
	return cli_usage_error("module", "'%s' is not a module command (complete)", argv[1]);
}
