/*
 * test_signoff_pages.c - what a sign-off reads, against a real SQLite file
 * set up by the migrations (schema/019_signoff_pages.sql): the pending
 * claims the cache seals bind (store/progress_rows.c
 * rl_rows_progress_claims, read three times per sign-off) come from the
 * sessions_pending index alone, without a sessions row per claim, and
 * still count what they counted (a claim edited, signed off, withdrawn);
 * the pending cap's count searches the same index by both its columns.
 * The duplicate warning of a session logged (store/sessions_rows.c
 * rl_rows_session_duplicate) reads the trainee's sessions of that day by
 * sessions_by_day (schema/022_sessions_by_day.sql), not every session, and
 * compares activity and minutes in the index (schema/023), reading a
 * match's row only; the same index still gives a trainee's sessions in
 * (date, id) order without a sort.
 * The SQL below is those functions' text: a change to it that loses the
 * index shows here.
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
#include "store/sessions_rows.h"
#include "store/sql.h"

#include "db_fixture.h"

#include "base/banned.h"

static const char claims_sql[] = "SELECT count(*), coalesce(sum(id), 0), coalesce(sum(revision), 0) "
				 "FROM sessions WHERE trainee_id = ? AND status = 'pending'";
static const char cap_sql[] = "SELECT count(*) FROM sessions WHERE trainee_id = ? AND trainer_id = ? "
			      "AND status = 'pending'";

static const char duplicate_sql[] = "SELECT id FROM sessions WHERE trainee_id = ? AND date = ? AND activity = ? "
				    "AND minutes = ? AND procedure IS NOT DISTINCT FROM ? AND id <> ? "
				    "AND status IN ('pending', 'signed') ORDER BY id LIMIT 1";

static void run(struct rl_db *db, const char *sql)
{
	struct rl_error err = RL_ERROR_INIT;

	if (rl_db_exec(db, sql, &err) < 0)
		fail_msg("%s: %s", sql, err.detail);
}

/* The plan's lines of EXPLAIN QUERY PLAN sql, joined by '\n', into out. */
static void plan_of(struct rl_db *db, const char *sql, char *out, size_t cap)
{
	struct rl_error err = RL_ERROR_INIT;
	char text[512];
	struct rl_stmt *st;
	size_t used = 0;

	snprintf(text, sizeof(text), "EXPLAIN QUERY PLAN %s", sql);
	st = rl_db_prepare(db, text, &err);
	if (!st)
		fail_msg("%s: %s", text, err.detail);
	rl_bind_int64(st, 1, 2);
	rl_bind_int64(st, 2, 3);
	out[0] = '\0';
	while (rl_step(st) == RL_ROW && used < cap)
		used += (size_t)snprintf(out + used, cap - used, "%s\n", rl_col_text(st, 3));
	rl_finalize(st);
}

static int64_t add_user(struct rl_db *db, const char *name, int roles)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO users(name, email, roles, created_at) "
					    "VALUES (?, ?, ?, '2026-01-01T00:00:00Z')", &err);
	char email[64];

	assert_non_null(st);
	snprintf(email, sizeof(email), "%s@test.raslog.org", name);
	rl_bind_text(st, 1, name, -1);
	rl_bind_text(st, 2, email, -1);
	rl_bind_int(st, 3, roles);
	assert_int_equal(rl_db_run(db, st, "adding a user", &err), 0);
	return rl_db_last_insert_id(db);
}

static int64_t add_session(struct rl_db *db, int64_t trainee, int64_t trainer)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO sessions(trainee_id, trainer_id, date, minutes, activity, "
					    "created_at) VALUES (?, ?, '2026-01-02', 60, 'console_full', "
					    "'2026-01-02T00:00:00Z')", &err);

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, trainer);
	assert_int_equal(rl_db_run(db, st, "adding a session", &err), 0);
	return rl_db_last_insert_id(db);
}

static void claims(struct rl_db *db, int64_t trainee, struct rl_row_progress_claims *c)
{
	struct rl_error err = RL_ERROR_INIT;

	assert_int_equal(rl_rows_progress_claims(db, trainee, c, &err), 0);
}

/* The claims and the pending cap read the index alone (no sessions row per pending session). */
static void test_claims_covering(void **state)
{
	struct db_fixture *f = *state;
	char plan[1024];

	plan_of(f->db, claims_sql, plan, sizeof(plan));
	if (!strstr(plan, "COVERING INDEX sessions_pending"))
		fail_msg("the pending claims do not read sessions_pending alone:\n%s", plan);
	plan_of(f->db, cap_sql, plan, sizeof(plan));
	if (!strstr(plan, "COVERING INDEX sessions_pending (trainee_id=? AND trainer_id=?)"))
		fail_msg("the pending cap does not search sessions_pending by trainee and trainer:\n%s", plan);
}

