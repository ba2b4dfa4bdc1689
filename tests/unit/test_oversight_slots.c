/*
 * test_oversight_slots.c - faculty oversight reads only the visible
 * trainees' rows through "IN (?11..?138)" slots (domain/oversight.c; a
 * list in one parameter needed json_each, which PostgreSQL lacks).  A
 * faculty member whose programme holds more trainees than there are
 * slots gets the same answer, read from every row and filtered: all of
 * their trainees, none of another programme's, on both sides of the limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/setup.h"
#include "base/codes.h"
#include "base/error.h"
#include "domain/oversight.h"
#include "domain/users.h"
#include "store/db.h"
#include "store/sql.h"

#include "db_fixture.h"

#include "base/banned.h"

static int64_t add_user(struct db_fixture *f, int roles, int n)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(f->db, "INSERT INTO users(name, email, roles, created_at) "
					       "VALUES (?, ?, ?, '2020-01-01T00:00:00Z')", &err);
	char name[32], email[48];

	assert_non_null(st);
	snprintf(name, sizeof(name), "Person %d", n);
	snprintf(email, sizeof(email), "p%d@example.org", n);
	rl_bind_text(st, 1, name, -1);
	rl_bind_text(st, 2, email, -1);
	rl_bind_int(st, 3, roles);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);
	return rl_db_last_insert_id(f->db);
}

static int64_t add_programme(struct db_fixture *f, const char *name)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(f->db, "INSERT INTO programmes(name, created_at) "
					       "VALUES (?, '2020-01-01T00:00:00Z')", &err);

	assert_non_null(st);
	rl_bind_text(st, 1, name, -1);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);
	return rl_db_last_insert_id(f->db);
}

static void join(struct db_fixture *f, int64_t user, int64_t programme)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(f->db, "INSERT INTO programme_members(user_id, programme_id, from_at) "
					       "VALUES (?, ?, '2020-01-01T00:00:00Z')", &err);

	assert_non_null(st);
	rl_bind_int64(st, 1, user);
	rl_bind_int64(st, 2, programme);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);
}

/* The stuck list's trainee ids (every trainee here is idle since 2020): count, and whether outsider is among them. */
static size_t stuck(struct db_fixture *f, int64_t faculty, int64_t outsider, int *saw_outsider)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user me;
	struct rl_oversight_opts o = { &me, 30, 0 };
	json_t *out, *items, *v;
	size_t i, n;

	memset(&me, 0, sizeof(me));
	me.id = faculty;
	me.roles = RL_ROLE_FACULTY;
	o.now = time(NULL);
	out = rl_oversight_stuck(f->db, &o, &err);
	if (!out)
		fail_msg("stuck: %s", err.detail);
	items = json_object_get(out, "items");
	*saw_outsider = 0;
	json_array_foreach(items, i, v)
		if (json_integer_value(json_object_get(v, "id")) == outsider ||
		    json_integer_value(json_object_get(v, "trainee")) == outsider)
			*saw_outsider = 1;
	n = json_array_size(items);
	json_decref(out);
	return n;
}

static void run(void **state, int trainees)
{
	struct db_fixture *f = *state;
	int64_t mine = add_programme(f, "North"), other = add_programme(f, "South");
	int64_t faculty = add_user(f, RL_ROLE_FACULTY, 0), outsider = add_user(f, RL_ROLE_TRAINEE, 1);
	int saw = 0;

	join(f, faculty, mine);
	join(f, outsider, other);
	for (int i = 0; i < trainees; i++)
		join(f, add_user(f, RL_ROLE_TRAINEE, 10 + i), mine);
	assert_int_equal(stuck(f, faculty, outsider, &saw), trainees);
	assert_false(saw);
}

static void test_within_slots(void **state) { run(state, 20); }
static void test_beyond_slots(void **state) { run(state, 140); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_within_slots, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_beyond_slots, db_fixture_setup, db_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
