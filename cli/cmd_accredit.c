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

static int accredit_build(const struct os_args *a, struct cli_signer *s, int64_t item, struct cli_stmt *out)
{
	const char *code, *status, *until = os_get(a, "until"), *me = json_string_value(json_object_get(s->me, "name"));
	const char *who, *title;
	struct rl_signer by;
	json_t *progress, *unmet;
	int64_t trainee;
	int rc, version;
	char path[64];

	(void)item;
	if (cli_parse_id(a->cmd->name, "the trainee id", a->argv[0], &trainee) < 0)
		return CLI_USAGE;
	snprintf(path, sizeof(path), "/trainees/%lld/evidence", (long long)trainee);
	if (!(progress = cli_get(path, &rc)))
		return rc;
	if (cli_progress_curriculum(progress, &code, &version) < 0) {
		json_decref(progress);
		return CLI_FAIL;
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
		json_decref(progress);
		return rc;
	}
	cli_signer_by(s, &by);
	out->statement = rl_stmt_accreditation_for(progress, trainee, until, &by);
	if (!out->statement) {
		json_decref(progress);
		return cli_error("the progress report of trainee %lld names no curriculum content hash; the server is older "
				 "than this raslog", (long long)trainee);
	}
	snprintf(out->what, sizeof(out->what), "accreditation of trainee %lld", (long long)trainee);
	who = json_string_value(json_object_get(json_object_get(progress, "trainee"), "name"));
	title = json_string_value(json_object_get(json_object_get(progress, "curriculum"), "title"));
	snprintf(out->words, sizeof(out->words), "%s accredits %s against %s (%s v%d)%s%s, on the evidence of %zu signed "
		 "statement%s in the ledger.", me ? me : "I", who ? who : "the trainee", title ? title : code, code, version,
		 until ? " until " : "", until ? until : "", json_array_size(json_object_get(out->statement, "evidence")),
		 json_array_size(json_object_get(out->statement, "evidence")) == 1 ? "" : "s");
	json_decref(progress);
	return 0;
}

static int accredit_items(const struct os_args *a, int64_t **ids, size_t *n)
{
	int64_t trainee;

	(void)ids;
	(void)n;
	return cli_parse_id(a->cmd->name, "the trainee id", a->argv[0], &trainee) < 0 ? CLI_USAGE : 0;
}

/* Checks that ledger entry index records an accreditation of subject; returns 0 or the exit code. */
static int check_entry(int64_t subject, int64_t index)
{
	const char *type;
	json_t *e, *st;
	char path[64];
	int64_t who = 0;
	int rc;

	snprintf(path, sizeof(path), "/ledger/entries/%lld", (long long)index);
	if (!(e = cli_get(path, &rc)))
		return rc;
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

static int revoke_items(const struct os_args *a, int64_t **ids, size_t *n)
{
	int64_t subject;

	(void)ids;
	(void)n;
	if (cli_parse_id(a->cmd->name, "the subject's user id", a->argv[0], &subject) < 0)
		return CLI_USAGE;
	if (!*os_get(a, "reason"))
		return cli_usage_error(a->cmd->name, "--reason is required");
	return 0;
}

static int revoke_build(const struct os_args *a, struct cli_signer *s, int64_t item, struct cli_stmt *out)
{
	const char *me = json_string_value(json_object_get(s->me, "name"));
	long long index = strtoll(os_get(a, "index"), NULL, 10);
	struct rl_signer by;
	int64_t subject = strtoll(a->argv[0], NULL, 10);
	int rc;

	(void)item;
	if ((rc = check_entry(subject, index)) != 0)
		return rc;
	cli_signer_by(s, &by);
	out->statement = rl_stmt_revocation(subject, index, os_get(a, "reason"), &by);
	snprintf(out->what, sizeof(out->what), "revocation of accreditation %lld of user %lld", index, (long long)subject);
	snprintf(out->words, sizeof(out->words), "%s revokes the accreditation of user %lld recorded at ledger index %lld, "
		 "because: %s", me ? me : "I", (long long)subject, index, os_get(a, "reason"));
	return 0;
}

static const struct cli_signing accredit_how = { accredit_items, accredit_build };
static const struct cli_signing revoke_how = { revoke_items, revoke_build };

static const struct os_opt accredit_opts[] = {
	{ "until", 0, "YYYY-MM-DD", "the accreditation lapses after this day (default: never)", 0, cli_check_date },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_accredit = {
	.name = "accredit",
	.args = "TRAINEE",
	.min_args = 1,
	.max_args = 1,
	.summary = "sign a trainee's accreditation (faculty)",
	.about = "Faculty: signs the trainee's accreditation against their curriculum.\n"
		 "Refused unless every requirement is met by signed evidence; the unmet\n"
		 "requirements are listed one per line.\n",
	.opts = accredit_opts,
	.shared = cli_shared_sign,
	.run = cli_sign_run,
	.flags = CLI_NEEDS_TOKEN | CLI_SIGNS | CLI_FACULTY_ONLY,
	.data = &accredit_how,
};

static const struct os_opt revoke_opts[] = {
	{ "index", 0, "N", "the ledger index of the accreditation", OS_REQUIRED, cli_check_index },
	{ "reason", 0, "TEXT", "why", OS_REQUIRED, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_revoke_accreditation = {
	.name = "revoke-accreditation",
	.args = "SUBJECT",
	.min_args = 1,
	.max_args = 1,
	.summary = "revoke an earlier accreditation (faculty)",
	.about = "Faculty: revokes the accreditation of SUBJECT (a trainee or a trainer)\n"
		 "that ledger entry N recorded.\n",
	.opts = revoke_opts,
	.shared = cli_shared_sign,
	.run = cli_sign_run,
	.flags = CLI_NEEDS_TOKEN | CLI_SIGNS | CLI_FACULTY_ONLY,
	.data = &revoke_how,
};
