/*
 * demo_fixture.h - the group fixture of the unit tests that need a real,
 * realistic database: a temporary directory holding a database set up as
 * raslogd init does and seeded by the demo (server/demo.c, which also
 * writes each person's secret key to DIR/user-N.key), with the ledger
 * sealed.  Include it once, after cmocka.h; pass demo_setup and
 * demo_teardown to cmocka_run_group_tests.
 */
#ifndef RASLOG_TEST_DEMO_FIXTURE_H
#define RASLOG_TEST_DEMO_FIXTURE_H

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../server/demo.h"
#include "app/setup.h"
#include "ledger/ledger.h"

static char dir[64];
static struct rl_db *db;
static json_t *people; /* the demo's people: {"id","name","roles","token","public_key"} */

static int demo_setup(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	char path[128];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/raslog-unit.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (rl_setup_database(path, &err) < 0 || rl_db_open(path, 0, &db, &err) < 0 || rl_db_begin(db, &err) < 0 ||
	    !(people = rl_demo_seed(db, dir, &err)) || rl_ledger_seal(db, &err) < 0 || rl_db_commit(db, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err.detail);
		return -1;
	}
	return 0;
}

static int demo_teardown(void **state)
{
	char cmd[128];

	(void)state;
	json_decref(people);
	rl_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The demo person whose name contains name_part (the test fails without one). */
static json_t *demo_person(const char *name_part)
{
	size_t i;
	json_t *p;

	json_array_foreach(people, i, p)
		if (strstr(json_string_value(json_object_get(p, "name")), name_part))
			return p;
	fail_msg("no demo person %s", name_part);
	return NULL;
}

static int64_t demo_id(const char *name_part)
{
	return json_integer_value(json_object_get(demo_person(name_part), "id"));
}

/* The first column of the first row of sql, or -1. */
static long long demo_scalar(const char *sql)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, sql, &err);
	long long n = -1;

	assert_non_null(st);
	if (rl_step(st) == RL_ROW)
		n = rl_col_int64(st, 0);
	rl_reset(st);
	return n;
}

#endif
