/*
 * cmd_assess.c - raslog assess: a trainer signs a scored assessment
 * (GEARS, ...) of a session they supervised and signed.  The session is
 * fetched first, so the statement names the trainee the record names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

static const char usage[] =
	"usage: raslog assess --session ID --tool TOOL --scores S1,S2,... [--trainee ID]\n"
	"                     [--yes] [--passphrase-file FILE] [--json]\n"
	"\n"
	"Signs a scored assessment of a signed session you supervised.  GEARS\n"
	"takes six scores from 1 to 5: depth perception, bimanual dexterity,\n"
	"efficiency, force sensitivity, autonomy, robotic control.\n"
	"\n"
	"  --session ID           the observed session (must be signed)\n"
	"  --tool TOOL            the assessment tool, e.g. gears\n"
	"  --scores S1,S2,...     the scores in the tool's order\n"
	"  --trainee ID           the trainee (checked against the session; default: its trainee)\n"
	"  --yes                  sign without asking\n"
	"  --passphrase-file FILE the passphrase of a sealed key (or RASLOG_PASSPHRASE)\n"
	"  --json                 print the server's answer as JSON\n";

enum { OPT_TRAINEE = CLI_OPT_FIRST_LOCAL, OPT_SESSION, OPT_TOOL, OPT_SCORES };

/* "4,4,3" into a JSON array of integers; prints a usage error. */
static json_t *parse_scores(const char *cmd, const char *text)
{
	json_t *words = cli_split_list(cmd, "--scores", text), *out, *w;
	size_t i;

	if (!words)
		return NULL;
	out = json_array();
	json_array_foreach(words, i, w) {
		long long v;
		if (rl_parse_int(json_string_value(w), 0, 1000, &v) < 0) {
			cli_usage_error(cmd, "--scores must be whole numbers separated by commas; '%s' is not one",
					json_string_value(w));
			json_decref(out);
			out = NULL;
			break;
		}
		json_array_append_new(out, json_integer(v));
	}
	json_decref(words);
	return out;
}

int cmd_assess(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trainee", required_argument, NULL, OPT_TRAINEE },
		{ "session", required_argument, NULL, OPT_SESSION },
		{ "tool", required_argument, NULL, OPT_TOOL },
		{ "scores", required_argument, NULL, OPT_SCORES },
		{ "yes", no_argument, NULL, CLI_OPT_YES },
		{ "passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "assess", *trainee = NULL, *session = NULL, *tool = NULL, *scores_text = NULL;
	const char *passfile = NULL, *status;
	struct rl_error err = RL_ERROR_INIT;
	struct cli_signer s;
	struct rl_signer by;
	json_t *scores = NULL, *rec = NULL, *stmt, *reply = NULL;
	int64_t trainee_id = 0, session_id;
	int yes = 0, json = 0, c, rc, begun = 0;
	char path[64], what[96], tmp[32];

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "y", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TRAINEE: trainee = optarg; break;
		case OPT_SESSION: session = optarg; break;
		case OPT_TOOL: tool = optarg; break;
		case OPT_SCORES: scores_text = optarg; break;
		case 'y':
		case CLI_OPT_YES: yes = 1; break;
		case CLI_OPT_PASSFILE: passfile = optarg; break;
		case CLI_OPT_JSON: json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, usage)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!session)
		return cli_usage_error(cmd, "--session is required");
	if (!tool || !*tool)
		return cli_usage_error(cmd, "--tool is required");
	if (!scores_text)
		return cli_usage_error(cmd, "--scores is required");
	if (cli_parse_id(cmd, "--session", session, &session_id) < 0 ||
	    (trainee && cli_parse_id(cmd, "--trainee", trainee, &trainee_id) < 0))
		return CLI_USAGE;
	if (!(scores = parse_scores(cmd, scores_text)))
		return CLI_USAGE;
	if ((rc = cli_signer_begin(&s, cmd, yes, passfile)) != 0)
		goto out;
	begun = 1;
	snprintf(path, sizeof(path), "/sessions/%lld", (long long)session_id);
	if (!(rec = cli_api("GET", path, NULL, &err))) {
		rc = cli_report(&err);
		goto out;
	}
	if (!trainee_id)
		trainee_id = json_integer_value(json_object_get(rec, "trainee"));
	if (json_integer_value(json_object_get(rec, "trainee")) != trainee_id) {
		rc = cli_error("session %lld belongs to trainee %s, not %lld", (long long)session_id,
			       cli_json_text(rec, "trainee", "?", tmp, sizeof(tmp)), (long long)trainee_id);
		goto out;
	}
	status = json_string_value(json_object_get(rec, "status"));
	if (!status || strcmp(status, "signed") != 0) {
		rc = cli_error("session %lld is %s; sign it off ('raslog sign %lld') before assessing it",
			       (long long)session_id, status ? status : "not signed", (long long)session_id);
		goto out;
	}
	cli_signer_by(&s, &by);
	stmt = rl_stmt_assessment(trainee_id, session_id, tool, scores, &by);
	snprintf(what, sizeof(what), "%s assessment of session %lld", tool, (long long)session_id);
	rc = cli_signer_submit(&s, stmt, what, &reply);
	json_decref(stmt);
	if (rc == 0) {
		if (json)
			cli_print_json(stdout, reply);
		else
			printf("%s: ledger index %s\n", what, cli_json_text(reply, "ledger_index", "?", tmp, sizeof(tmp)));
	}
out:
	rl_error_clear(&err);
	json_decref(reply);
	json_decref(rec);
	json_decref(scores);
	if (begun)
		cli_signer_release(&s);
	return rc;
}
