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

/* Finds module id in a progress report (its title into *title); on failure lists the ids there are. */
static int module_known(const json_t *progress, const char *module, const char **title)
{
	struct rl_buf ids = RL_BUF_INIT;
	json_t *modules = json_object_get(progress, "modules"), *m;
	size_t i;

	json_array_foreach(modules, i, m) {
		const char *id = json_string_value(json_object_get(m, "id"));
		if (id && strcmp(id, module) == 0) {
			rl_buf_release(&ids);
			*title = json_string_value(json_object_get(m, "title"));
			return 1;
		}
		if (id)
			rl_buf_printf(&ids, "%s%s", ids.len ? ", " : "", id);
	}
	cli_error("the trainee's curriculum has no module '%s' (it has: %s)", module, ids.len ? ids.data : "none");
	rl_buf_release(&ids);
	return 0;
}

static int build(const struct os_args *a, struct cli_signer *s, int64_t item, struct cli_stmt *out)
{
	int64_t trainee = cli_opt_id(a, "trainee");
	const char *module = os_get(a, "module"), *code, *title = NULL, *me = json_string_value(json_object_get(s->me, "name"));
	const char *who, *ctitle;
	struct rl_signer by;
	json_t *progress;
	char path[64];
	int rc, version;
	int64_t supersedes = os_get(a, "supersedes") ? cli_opt_id(a, "supersedes") : -1;
	char sup_words[112] = "";

	(void)item;
	if (supersedes >= 0)
		snprintf(sup_words, sizeof(sup_words), " It replaces my module completion at ledger index %lld, which "
			 "then counts nowhere.", (long long)supersedes);
	snprintf(path, sizeof(path), "/trainees/%lld/progress", (long long)trainee);
	if (!(progress = cli_get(path, &rc)))
		return rc;
	if (cli_progress_curriculum(progress, &code, &version) < 0 || !module_known(progress, module, &title)) {
		json_decref(progress);
		return CLI_FAIL;
	}
	cli_signer_by(s, &by);
	out->statement = rl_stmt_module_completion_superseding(trainee, code, version, module, supersedes, &by);
	snprintf(out->what, sizeof(out->what), "module %.64s of trainee %lld", module, (long long)trainee);
	snprintf(out->done, sizeof(out->done), "%s completed", out->what);
	who = json_string_value(json_object_get(json_object_get(progress, "trainee"), "name"));
	ctitle = json_string_value(json_object_get(json_object_get(progress, "curriculum"), "title"));
	snprintf(out->words, sizeof(out->words), "%s signs that %s completed the module %s (%s) of %s (%s v%d).%s",
		 me ? me : "I", who ? who : "the trainee", module, title ? title : "", ctitle ? ctitle : code, code, version,
		 sup_words);
	json_decref(progress);
	return 0;
}

static const struct cli_signing how = { NULL, build };

static const struct os_opt complete_opts[] = {
	{ "trainee", 0, "ID", "the trainee", OS_REQUIRED, cli_check_id },
	{ "module", 0, "M", "the module id (see 'raslog progress ID')", OS_REQUIRED, NULL },
	{ "supersedes", 0, "INDEX", "correct my own earlier module completion at this ledger index", 0, cli_check_index },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_cmd module_cmds[] = {
	{
		.name = "module complete",
		.max_args = 0,
		.summary = "sign a trainee's module completion",
		.about = "Signs that the trainee completed module M of their curriculum (see\n"
			 "'raslog progress ID' for the module ids).  A module signed by mistake\n"
			 "is corrected by a new completion naming it (--supersedes INDEX) or\n"
			 "withdrawn ('raslog signoff withdraw INDEX').\n",
		.opts = complete_opts,
		.shared = cli_shared_sign,
		.run = cli_sign_run,
		.flags = CLI_NEEDS_TOKEN | CLI_SIGNS,
		.data = &how,
	},
	{ .name = NULL },
};

const struct os_cmd cli_cmd_module = {
	.name = "module",
	.summary = "sign a trainee's module completion (trainer)",
	.subs = module_cmds,
};
