/*
 * cmd_accredit.c - raslog accredit (faculty sign a trainee's
 * accreditation once every requirement is met by signed evidence) and
 * raslog revoke-accreditation (faculty revoke an earlier accreditation
 * of a trainee or trainer, named by its ledger index).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

static const char accredit_usage[] =
	"usage: raslog accredit TRAINEE [--until YYYY-MM-DD] [--yes] [--passphrase-file FILE] [--json]\n"
	"\n"
	"Faculty: signs the trainee's accreditation against their curriculum.\n"
	"Refused unless every requirement is met by signed evidence; the unmet\n"
	"requirements are listed one per line.\n"
	"\n"
	"  --until DATE           the accreditation lapses after this day (default: never)\n"
	"  --yes                  sign without asking\n"
	"  --passphrase-file FILE the passphrase of a sealed key (or RASLOG_PASSPHRASE)\n"
	"  --json                 print the server's answer as JSON\n";

static const char revoke_usage[] =
	"usage: raslog revoke-accreditation SUBJECT --index N --reason TEXT [--yes]\n"
	"                                   [--passphrase-file FILE] [--json]\n"
	"\n"
	"Faculty: revokes the accreditation of SUBJECT (a trainee or a trainer)\n"
	"that ledger entry N recorded.\n"
	"\n"
	"  --index N              the ledger index of the accreditation\n"
	"  --reason TEXT          why (required)\n"
	"  --yes                  sign without asking\n"
	"  --passphrase-file FILE the passphrase of a sealed key (or RASLOG_PASSPHRASE)\n"
	"  --json                 print the server's answer as JSON\n";

enum { OPT_UNTIL = CLI_OPT_FIRST_LOCAL, OPT_INDEX, OPT_REASON };

static const struct option opts[] = {
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "index", required_argument, NULL, OPT_INDEX },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "yes", no_argument, NULL, CLI_OPT_YES },
	{ "passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE },
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

struct acc_args {
	const char *until, *index, *reason, *passfile;
	int yes, json;
};

static int parse(int argc, char **argv, const char *cmd, const char *usage, struct acc_args *a)
{
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "y", opts, NULL)) != -1) {
		switch (c) {
		case OPT_UNTIL: a->until = optarg; break;
		case OPT_INDEX: a->index = optarg; break;
		case OPT_REASON: a->reason = optarg; break;
		case 'y':
		case CLI_OPT_YES: a->yes = 1; break;
		case CLI_OPT_PASSFILE: a->passfile = optarg; break;
		case CLI_OPT_JSON: a->json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, usage)) >= 0)
				return rc;
		}
	}
	return -1;
}

/* Starts a faculty signing command; returns 0 or the exit code. */
static int begin_faculty(struct cli_signer *s, const char *cmd, const struct acc_args *a)
{
	int rc = cli_signer_begin(s, cmd, a->yes, a->passfile);

	if (rc)
		return rc;
	if (!cli_signer_has_role(s, "faculty")) {
		cli_signer_release(s);
		cli_error("only faculty may do this, and your account is not faculty");
		return CLI_AUTH;
	}
	return 0;
}

static void print_result(const struct acc_args *a, const json_t *reply, const char *what)
{
	char tmp[32];

	if (a->json)
		cli_print_json(stdout, reply);
	else
		printf("%s: ledger index %s\n", what, cli_json_text(reply, "ledger_index", "?", tmp, sizeof(tmp)));
}

