/*
 * test_progress_rows.c - the progress module's tables (store/progress_rows.h)
 * against a real SQLite file: a status row stored and read back column by
 * column with its seals, a trainee with no row (not found), tally rows
 * stored, listed and cleared, the enrolled trainees in batches (the
 * start-up check's walk), and the list's check rows under a site filter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/setup.h"
#include "base/error.h"
#include "store/db.h"
#include "store/progress_rows.h"
#include "store/sql.h"

#include "db_fixture.h"

#include "base/banned.h"

struct fixture {
	DB_FIXTURE_FIELDS;
	int64_t cid, a, b, c; /* a curriculum; trainees a (Leeds), b (York), c (Leeds) */
};

static int64_t scalar(struct rl_db *db, const char *sql)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, sql, &err);
	int64_t v = 0;

	assert_non_null(st);
	if (rl_step(st) == RL_ROW)
		v = rl_col_int64(st, 0);
	rl_reset(st);
	return v;
}

static int64_t add_user(struct fixture *f, const char *name, int roles, const char *site)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(f->db, "INSERT INTO users(name, email, roles, site, curriculum_id, created_at) "
					       "VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00Z')", &err);
	char email[64];

	assert_non_null(st);
	snprintf(email, sizeof(email), "%s@test.raslog.org", name);
	rl_bind_text(st, 1, name, -1);
	rl_bind_text(st, 2, email, -1);
	rl_bind_int(st, 3, roles);
	rl_bind_text(st, 4, site, -1);
	if (roles & 1)
		rl_bind_int64(st, 5, f->cid);
	else
		rl_bind_null(st, 5);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);
	return scalar(f->db, "SELECT max(id) FROM users");
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	db_fixture_open(f->dir, f->path, &f->db);
	f->cid = scalar(f->db, "SELECT min(id) FROM curricula");
	assert_true(f->cid > 0);
	f->a = add_user(f, "ada", 1, "Leeds");
	add_user(f, "tom", 2, "Leeds");
	f->b = add_user(f, "bea", 1, "York");
	f->c = add_user(f, "cy", 1, "Leeds");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	db_fixture_close(f->dir, f->path, f->db);
	free(f);
	return 0;
}

struct seen {
	int calls;
	char status[32], summary[64];
	struct rl_row_progress_status copy; /* cells without their text */
	uint8_t mac[32], tally_mac[32];
};

static void keep_status(void *ctx, const struct rl_row_progress_status *row)
{
	struct seen *s = ctx;

	s->calls++;
	s->copy = *row;
	snprintf(s->status, sizeof(s->status), "%.*s", (int)row->col[RL_STATUS_STATUS].len, row->col[RL_STATUS_STATUS].text);
	snprintf(s->summary, sizeof(s->summary), "%.*s", (int)row->col[RL_STATUS_SUMMARY].len,
		 row->col[RL_STATUS_SUMMARY].text);
	assert_int_equal(row->mac_len, 32);
	assert_int_equal(row->tally_mac_len, 32);
	memcpy(s->mac, row->mac, 32);
	memcpy(s->tally_mac, row->tally_mac, 32);
}

static void test_status_round_trip(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	uint8_t mac[32], tmac[32];
	struct rl_row_progress_status_put put = { f->a, "eligible", 3, 3, "[1,2,3]", NULL, "2026-01-02T00:00:00Z",
						  41, -1, 0, mac, tmac };
	struct rl_row_progress_position pos;
	struct seen s = { 0 };

	memset(mac, 0xab, sizeof(mac));
	memset(tmac, 0xcd, sizeof(tmac));
	put.curriculum_id = f->cid;
	assert_int_equal(rl_rows_progress_put_status(f->db, &put, &err), 0);
	assert_int_equal(rl_rows_progress_status(f->db, f->a, keep_status, &s, &err), 1);
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.status, "eligible");
	assert_string_equal(s.summary, "[1,2,3]");
	assert_int_equal(s.copy.col[RL_STATUS_MET].i, 3);
	assert_int_equal(s.copy.col[RL_STATUS_TOTAL].i, 3);
	assert_true(s.copy.col[RL_STATUS_UNTIL].is_null);
	assert_true(s.copy.col[RL_STATUS_ACC_INDEX].is_null);
	assert_int_equal(s.copy.col[RL_STATUS_THROUGH].i, 41);
	assert_int_equal(s.copy.col[RL_STATUS_CURRICULUM].i, f->cid);
	assert_memory_equal(s.mac, mac, 32);
	assert_memory_equal(s.tally_mac, tmac, 32);
	/* Stored again (ON CONFLICT DO UPDATE): accredited, with an index and an end date. */
	put.status = "accredited";
	put.until = "2027-01-01";
	put.acc_index = 7;
	assert_int_equal(rl_rows_progress_put_status(f->db, &put, &err), 0);
	assert_int_equal(rl_rows_progress_position(f->db, f->a, &pos, &err), 1);
	assert_int_equal(pos.acc_index, 7);
	assert_int_equal(pos.through, 41);
	assert_true(pos.has_until);
	assert_string_equal(pos.until, "2027-01-01");
	/* Not found. */
	s.calls = 0;
	assert_int_equal(rl_rows_progress_status(f->db, f->b, keep_status, &s, &err), 0);
	assert_int_equal(s.calls, 0);
	assert_int_equal(rl_rows_progress_position(f->db, f->b, &pos, &err), 0);
	assert_int_equal(pos.acc_index, -1);
	assert_int_equal(err.status, 0);
}

