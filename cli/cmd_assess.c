/*
 * cmd_assess.c - raslog assess: a trainer signs a scored assessment
 * (GEARS, ...) of a session they supervised and signed.  The tool (any
 * case) and the number and range of the scores are checked against the
 * tool table before anything is shown; the session is fetched, so the
 * statement names the trainee the record names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"
#include "domain/curriculum.h"
#include "domain/progress.h"

#include "base/banned.h"

/* "4,4,3" into a JSON array of integers checked against the tool; prints a usage error. */
static json_t *parse_scores(const struct os_args *a)
{
	const char *cmd = a->cmd->name, *tool_id = os_get(a, "tool");
	struct rl_error err = RL_ERROR_INIT;
	const struct rl_tool *tool = rl_tool_find(rl_tools_default(&err), tool_id);
	json_t *words = cli_split_list(cmd, "--scores", os_get(a, "scores")), *out, *w;
	size_t i;

	rl_error_clear(&err);
	if (!words)
		return NULL;
	out = json_array();
	json_array_foreach(words, i, w) {
		long long v;
		if (rl_parse_int(json_string_value(w), 0, 1000, &v) < 0) {
			cli_usage_error(cmd, "--scores must be whole numbers separated by commas; '%s' is not one",
					json_string_value(w));
			goto bad;
		}
		if (tool && (v < rl_tool_min(tool) || v > rl_tool_max(tool))) {
			cli_usage_error(cmd, "%s scores run from %d to %d; %lld is not one", tool_id, rl_tool_min(tool),
					rl_tool_max(tool), v);
			goto bad;
		}
		json_array_append_new(out, json_integer(v));
	}
	if (tool && json_array_size(out) != rl_tool_domain_count(tool)) {
		cli_usage_error(cmd, "%s takes %zu scores, not %zu", tool_id, rl_tool_domain_count(tool), json_array_size(out));
		goto bad;
	}
	json_decref(words);
	return out;
bad:
	json_decref(out);
	json_decref(words);
	return NULL;
}

static int items(const struct os_args *a, int64_t **ids, size_t *n)
{
	json_t *scores = parse_scores(a);

	(void)ids;
	(void)n;
	if (!scores)
		return CLI_USAGE;
	json_decref(scores);
	return 0;
}

static int build(const struct os_args *a, struct cli_signer *s, int64_t item, struct cli_stmt *out)
{
	int64_t session_id = cli_opt_id(a, "session"), trainee_id = cli_opt_id(a, "trainee");
	int64_t supersedes = os_get(a, "supersedes") ? cli_opt_id(a, "supersedes") : -1;
	char sup_words[96] = "";
	const char *tool = os_get(a, "tool"), *status, *who, *me = json_string_value(json_object_get(s->me, "name"));
	json_t *rec, *scores;
	struct rl_signer by;
	char path[64], tmp[32];
	int rc = 0;

	(void)item;
	if (supersedes >= 0)
		snprintf(sup_words, sizeof(sup_words), " It replaces my assessment at ledger index %lld, which then "
			 "counts nowhere.", (long long)supersedes);
	snprintf(path, sizeof(path), "/sessions/%lld", (long long)session_id);
	if (!(rec = cli_get(path, &rc)))
		return rc;
	if (!trainee_id)
		trainee_id = json_integer_value(json_object_get(rec, "trainee"));
	status = json_string_value(json_object_get(rec, "status"));
	if (json_integer_value(json_object_get(rec, "trainee")) != trainee_id) {
		rc = cli_error("session %lld belongs to trainee %s, not %lld", (long long)session_id,
			       cli_json_text(rec, "trainee", "?", tmp, sizeof(tmp)), (long long)trainee_id);
	} else if (!status || strcmp(status, "signed") != 0) {
		rc = cli_error("session %lld is %s; sign it off ('raslog sign %lld') before assessing it",
			       (long long)session_id, status ? status : "not signed", (long long)session_id);
	} else {
		scores = parse_scores(a);
		cli_signer_by(s, &by);
		out->statement = rl_stmt_assessment_superseding(trainee_id, session_id, tool, scores, supersedes, &by);
		snprintf(out->what, sizeof(out->what), "%s assessment of session %lld", tool, (long long)session_id);
		who = json_string_value(json_object_get(rec, "trainee_name"));
		snprintf(out->words, sizeof(out->words), "%s scores %s's %s session of %s (session %lld) with %s: %s.%s",
			 me ? me : "I", who ? who : "the trainee", json_string_value(json_object_get(rec, "activity")),
			 json_string_value(json_object_get(rec, "date")), (long long)session_id, tool,
			 os_get(a, "scores"), sup_words);
		json_decref(scores);
	}
	json_decref(rec);
	return rc;
}

static const struct cli_signing how = { items, build };

static const struct os_opt opts[] = {
	{ "session", 0, "ID", "the observed session (must be signed)", OS_REQUIRED, cli_check_id },
	{ "tool", 0, "TOOL", "the assessment tool, e.g. gears (any case)", OS_REQUIRED, cli_check_tool },
	{ "scores", 0, "S1,S2,...", "the scores in the tool's order", OS_REQUIRED, NULL },
	{ "trainee", 0, "ID", "the trainee (checked against the session; default: its trainee)", 0, cli_check_id },
	{ "supersedes", 0, "INDEX", "correct my own earlier assessment at this ledger index (it then counts nowhere)", 0,
	  cli_check_index },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_assess = {
	.name = "assess",
	.max_args = 0,
	.summary = "sign a scored assessment of a session (trainer)",
	.about = "Signs a scored assessment of a signed session you supervised.  GEARS\n"
		 "takes six scores from 1 to 5: depth perception, bimanual dexterity,\n"
		 "efficiency, force sensitivity, autonomy, robotic control.  The tool and\n"
		 "the scores are checked (exit 2 naming what is allowed) before anything\n"
		 "is shown.  A signed assessment is never edited: to correct a score,\n"
		 "sign a new one with --supersedes INDEX naming your earlier one (its\n"
		 "ledger index, in 'raslog progress ID --json'); only its signer may.\n",
	.opts = opts,
	.shared = cli_shared_sign,
	.run = cli_sign_run,
	.flags = CLI_NEEDS_TOKEN | CLI_SIGNS,
	.data = &how,
};