int cmd_accredit(int argc, char **argv)
{
	const char *cmd = "accredit", *code, *status;
	struct acc_args a = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	struct cli_signer s;
	struct rl_signer by;
	json_t *progress = NULL, *stmt, *reply = NULL, *unmet;
	int64_t trainee;
	int rc, version;
	char path[64], what[64];

	if ((rc = parse(argc, argv, cmd, accredit_usage, &a)) >= 0)
		return rc;
	if (a.index || a.reason)
		return cli_usage_error(cmd, "--index and --reason belong to 'raslog revoke-accreditation'");
	if (optind >= argc)
		return cli_usage_error(cmd, "say which trainee: raslog accredit TRAINEE");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (cli_parse_id(cmd, "the trainee id", argv[optind], &trainee) < 0)
		return CLI_USAGE;
	if (a.until && cli_parse_date(cmd, "--until", a.until) < 0)
		return CLI_USAGE;
	if ((rc = begin_faculty(&s, cmd, &a)) != 0)
		return rc;
	snprintf(path, sizeof(path), "/trainees/%lld/progress", (long long)trainee);
	if (!(progress = cli_api("GET", path, NULL, &err))) {
		rc = cli_report(&err);
		goto out;
	}
	if (cli_progress_curriculum(progress, &code, &version) < 0) {
		rc = CLI_FAIL;
		goto out;
	}
	/* Say what is missing before asking for a signature the server would refuse. */
	status = json_string_value(json_object_get(progress, "evaluated_status"));
	if (!status)
		status = json_string_value(json_object_get(progress, "status"));
	unmet = json_object_get(progress, "unmet");
	if (status && strcmp(status, "eligible") != 0 && json_array_size(unmet)) {
		rc = cli_error("trainee %lld is not eligible for accreditation: %zu requirement%s unmet", (long long)trainee,
			       json_array_size(unmet), json_array_size(unmet) == 1 ? " is" : "s are");
		cli_print_unmet(unmet);
		goto out;
	}
	cli_signer_by(&s, &by);
	stmt = rl_stmt_accreditation(trainee, code, version, a.until, &by);
	snprintf(what, sizeof(what), "accreditation of trainee %lld", (long long)trainee);
	rc = cli_signer_submit(&s, stmt, what, &reply);
	json_decref(stmt);
	if (rc == 0)
		print_result(&a, reply, what);
out:
	rl_error_clear(&err);
	json_decref(reply);
	json_decref(progress);
	cli_signer_release(&s);
	return rc;
}

/* Checks that ledger entry index records an accreditation of subject; returns 0 or the exit code. */
static int check_entry(int64_t subject, int64_t index)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *type;
	json_t *e, *st;
	char path[64];
	int64_t who = 0;
	int rc;

	snprintf(path, sizeof(path), "/ledger/entries/%lld", (long long)index);
	if (!(e = cli_api("GET", path, NULL, &err))) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	st = json_object_get(e, "statement");
	type = json_string_value(json_object_get(st, "type"));
	if (type && strcmp(type, "accreditation") == 0)
		who = json_integer_value(json_object_get(st, "trainee"));
	else if (type && strcmp(type, "trainer_accreditation") == 0)
		who = json_integer_value(json_object_get(st, "trainer"));
	if (!who)
		rc = cli_error("ledger entry %lld is a %s statement, not an accreditation", (long long)index,
			       type ? type : "unknown");
	else if (who != subject)
		rc = cli_error("ledger entry %lld accredits user %lld, not %lld", (long long)index, (long long)who,
			       (long long)subject);
	else
		rc = 0;
	json_decref(e);
	return rc;
}

int cmd_revoke_accreditation(int argc, char **argv)
{
	const char *cmd = "revoke-accreditation";
	struct acc_args a = { 0 };
	struct cli_signer s;
	struct rl_signer by;
	json_t *stmt, *reply = NULL;
	int64_t subject;
	long long index;
	int rc;
	char what[96];

	if ((rc = parse(argc, argv, cmd, revoke_usage, &a)) >= 0)
		return rc;
	if (a.until)
		return cli_usage_error(cmd, "--until belongs to 'raslog accredit'");
	if (optind >= argc)
		return cli_usage_error(cmd, "say whose accreditation: raslog revoke-accreditation SUBJECT --index N");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (cli_parse_id(cmd, "the subject's user id", argv[optind], &subject) < 0)
		return CLI_USAGE;
	if (!a.index)
		return cli_usage_error(cmd, "--index is required");
	if (rl_parse_int(a.index, 0, INT64_MAX, &index) < 0)
		return cli_usage_error(cmd, "--index must be a ledger index (0 or more), not '%s'", a.index);
	if (!a.reason || !*a.reason)
		return cli_usage_error(cmd, "--reason is required");
	if ((rc = begin_faculty(&s, cmd, &a)) != 0)
		return rc;
	if ((rc = check_entry(subject, index)) != 0)
		goto out;
	cli_signer_by(&s, &by);
	stmt = rl_stmt_revocation(subject, index, a.reason, &by);
	snprintf(what, sizeof(what), "revocation of accreditation %lld of user %lld", index, (long long)subject);
	rc = cli_signer_submit(&s, stmt, what, &reply);
	json_decref(stmt);
	if (rc == 0)
		print_result(&a, reply, what);
out:
	json_decref(reply);
	cli_signer_release(&s);
	return rc;
}
