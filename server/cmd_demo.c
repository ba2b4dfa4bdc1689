/*
 * cmd_demo.c - raslogd demo and raslogd faculty-key add.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/db.h"
#include "demo.h"
#include "ledger/ledger.h"
#include "operator.h"
#include "app/setup.h"
#include "domain/signoff.h"
#include "base/util.h"
#include "../cli/optspec.h"

#include "base/banned.h"

static int cmd_demo(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	const char *path = a->ctx, *keys = os_get(a, "keys");
	json_t *people, *p;
	size_t i;

	if (keys && mkdir(keys, 0700) < 0 && access(keys, W_OK) != 0) {
		fprintf(stderr, "raslogd: cannot create the key directory %s\n", keys);
		return 1;
	}
	if (rl_setup_database(path, &err) < 0 || rl_db_open(path, 0, &db, &err) < 0)
		return operator_fail(&err);
	fprintf(stderr, "raslogd: seeding the demo programme into %s ...\n", path);
	if (rl_db_begin(db, &err) < 0 || !(people = rl_demo_seed(db, keys, &err)) ||
	    rl_ledger_seal(db, &err) < 0 || rl_db_commit(db, &err) < 0) {
		rl_db_rollback(db);
		rl_db_close(db);
		return operator_fail(&err);
	}
	rl_ledger_after_commit(db);
	rl_db_close(db);
	json_array_foreach(people, i, p) {
		char *line = json_dumps(p, JSON_COMPACT);
		puts(line);
		free(line);
	}
	json_decref(people);
	return 0;
}

static int faculty_key_add(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	const char *path = a->ctx;
	long long user;
	int64_t index;

	if (rl_parse_int(a->argv[0], 1, INT64_MAX, &user) < 0)
		return os_usage_error(a->cmd->name, "USER_ID must be a user id, not '%s'", a->argv[0]);
	if (rl_db_open(path, 0, &db, &err) < 0)
		return operator_fail(&err);
	if (rl_db_begin(db, &err) < 0 || rl_faculty_key_add(db, user, a->argv[1], &index, &err) < 0 ||
	    rl_ledger_seal(db, &err) < 0 || rl_db_commit(db, &err) < 0) {
		rl_db_rollback(db);
		rl_db_close(db);
		return operator_fail(&err);
	}
	rl_ledger_after_commit(db);
	rl_db_close(db);
	printf("{\"user\":%lld,\"ledger_index\":%lld}\n", user, (long long)index);
	return 0;
}

static const struct os_opt demo_opts[] = {
	{ "keys", 'k', "DIR", "write the demo people's signing keys to DIR", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd op_cmd_demo = {
	.name = "demo",
	.max_args = 0,
	.summary = "seed a realistic demo programme",
	.opts = demo_opts,
	.run = cmd_demo,
};

static const struct os_cmd faculty_key_cmds[] = {
	{ .name = "faculty-key add", .args = "USER_ID PUBLIC_KEY", .min_args = 2, .max_args = 2,
	  .summary = "add a faculty member's key as a trust root (the line 'raslog key generate' prints for them)",
	  .run = faculty_key_add },
	{ .name = NULL },
};

const struct os_cmd op_cmd_faculty_key = {
	.name = "faculty-key",
	.summary = "register a faculty trust root",
	.subs = faculty_key_cmds,
};