/* The counts the seals bind, read through the index, follow every change of a claim. */
static void test_claims_follow_changes(void **state)
{
	struct db_fixture *f = *state;
	struct rl_row_progress_claims c;
	int64_t trainee = add_user(f->db, "trainee", 1), other = add_user(f->db, "other", 1);
	int64_t trainer = add_user(f->db, "trainer", 2);
	int64_t a = add_session(f->db, trainee, trainer), b = add_session(f->db, trainee, trainer);
	int64_t x = add_session(f->db, other, trainer);
	char sql[160];

	claims(f->db, trainee, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids, a + b);
	assert_int_equal(c.revs, 2);
	/* An edit raises the revision the index holds. */
	snprintf(sql, sizeof(sql), "UPDATE sessions SET revision = 3 WHERE id = %lld", (long long)b);
	run(f->db, sql);
	claims(f->db, trainee, &c);
	assert_int_equal(c.revs, 4);
	/* A sign-off takes the claim out; another trainee's claims are not theirs. */
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status = 'signed' WHERE id = %lld", (long long)a);
	run(f->db, sql);
	claims(f->db, trainee, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids, b);
	assert_int_equal(c.revs, 3);
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status = 'withdrawn' WHERE id = %lld", (long long)b);
	run(f->db, sql);
	claims(f->db, trainee, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(c.ids, 0);
	claims(f->db, other, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids, x);
	/* Back to pending (a withdrawn sign-off reopens the session): counted again. */
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status = 'pending' WHERE id = %lld", (long long)a);
	run(f->db, sql);
	claims(f->db, trainee, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids, a);
}

/* The duplicate warning reads the day's sessions by sessions_by_day, and finds the same day's twin only. */
static void test_duplicate_by_day(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t trainee = add_user(f->db, "dup_trainee", 1), trainer = add_user(f->db, "dup_trainer", 2);
	int64_t first = add_session(f->db, trainee, trainer), id = -1;
	char plan[1024];

	plan_of(f->db, duplicate_sql, plan, sizeof(plan));
	if (!strstr(plan, "sessions_by_day (trainee_id=? AND date=?)"))
		fail_msg("the duplicate warning does not search sessions_by_day by trainee and day:\n%s", plan);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60, NULL, 0, &id,
						   &err), 1);
	assert_int_equal(id, first);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60, NULL, first,
						   &id, &err), 0);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-03", "console_full", 60, NULL, 0, &id,
						   &err), 0);
}

/* The index holds what the warning compares (a day's other sessions are told apart in it), and
 * the reads in (date, id) order need no sort; the warning still tells activity, minutes,
 * procedure and status apart. */
static void test_duplicate_in_index(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t trainee = add_user(f->db, "dup2_trainee", 1), trainer = add_user(f->db, "dup2_trainer", 2);
	int64_t first = add_session(f->db, trainee, trainer), second = add_session(f->db, trainee, trainer), id = -1;
	struct rl_stmt *st = rl_db_prepare(f->db, "SELECT group_concat(name, ',') FROM "
					   "(SELECT name FROM pragma_index_info('sessions_by_day') ORDER BY seqno)", &err);
	char plan[1024], sql[160];

	assert_non_null(st);
	assert_int_equal(rl_step(st), RL_ROW);
	assert_string_equal(rl_col_text(st, 0), "trainee_id,date,id,activity,minutes");
	rl_finalize(st);
	plan_of(f->db, "SELECT id FROM sessions s WHERE s.trainee_id = ? ORDER BY s.date, s.id", plan, sizeof(plan));
	if (strstr(plan, "TEMP B-TREE") || !strstr(plan, "sessions_by_day"))
		fail_msg("a trainee's sessions by day are sorted, not read in the index's order:\n%s", plan);
	plan_of(f->db, "SELECT id FROM sessions WHERE trainee_id = ? AND status = 'pending' ORDER BY date, id", plan,
		sizeof(plan));
	if (strstr(plan, "TEMP B-TREE"))
		fail_msg("a trainee's pending sessions by day are sorted:\n%s", plan);
	/* The first of two alike is the one named; the other of the pair when it is excluded. */
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60, NULL, first, &id,
						   &err), 1);
	assert_int_equal(id, second);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 61, NULL, 0, &id,
						   &err), 0);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_modular", 60, NULL, 0, &id,
						   &err), 0);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60,
						   "robotic prostatectomy", 0, &id, &err), 0);
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status = 'withdrawn' WHERE id = %lld", (long long)first);
	run(f->db, sql);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60, NULL, 0, &id,
						   &err), 1);
	assert_int_equal(id, second);
	snprintf(sql, sizeof(sql), "UPDATE sessions SET minutes = 45 WHERE id = %lld", (long long)second);
	run(f->db, sql);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60, NULL, 0, &id,
						   &err), 0);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 45, NULL, 0, &id,
						   &err), 1);
	assert_int_equal(id, second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claims_covering, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_claims_follow_changes, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_by_day, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_in_index, db_fixture_setup, db_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
