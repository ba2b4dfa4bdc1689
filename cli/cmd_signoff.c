/*
 * cmd_signoff.c - raslog signoff withdraw: the trainer who signed a
 * session sign-off, assessment or module completion (or faculty of the
 * trainee's programme) withdraws it with a signed signoff_withdrawal
 * naming its ledger index and a reason (docs/ledger.md rule 9).  The
 * record stays in the ledger and still verifies, but counts nowhere; a
 * withdrawn session sign-off returns the session to pending.  The entry
 * is fetched (GET /ledger/entries/INDEX), so the statement names the
 * trainee the signed record names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"
#include "ledger/kinds.h"

#include "base/banned.h"

static int items(const struct os_args *a, int64_t **ids, size_t *n)
{
	long long v;

	(void)ids;
	(void)n;
	if (rl_parse_int(a->argv[0], 0, INT64_MAX, &v) < 0) {
		cli_usage_error(a->cmd->name, "INDEX must be a ledger index (0 or more), not '%s'", a->argv[0]);
		return CLI_USAGE;
	}
	return 0;
}

static int build(const struct os_args *a, struct cli_signer *s, int64_t item, struct cli_stmt *out)
{
	int64_t index = strtoll(a->argv[0], NULL, 10), trainee;
	const char *reason = os_get(a, "reason"), *me = json_string_value(json_object_get(s->me, "name")), *type;
	const struct rl_kind *k;
	json_t *entry, *st;
	struct rl_signer by;
	char path[64];
	int rc = 0;

	(void)item;
	snprintf(path, sizeof(path), "/ledger/entries/%lld", (long long)index);
	if (!(entry = cli_get(path, &rc)))
		return rc;
	st = json_object_get(entry, "statement");
	type = json_string_value(json_object_get(st, "type"));
	k = rl_kind_find(type);
	if (!st) {
		rc = cli_error("ledger entry %lld is not one you may see", (long long)index);
	} else if (!k || (k->id != RL_K_SESSION && k->id != RL_K_ASSESSMENT && k->id != RL_K_MODULE)) {
		rc = cli_error("ledger entry %lld is a %s, not a session_signoff, assessment or module_completion",
			       (long long)index, type ? type : "statement");
	} else {
		trainee = rl_kind_subject(k, st);
		cli_signer_by(s, &by);
		out->statement = rl_stmt_signoff_withdrawal(trainee, index, reason, &by);
		snprintf(out->what, sizeof(out->what), "withdrawal of the %s at ledger index %lld", type, (long long)index);
		snprintf(out->done, sizeof(out->done), "withdrew the %s at ledger index %lld", type, (long long)index);
		snprintf(out->words, sizeof(out->words),
			 "%s withdraws the %s at ledger index %lld (trainee %lld, signed by user %lld at %s)%s; it will "
			 "count nowhere. Reason: %s", me ? me : "I", type, (long long)index, (long long)trainee,
			 (long long)json_integer_value(json_object_get(st, "signer")),
			 json_string_value(json_object_get(st, "signed_at")),
			 k->id == RL_K_SESSION ? " and its session returns to pending" : "", reason);
	}
	json_decref(entry);
	return rc;
}

static const struct cli_signing how = { items, build };

static const struct os_opt withdraw_opts[] = {
	{ "reason", 0, "TEXT", "why it is withdrawn (1 to 1000 characters)", OS_REQUIRED, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_cmd signoff_cmds[] = {
	{
		.name = "signoff withdraw",
		.args = "INDEX",
		.min_args = 1,
		.max_args = 1,
		.summary = "withdraw a sign-off, assessment or module completion I signed (or, faculty, any)",
		.about = "Signs a signoff_withdrawal of the session sign-off, assessment or module\n"
			 "completion at ledger INDEX.  Signed records are never edited: the record\n"
			 "stays in the ledger (and still verifies) but counts nowhere from then on.\n"
			 "A withdrawn session sign-off returns the session to pending, so it can be\n"
			 "signed again.  Its signer withdraws it as a trainer; anyone else only as\n"
			 "faculty of the trainee's programme.  To correct a score or a module\n"
			 "instead, see 'raslog assess --supersedes' and 'raslog module complete\n"
			 "--supersedes'.\n",
		.opts = withdraw_opts,
		.shared = cli_shared_sign,
		.run = cli_sign_run,
		.flags = CLI_NEEDS_TOKEN | CLI_SIGNS,
		.data = &how,
	},
	{ .name = NULL },
};

const struct os_cmd cli_cmd_signoff = {
	.name = "signoff",
	.summary = "withdraw a signed record (trainer, faculty)",
	.subs = signoff_cmds,
};
