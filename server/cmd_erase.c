/*
 * cmd_erase.c - raslogd erase-text N --reason TEXT [--member PATH]: the
 * operator erases the free text kept beside ledger entry N (a patient
 * identifier entered by mistake), as DELETE /api/v1/ledger/entries/N/text
 * does for an administrator (core/domain/erasure.h).  The signed entry and
 * every figure stay as they were.  Prints the erasure as one JSON line
 * (the audit record: event, entry, members, time; the table ledger_texts
 * keeps who, when and why).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/erasure.h"
#include "operator.h"
#include "store/db.h"
#include "base/util.h"
#include "../cli/optspec.h"

#include "base/banned.h"

static int cmd_erase_text(const struct os_args *args)
{
	const char *path = args->ctx;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db = NULL;
	json_t *out = NULL;
	long long index;
	char *text;

	if (rl_parse_int(args->argv[0], 0, INT64_MAX, &index) < 0)
		return os_usage_error("erase-text", "N must be a ledger index (a non-negative integer), not '%s'",
				      args->argv[0]);
	if (rl_db_open(path, RL_DB_MIGRATE, &db, &err) < 0)
		return operator_fail(&err);
	if (rl_db_begin(db, &err) < 0)
		goto fail;
	if (rl_text_erase(db, NULL, index, os_get(args, "member"), os_get(args, "reason"), &out, &err) < 0) {
		rl_db_rollback(db);
		goto fail;
	}
	if (rl_db_commit(db, &err) < 0)
		goto fail;
	rl_db_close(db);
	json_object_set_new(out, "event", json_string("ledger.text.erase"));
	json_object_set_new(out, "by", json_string("operator"));
	text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	printf("%s\n", text ? text : "{}");
	free(text);
	json_decref(out);
	return 0;
fail:
	json_decref(out);
	rl_db_close(db);
	return operator_fail(&err);
}

static const struct os_opt erase_opts[] = {
	{ "reason", 'r', "TEXT", "why the text is erased (1 to 1000 characters)", OS_REQUIRED, NULL },
	{ "member", 'm', "PATH", "only this text of the entry: reason or session.notes (default: all)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd op_cmd_erase_text = {
	.name = "erase-text",
	.args = "N",
	.min_args = 1,
	.max_args = 1,
	.summary = "erase the free text kept beside ledger entry N; the entry still verifies",
	.opts = erase_opts,
	.run = cmd_erase_text,
};
