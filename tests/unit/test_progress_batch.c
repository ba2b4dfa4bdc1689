/*
 * test_progress_batch.c - the progress caches inside a batch
 * (domain/progress_batch.h), run as the writer runs one: BEGIN, each job
 * in its savepoint, the flush, the seal, COMMIT.  What is checked: the
 * status row waits for the flush and is then what a rebuild from the
 * ledger gives, seals included; a job rolled back takes its marks with
 * it (a repair it made and lost is made again by the next job, not taken
 * as done); a read inside the batch (rl_progress_verify, the
 * notification's snapshot) sees the row written first, with no drift
 * named.  On the demo's database (demo_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "demo_fixture.h"

#include "domain/logbook.h"
#include "domain/notify.h"
#include "domain/progress.h"
#include "domain/progress_batch.h"
#include "domain/sessions.h"
#include "base/util.h"

static int drifts;

static void count_drift(const json_t *item)
{
	(void)item;
	drifts++;
}

static void ok(int rc, struct rl_error *err)
{
	if (rc < 0)
		fail_msg("%s: %s", err->title, err->detail);
}

/* A new pending session of trainee with trainer, minutes long, through the logbook. */
static int64_t log_one(int64_t trainee, int64_t trainer, long long minutes, struct rl_error *err)
{
	struct rl_session_new s;
	int64_t id = 0;

	memset(&s, 0, sizeof(s));
	rl_format_date(rl_today() - 3, s.date);
	s.minutes = minutes;
	s.activity = "console_full";
	s.platform = "davinci_xi";
	s.role = "S-TS";
	s.procedure = "Robotic radical prostatectomy";
	s.trainee = trainee;
	s.trainer = trainer;
	ok(rl_logbook_log_session(db, &s, &id, err), err);
	return id;
}

/* The trainee_status row's sealed part, as text, to see whether it was written. */
static char *status_row(int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT summary, ledger_through, hex(mac), hex(tally_mac) FROM trainee_status "
					    "WHERE trainee_id = ?", &err);
	char *out = NULL;

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) == RL_ROW) {
		size_t n = strlen(rl_col_text(st, 0)) + 200;
		out = malloc(n);
		snprintf(out, n, "%s|%lld|%s|%s", rl_col_text(st, 0), (long long)rl_col_int64(st, 1), rl_col_text(st, 2),
			 rl_col_text(st, 3));
	}
	rl_reset(st);
	assert_non_null(out);
	return out;
}

static void begin_batch(struct rl_error *err)
{
	ok(rl_db_begin(db, err), err);
	rl_progress_batch_begin(db);
}

static void job(struct rl_error *err)
{
	ok(rl_db_savepoint(db, "job", err), err);
	rl_progress_batch_job(db);
}

static void job_fails(void)
{
	rl_db_rollback_to(db, "job");
	rl_progress_batch_undo(db);
}

static void commit_batch(struct rl_error *err)
{
	ok(rl_db_release(db, "job", err), err);
	ok(rl_progress_batch_flush(db, err), err);
	ok(rl_ledger_seal(db, err), err);
	ok(rl_db_commit(db, err), err);
	rl_progress_batch_end(db);
}

/* What rl_progress_repair finds differs from the ledger (values or seals), in a transaction of its own. */
static int differences(int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *out = json_array();
	int n;

	ok(rl_db_begin(db, &err), &err);
	n = rl_progress_repair(db, trainee, out, &err);
	ok(n, &err);
	if (n)
		fprintf(stderr, "differences: %s\n", json_dumps(out, JSON_COMPACT));
	rl_db_rollback(db);
	json_decref(out);
	return n;
}

static long long count_sessions(int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*) FROM sessions WHERE trainee_id = ?", &err);
	long long n = -1;

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) == RL_ROW)
		n = rl_col_int64(st, 0);
	rl_reset(st);
	return n;
}

/* Jobs of one trainee and another, one rolled back: the rows wait for the flush, then equal a rebuild. */
static void test_flush_once(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t t = demo_id("Lukas Weber"), u = demo_id("Mei Chen"), tr = demo_id("Fiona Grant");
	long long before_t = count_sessions(t), before_u = count_sessions(u);
	char *row0, *row1, *row2;

	(void)state;
	row0 = status_row(t);
	begin_batch(&err);
	job(&err);
	log_one(t, tr, 60, &err);
	job(&err);
	log_one(u, tr, 90, &err);
	job(&err);
	log_one(t, tr, 120, &err);
	job_fails();
	job(&err);
	log_one(t, tr, 30, &err);
	row1 = status_row(t);
	assert_string_equal(row0, row1); /* not written by the jobs */
	commit_batch(&err);
	row2 = status_row(t);
	assert_string_not_equal(row1, row2); /* written by the flush */
	free(row0);
	free(row1);
	free(row2);
	assert_int_equal(count_sessions(t), before_t + 2);
	assert_int_equal(count_sessions(u), before_u + 1);
	assert_int_equal(differences(t), 0);
	assert_int_equal(differences(u), 0);
}

static void tamper(int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE trainee_tally SET signed = signed + 5 WHERE trainee_id = ?", &err);

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);
	assert_true(rl_db_changes(db) > 0);
}

/* A job repairs a tampered row, then is rolled back: the next job finds the tampering again and repairs it. */
static void test_rollback_takes_the_check_back(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t t = demo_id("Aisha Bello"), tr = demo_id("Fiona Grant");

	(void)state;
	assert_true(demo_scalar("SELECT count(*) FROM trainee_tally") > 0);
	tamper(t);
	drifts = 0;
	rl_progress_drift_hook = count_drift;
	begin_batch(&err);
	job(&err);
	log_one(t, tr, 60, &err);
	assert_true(drifts > 0); /* found and named */
	drifts = 0;
	job_fails();             /* the repair is undone with the job */
	job(&err);
	log_one(t, tr, 45, &err);
	assert_true(drifts > 0); /* found again, not taken as checked */
	job(&err);
	drifts = 0;
	log_one(t, tr, 15, &err);
	assert_int_equal(drifts, 0); /* checked once per batch now */
	commit_batch(&err);
	rl_progress_drift_hook = NULL;
	assert_int_equal(differences(t), 0);
}

/* A read of the status row inside the batch sees it written first, and names no drift. */
static void test_settle_before_reading(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t t = demo_id("James O'Connor"), tr = demo_id("Martin Hughes");
	struct rl_notify_snap snap;
	char *row0, *row1;

	(void)state;
	drifts = 0;
	rl_progress_drift_hook = count_drift;
	row0 = status_row(t);
	begin_batch(&err);
	job(&err);
	log_one(t, tr, 60, &err);
	job(&err);
	ok(rl_progress_verify(db, t, &err), &err);
	row1 = status_row(t);
	assert_string_not_equal(row0, row1);
	log_one(t, tr, 75, &err);
	ok(rl_notify_snapshot(db, t, &snap, &err), &err);
	rl_notify_snap_release(&snap);
	free(row1);
	row1 = status_row(t);
	job_fails(); /* the snapshot's write goes with the job: the flush must write the row again */
	commit_batch(&err);
	rl_progress_drift_hook = NULL;
	assert_int_equal(drifts, 0);
	assert_int_equal(differences(t), 0);
	free(row0);
	free(row1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flush_once),
		cmocka_unit_test(test_rollback_takes_the_check_back),
		cmocka_unit_test(test_settle_before_reading),
	};

	return cmocka_run_group_tests(tests, demo_setup, demo_teardown);
}
