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

#include "base/banned.h"

int cmd_demo(const char *path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keys", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	const char *keys = NULL;
	json_t *people, *p;
	size_t i;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k') {
			keys = optarg;
		} else {
			fprintf(stderr, "usage: raslogd --db FILE demo [--keys DIR]\n");
			return 2;
		}
	}
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

int cmd_faculty_key(const char *path, int argc, char **argv)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	long long user;
	int64_t index;

	if (argc != 4 || strcmp(argv[1], "add") != 0 || rl_parse_int(argv[2], 1, INT64_MAX, &user) < 0) {
		fprintf(stderr, "usage: raslogd --db FILE faculty-key add USER_ID PUBLIC_KEY\n");
		return 2;
	}
	if (rl_db_open(path, 0, &db, &err) < 0)
		return operator_fail(&err);
	if (rl_db_begin(db, &err) < 0 || rl_faculty_key_add(db, user, argv[3], &index, &err) < 0 ||
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