static int count_tally(void *ctx, const struct rl_row_progress_tally *row)
{
	int64_t *sum = ctx;

	sum[0]++;
	sum[1] += row->signed_n;
	sum[2] += row->pending_n;
	return 0;
}

static void test_tallies(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t sum[3] = { 0 };

	assert_int_equal(rl_rows_progress_put_tally(f->db, f->a, "m1/r1", 5, 1, &err), 0);
	assert_int_equal(rl_rows_progress_put_tally(f->db, f->a, "m1/r2", 2, 0, &err), 0);
	assert_int_equal(rl_rows_progress_put_tally(f->db, f->b, "m1/r1", 9, 9, &err), 0);
	assert_int_equal(rl_rows_progress_tallies(f->db, f->a, count_tally, sum, &err), 0);
	assert_int_equal(sum[0], 2);
	assert_int_equal(sum[1], 7);
	assert_int_equal(sum[2], 1);
	assert_int_equal(rl_rows_progress_clear_tallies(f->db, f->a, &err), 0);
	memset(sum, 0, sizeof(sum));
	assert_int_equal(rl_rows_progress_tallies(f->db, f->a, count_tally, sum, &err), 0);
	assert_int_equal(sum[0], 0);
	/* A duplicate is refused with err, not ignored. */
	assert_int_equal(rl_rows_progress_put_tally(f->db, f->b, "m1/r1", 1, 1, &err), -1);
	assert_int_not_equal(err.status, 0);
	rl_error_clear(&err);
}

static void test_enrolled_batches(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t ids[4];
	int n = -1;

	assert_int_equal(rl_rows_progress_enrolled_after(f->db, 0, 2, ids, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], f->a);
	assert_int_equal(ids[1], f->b);
	assert_int_equal(rl_rows_progress_enrolled_after(f->db, ids[1], 2, ids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], f->c);
	assert_int_equal(rl_rows_progress_enrolled_after(f->db, f->c, 2, ids, &n, &err), 0);
	assert_int_equal(n, 0);
}

static int keep_check(void *ctx, const struct rl_row_progress_check *row)
{
	int64_t *got = ctx;

	got[got[0] * 2 + 1] = row->trainee;
	got[got[0] * 2 + 2] = row->missing;
	got[0]++;
	return 0;
}

static void test_check_list_site(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	uint8_t mac[32] = { 0 };
	struct rl_row_progress_status_put put = { f->a, "in_training", 0, 3, "[]", NULL, "2026-01-02T00:00:00Z",
						  -1, -1, 0, mac, mac };
	struct rl_rows_acc_query q = { 0 };
	int64_t got[16] = { 0 };

	put.curriculum_id = f->cid;
	assert_int_equal(rl_rows_progress_put_status(f->db, &put, &err), 0);
	q.site = "Leeds";
	assert_int_equal(rl_rows_progress_check_list(f->db, &q, keep_check, got, &err), 0);
	assert_int_equal(got[0], 2);          /* ada and cy, not bea (York) nor tom (a trainer) */
	assert_int_equal(got[1], f->a);
	assert_int_equal(got[2], 0);          /* ada has a row */
	assert_int_equal(got[3], f->c);
	assert_int_equal(got[4], 1);          /* cy has none */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tallies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrolled_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_list_site, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
