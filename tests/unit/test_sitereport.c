/*
 * test_sitereport.c - the per-site report (domain/sitereport.h) groups the
 * signed ledger's session sign-offs in C: each session's first decision
 * counts, only when it confirmed; groups by site ("(no site)" when none),
 * month, activity and platform ("" when none); sums minutes, counts
 * sessions and distinct trainees and trainers; sites in name order, rows
 * by month, latest first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/setup.h"
#include "base/codes.h"
#include "base/error.h"
#include "domain/sitereport.h"
#include "domain/users.h"
#include "ledger/ledger.h"
#include "store/db.h"
#include "store/sql.h"

#include "db_fixture.h"

#include "base/banned.h"

/* Appends a ledger row of kind holding RL_STATEMENT_PREFIX and json (the report reads only the text). */
static void append(struct db_fixture *f, const char *kind, const char *json)
{
	static const unsigned char zeros[64];
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st;
	char msg[1024];
	int64_t idx = 0;

	snprintf(msg, sizeof(msg), "%s%s", RL_STATEMENT_PREFIX, json);
	assert_non_null(st = rl_db_stmt(f->db, "SELECT coalesce(max(idx), -1) + 1 FROM ledger", &err));
	assert_int_equal(rl_step(st), RL_ROW);
	idx = rl_col_int64(st, 0);
	rl_reset(st);
	assert_non_null(st = rl_db_stmt(f->db, "INSERT INTO ledger(idx, kind, message, public_key, signature, created_at) "
					       "VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00Z')", &err));
	rl_bind_int64(st, 1, idx);
	rl_bind_text(st, 2, kind, -1);
	rl_bind_text(st, 3, msg, -1);
	rl_bind_blob(st, 4, zeros, 32);
	rl_bind_blob(st, 5, zeros, 64);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);
}

static void signoff(struct db_fixture *f, int id, const char *decision, const char *session_rest)
{
	char json[768];

	snprintf(json, sizeof(json), "{\"decision\":\"%s\",\"session\":{\"id\":%d%s}}", decision, id, session_rest);
	append(f, "session_signoff", json);
}

static void test_groups(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user me;
	json_t *items, *want;
	char *got, *exp;

	/* 1: confirmed, then rejected later: the first decision counts. */
	signoff(f, 1, "confirmed", ",\"site\":\"Leeds\",\"date\":\"2026-01-05\",\"activity\":\"console\","
				   "\"platform\":\"xi\",\"minutes\":30,\"trainee\":100,\"trainer\":200");
	signoff(f, 1, "rejected", ",\"site\":\"Leeds\",\"date\":\"2026-01-05\",\"activity\":\"console\","
				  "\"platform\":\"xi\",\"minutes\":30,\"trainee\":100,\"trainer\":200");
	/* 2: rejected first, confirmed after: not counted. */
	signoff(f, 2, "rejected", ",\"site\":\"Leeds\",\"date\":\"2026-01-07\",\"activity\":\"console\","
				  "\"platform\":\"xi\",\"minutes\":60,\"trainee\":100,\"trainer\":200");
	signoff(f, 2, "confirmed", ",\"site\":\"Leeds\",\"date\":\"2026-01-07\",\"activity\":\"console\","
				   "\"platform\":\"xi\",\"minutes\":60,\"trainee\":100,\"trainer\":200");
	/* 3: another month; 4: the same group as 1, another trainer. */
	signoff(f, 3, "confirmed", ",\"site\":\"Leeds\",\"date\":\"2026-02-10\",\"activity\":\"console\","
				   "\"platform\":\"xi\",\"minutes\":20,\"trainee\":101,\"trainer\":200");
	signoff(f, 4, "confirmed", ",\"site\":\"Leeds\",\"date\":\"2026-01-20\",\"activity\":\"console\","
				   "\"platform\":\"xi\",\"minutes\":15,\"trainee\":100,\"trainer\":201");
	/* 5: no site and no platform. */
	signoff(f, 5, "confirmed", ",\"date\":\"2025-12-01\",\"activity\":\"simulator\",\"minutes\":10,"
				   "\"trainee\":102,\"trainer\":201");
	append(f, "assessment", "{\"session\":{\"id\":6,\"site\":\"Leeds\"},\"decision\":\"confirmed\"}");

	memset(&me, 0, sizeof(me));
	me.id = 999;
	me.roles = RL_ROLE_FACULTY;
	items = rl_site_report(f->db, &me, &err);
	assert_non_null(items);
	want = json_loads("[{\"site\":\"(no site)\",\"rows\":[{\"month\":\"2025-12\",\"activity\":\"simulator\","
			  "\"platform\":\"\",\"signed_minutes\":10,\"sessions\":1,\"trainees\":1,\"trainers\":1}]},"
			  "{\"site\":\"Leeds\",\"rows\":["
			  "{\"month\":\"2026-02\",\"activity\":\"console\",\"platform\":\"xi\",\"signed_minutes\":20,"
			  "\"sessions\":1,\"trainees\":1,\"trainers\":1},"
			  "{\"month\":\"2026-01\",\"activity\":\"console\",\"platform\":\"xi\",\"signed_minutes\":45,"
			  "\"sessions\":2,\"trainees\":1,\"trainers\":2}]}]", 0, NULL);
	assert_non_null(want);
	got = json_dumps(items, JSON_COMPACT | JSON_SORT_KEYS);
	exp = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(got, exp);
	free(got);
	free(exp);
	json_decref(want);
	json_decref(items);
}

static void test_empty(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user me;
	json_t *items;

	memset(&me, 0, sizeof(me));
	me.id = 1;
	me.roles = RL_ROLE_FACULTY;
	items = rl_site_report(f->db, &me, &err);
	assert_non_null(items);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_groups, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_empty, db_fixture_setup, db_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
