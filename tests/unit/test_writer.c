/*
 * test_writer.c - the group-commit writer (core/ledger/writer.c) when a
 * batch fails after its jobs ran.  Hooks in the shape of the progress
 * caches' (domain/progress_batch.h) mark the batch when the "poisoned" job
 * runs and fail the flush of every batch it is in, as a trainee whose
 * status refresh always fails would.  What is checked: the poisoned job
 * alone fails, with the flush's reason; every job beside it in its batch
 * runs again on its own, is committed and reported done; a job that
 * failed in its own savepoint keeps its own answer and is not run again;
 * nothing of the poisoned job is written, and each committed job's two
 * rows are both there (no half of a job); a note each job asks for after
 * its commit (rl_writer_after_commit, as a drift the job found) is made
 * once, by the batch that committed it, however often the job ran, and
 * never for a job not kept.  A batch whose only successful job is the
 * poisoned one fails as before, without a second run.  Outside a batch a
 * note is made at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "db_fixture.h"

#include "ledger/writer.h"
#include "store/sql.h"

#define JOBS 8
#define POISONED 3  /* the job whose batch cannot flush */
#define REFUSED 5   /* the job that fails in its own savepoint */

struct work {
	struct rl_job job;
	int n;        /* its number: the rows it writes carry it */
	int runs;     /* how often run was called */
	int done;     /* reported done */
	int noted;    /* its note (rl_writer_after_commit) run after a commit */
	int dropped;  /* its note dropped with what queued it */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_entered, finished;
static int poisoned, begun, ended; /* the hooks' batch state and counts */

static void batch_begin(struct rl_db *db) { poisoned = 0; begun++; }
static void batch_end(struct rl_db *db) { ended++; }

static int batch_flush(struct rl_db *db, struct rl_error *err)
{
	if (poisoned)
		return rl_error_set(err, RL_E_UNAVAILABLE, "test-flush", NULL, "the poisoned job's refresh fails");
	return 0;
}

static const struct rl_writer_hooks hooks = { .begin = batch_begin, .flush = batch_flush, .end = batch_end };

static int insert_row(struct rl_db *db, int n, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO writer_test (job) VALUES (?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, n);
	return rl_db_run(db, st, "writer_test", err);
}

static void note(void *arg, int committed)
{
	struct work *w = arg;

	if (committed)
		w->noted++;
	else
		w->dropped++;
}

/* Two rows and a note per job (so a half-kept job would show), then the poisoned one marks the batch. */
static int run_work(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct work *w = job->ctx;

	w->runs++;
	if (insert_row(db, w->n, err) < 0 || insert_row(db, w->n, err) < 0)
		return -1;
	rl_writer_after_commit(db, note, w);
	if (w->n == REFUSED)
		return rl_error_set(err, RL_E_CONFLICT, "test-refused", NULL, "this job refuses itself");
	if (w->n == POISONED)
		poisoned = 1;
	return 0;
}

static void work_done(struct rl_job *job)
{
	struct work *w = job->ctx;

	pthread_mutex_lock(&lock);
	w->done++;
	finished++;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

/* Holds the writer inside a batch until the gate opens, so the jobs queued meanwhile form one batch. */
static int run_gate(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	pthread_mutex_lock(&lock);
	gate_entered = 1;
	pthread_cond_broadcast(&changed);
	while (!gate_open)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
	return 0;
}

static void gate_done(struct rl_job *job) { work_done(job); }

static int64_t rows_of(struct rl_db *db, int n)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*) FROM writer_test WHERE job = ?", &err);
	int64_t v = -1;

	assert_non_null(st);
	rl_bind_int64(st, 1, n);
	assert_int_equal(rl_db_lookup_int64(db, st, &v, "writer_test", &err), 1);
	return v;
}

/* Queues works[0..count) behind a gate job as one batch and waits for all of them. */
static void run_as_one_batch(struct rl_writer *w, struct work *works, int count)
{
	struct work gate = { .n = -1 };
	int i;

	gate_open = gate_entered = finished = 0;
	gate.job = (struct rl_job){ .run = run_gate, .done = gate_done, .ctx = &gate };
	rl_writer_submit(w, &gate.job);
	pthread_mutex_lock(&lock);
	while (!gate_entered)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
	for (i = 0; i < count; i++) {
		works[i].job = (struct rl_job){ .run = run_work, .done = work_done, .ctx = &works[i] };
		rl_writer_submit(w, &works[i].job);
	}
	pthread_mutex_lock(&lock);
	gate_open = 1;
	pthread_cond_broadcast(&changed);
	while (finished < count + 1)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
	assert_int_equal(gate.job.result, 0);
}

static void make_table(struct db_fixture *f)
{
	struct rl_error err = RL_ERROR_INIT;

	if (rl_db_exec(f->db, "CREATE TABLE writer_test (job INTEGER NOT NULL)", &err) < 0)
		fail_msg("%s", err.detail);
}

static void test_only_the_failing_job_fails(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_writer *w;
	struct rl_writer_stats stats;
	struct work works[JOBS];
	int i;

	make_table(f);
	memset(works, 0, sizeof(works));
	for (i = 0; i < JOBS; i++)
		works[i].n = i;
	begun = ended = 0;
	if (rl_writer_start_with(f->path, &hooks, &w, &err) < 0)
		fail_msg("%s", err.detail);
	run_as_one_batch(w, works, JOBS);
	rl_writer_stats(w, &stats);
	rl_writer_stop(w);

	for (i = 0; i < JOBS; i++) {
		assert_int_equal(works[i].done, 1); /* each reported done exactly once */
		if (i == POISONED) {
			assert_int_equal(works[i].job.result, -1);
			assert_string_equal(works[i].job.err.type, "test-flush");
			assert_int_equal(works[i].runs, 2); /* in the batch, then alone */
			assert_int_equal(rows_of(f->db, i), 0);
			assert_int_equal(works[i].noted, 0); /* never committed: never noted */
			assert_int_equal(works[i].dropped, 2);
		} else if (i == REFUSED) {
			assert_int_equal(works[i].job.result, -1);
			assert_string_equal(works[i].job.err.type, "test-refused");
			assert_int_equal(works[i].runs, 1); /* its own answer stands */
			assert_int_equal(rows_of(f->db, i), 0);
			assert_int_equal(works[i].noted, 0); /* dropped with its savepoint */
			assert_int_equal(works[i].dropped, 1);
		} else {
			assert_int_equal(works[i].job.result, 0);
			assert_int_equal(works[i].runs, 2);
			assert_int_equal(rows_of(f->db, i), 2);
			assert_int_equal(works[i].noted, 1); /* ran twice, noted once: by the batch that committed */
			assert_int_equal(works[i].dropped, 1);
		}
		rl_error_clear(&works[i].job.err);
	}
	/* The gate's batch, the failed batch, then one batch per job that had succeeded (all but REFUSED). */
	assert_int_equal(stats.batches, 1 + 1 + (JOBS - 1));
	assert_int_equal(stats.failed_commits, 2); /* the batch, and the poisoned job alone */
	assert_int_equal(begun, ended);
}

static void test_alone_it_fails_once(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_writer *w;
	struct rl_writer_stats stats;
	struct work works[2];

	make_table(f);
	memset(works, 0, sizeof(works));
	works[0].n = POISONED;
	works[1].n = REFUSED;
	if (rl_writer_start_with(f->path, &hooks, &w, &err) < 0)
		fail_msg("%s", err.detail);
	run_as_one_batch(w, works, 2);
	rl_writer_stats(w, &stats);
	rl_writer_stop(w);

	assert_int_equal(works[0].job.result, -1);
	assert_string_equal(works[0].job.err.type, "test-flush");
	assert_int_equal(works[0].runs, 1); /* the only job that had succeeded: nothing to part it from */
	assert_int_equal(works[1].job.result, -1);
	assert_string_equal(works[1].job.err.type, "test-refused");
	assert_int_equal(rows_of(f->db, POISONED), 0);
	assert_int_equal(rows_of(f->db, REFUSED), 0);
	assert_int_equal(works[0].noted + works[1].noted, 0);
	assert_int_equal(works[0].dropped + works[1].dropped, 2);
	assert_int_equal(stats.batches, 2);
	assert_int_equal(stats.failed_commits, 1);
	rl_error_clear(&works[0].job.err);
	rl_error_clear(&works[1].job.err);
}

/* Outside a batch of the writer there is nothing to wait for: the note is made at once. */
static void test_note_outside_a_batch(void **state)
{
	struct db_fixture *f = *state;
	struct work w = { .n = 1 };

	rl_writer_after_commit(f->db, note, &w);
	assert_int_equal(w.noted, 1);
	assert_int_equal(w.dropped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_only_the_failing_job_fails, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_alone_it_fails_once, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_note_outside_a_batch, db_fixture_setup, db_fixture_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
