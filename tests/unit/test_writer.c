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
 *
 * The receipts (ledger.h rl_ledger_receipt): a batch of many jobs that
 * each append a ledger entry, one of which is rolled back to its
 * savepoint after appending (its Merkle nodes left in the batch's
 * memory), behind a ledger of an odd size.  Every receipt names the head
 * the batch's seal signed, the same for all, and its proof, made from the
 * batch's nodes in memory, verifies against that head's root, equals the
 * proof read from the tables afterwards (rl_ledger_inclusion) and the head
 * rl_ledger_head's; the head's log signature verifies.  The batch's record
 * of whom its entries are about (rl_ledger_batch_appended) is checked
 * from inside the jobs.
 *
 * Layers of hooks (rl_writer_start_layers, as raslogd serve runs the
 * progress caches' and the decision mails'): each layer's every hook
 * runs, in the layers' order, but end and stop in the reverse order; a
 * layer's failed flush stops the later layers' flushes and fails the
 * batch, whose end hooks still run.
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

#include "base/util.h"
#include "ledger/jcs.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
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

/* A job reported done: its own count and the batch's. */
static void count_done(int *done)
{
	pthread_mutex_lock(&lock);
	(*done)++;
	finished++;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

static void work_done(struct rl_job *job)
{
	struct work *w = job->ctx;

	count_done(&w->done);
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

/* Queues jobs[0..count) behind a gate job as one batch and waits for all of them (their done calls work_done's count). */
static void jobs_as_one_batch(struct rl_writer *w, struct rl_job **jobs, int count)
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
	for (i = 0; i < count; i++)
		rl_writer_submit(w, jobs[i]);
	pthread_mutex_lock(&lock);
	gate_open = 1;
	pthread_cond_broadcast(&changed);
	while (finished < count + 1)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
	assert_int_equal(gate.job.result, 0);
}

/* works[0..count) as one batch. */
static void run_as_one_batch(struct rl_writer *w, struct work *works, int count)
{
	struct rl_job *jobs[JOBS];

	assert_true(count <= JOBS);
	for (int i = 0; i < count; i++) {
		works[i].job = (struct rl_job){ .run = run_work, .done = work_done, .ctx = &works[i] };
		jobs[i] = &works[i].job;
	}
	jobs_as_one_batch(w, jobs, count);
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

/* ---- layers of hooks */

static char trace[512];      /* the layers' calls, in order: "<hook><layer> " */
static char fail_flush_of;   /* the layer whose flush fails, or 0 */

static void traced(const char *hook, char layer)
{
	size_t n = strlen(trace);

	snprintf(trace + n, sizeof(trace) - n, "%s%c ", hook, layer);
}

#define LAYER(L)                                                                                            \
	static void begin_##L(struct rl_db *db) { (void)db; traced("begin", #L[0]); }                       \
	static void job_##L(struct rl_db *db) { (void)db; traced("job", #L[0]); }                           \
	static void undo_##L(struct rl_db *db) { (void)db; traced("undo", #L[0]); }                         \
	static int flush_##L(struct rl_db *db, struct rl_error *err)                                        \
	{                                                                                                   \
		(void)db;                                                                                   \
		traced("flush", #L[0]);                                                                     \
		if (fail_flush_of == #L[0])                                                                 \
			return rl_error_set(err, RL_E_UNAVAILABLE, "test-flush", NULL, "layer " #L " fails"); \
		return 0;                                                                                   \
	}                                                                                                   \
	static void end_##L(struct rl_db *db) { (void)db; traced("end", #L[0]); }                           \
	static void commit_##L(struct rl_db *db) { (void)db; traced("commit", #L[0]); }                     \
	static void committed_##L(struct rl_db *db, int ok) { (void)db; traced(ok ? "committed" : "lost", #L[0]); } \
	static void stop_##L(struct rl_db *db) { (void)db; traced("stop", #L[0]); }                         \
	static const struct rl_writer_hooks layer_##L = { .begin = begin_##L, .job = job_##L, .undo = undo_##L, \
		.flush = flush_##L, .end = end_##L, .commit = commit_##L, .committed = committed_##L, .stop = stop_##L };
LAYER(A)
LAYER(B)

static void test_layers_in_order(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	static const struct rl_writer_hooks *const layers[] = { &layer_A, &layer_B };
	struct rl_writer *w;
	struct work ok = { .n = 1 }, refused = { .n = REFUSED }, unflushed = { .n = 2 };

	make_table(f);
	trace[0] = 0;
	fail_flush_of = 0;
	if (rl_writer_start_layers(f->path, layers, 2, &w, &err) < 0)
		fail_msg("%s", err.detail);
	ok.job = (struct rl_job){ .run = run_work, .ctx = &ok };
	assert_int_equal(rl_writer_call(w, &ok.job), 0);
	assert_string_equal(trace, "beginA beginB jobA jobB flushA flushB commitA commitB committedA committedB endB endA ");

	trace[0] = 0; /* a job refused in its savepoint: every layer's undo, no flush */
	refused.job = (struct rl_job){ .run = run_work, .ctx = &refused };
	assert_int_equal(rl_writer_call(w, &refused.job), -1);
	assert_string_equal(trace, "beginA beginB jobA jobB undoA undoB commitA commitB committedA committedB endB endA ");
	rl_error_clear(&refused.job.err);

	trace[0] = 0; /* the first layer's flush fails: the second's does not run, the batch is not kept */
	fail_flush_of = 'A';
	unflushed.job = (struct rl_job){ .run = run_work, .ctx = &unflushed };
	assert_int_equal(rl_writer_call(w, &unflushed.job), -1);
	assert_string_equal(unflushed.job.err.type, "test-flush");
	assert_string_equal(trace, "beginA beginB jobA jobB flushA endB endA ");
	rl_error_clear(&unflushed.job.err);
	fail_flush_of = 0;

	trace[0] = 0;
	rl_writer_stop(w);
	assert_string_equal(trace, "stopB stopA ");
	assert_int_equal(rows_of(f->db, 1), 2);
	assert_int_equal(rows_of(f->db, 2), 0);

	/* More layers than a writer runs is refused, and no writer is made. */
	{
		const struct rl_writer_hooks *many[RL_WRITER_MAX_LAYERS + 1];

		for (size_t i = 0; i < RL_WRITER_MAX_LAYERS + 1; i++)
			many[i] = &layer_A;
		assert_int_equal(rl_writer_start_layers(f->path, many, RL_WRITER_MAX_LAYERS + 1, &w, &err), -1);
		assert_null(w);
		rl_error_clear(&err);
	}
}

/* ---- receipts */

#define RECEIPT_JOBS 40
#define RECEIPT_ROLLED 7   /* appends, then refuses itself: rolled back to its savepoint */
#define RECEIPT_BEFORE 13  /* entries in the ledger before the batch (an odd size: a ragged frontier) */

struct entry_work {
	struct rl_job job;
	struct rl_ledger_receipt receipt;
	int n;
	char message[64];
	uint8_t pk[32], sig[64];
	int seen_before, seen_after, seen_other; /* rl_ledger_batch_appended inside the job */
	int done;
};

static int64_t entry_subject(int n) { return 1000 + n % 5; }

static int run_entry(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct entry_work *e = job->ctx;
	int64_t idx;

	e->receipt.index = -1;
	e->receipt.tree_size = 0;
	snprintf(e->message, sizeof(e->message), "%s{\"n\":%d}", RL_STATEMENT_PREFIX, e->n);
	memset(e->pk, 0x20 + e->n % 7, sizeof(e->pk));
	memset(e->sig, e->n, sizeof(e->sig));
	e->seen_before = rl_ledger_batch_appended(db, 999, -1, INT64_MAX);
	if (rl_ledger_append(db, "test", e->message, strlen(e->message), e->pk, e->sig, 1, entry_subject(e->n), &idx,
			     err) < 0)
		return -1;
	e->seen_after = rl_ledger_batch_appended(db, entry_subject(e->n), idx - 1, idx + 1);
	e->seen_other = rl_ledger_batch_appended(db, entry_subject(e->n), idx, INT64_MAX);
	if (e->n == RECEIPT_ROLLED)
		return rl_error_set(err, RL_E_CONFLICT, "test-refused", NULL, "this job refuses itself after appending");
	e->receipt.index = idx;
	return 0;
}

static void entry_done(struct rl_job *job)
{
	struct entry_work *e = job->ctx;

	count_done(&e->done);
}

/* works[0..count) as one batch. */
static void entries_as_one_batch(struct rl_writer *w, struct entry_work *works, int count)
{
	struct rl_job *jobs[RECEIPT_JOBS];

	assert_true(count <= RECEIPT_JOBS);
	for (int i = 0; i < count; i++) {
		works[i].job = (struct rl_job){ .run = run_entry, .done = entry_done, .ctx = &works[i],
						.receipt = &works[i].receipt };
		jobs[i] = &works[i].job;
	}
	jobs_as_one_batch(w, jobs, count);
}

/* The head's log signature over RASLOG-TREE-HEAD-v1 || JCS(head without its signature). */
static void head_signed(struct rl_db *db, const json_t *head)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *body = json_deep_copy(head);
	uint8_t pk[32], sig[64];
	size_t len;
	char *jcs, msg[512];

	assert_int_equal(rl_ledger_log_key(db, pk, &err), 0);
	assert_int_equal(rl_base64_decode_exact(json_string_value(json_object_get(head, "signature")), sig, 64), 0);
	json_object_del(body, "signature");
	jcs = rl_jcs_string(body, &len, &err);
	assert_non_null(jcs);
	assert_true(len + strlen(RL_TREE_HEAD_PREFIX) < sizeof(msg));
	snprintf(msg, sizeof(msg), "%s%s", RL_TREE_HEAD_PREFIX, jcs);
	assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)msg, strlen(msg), pk), 0);
	free(jcs);
	json_decref(body);
}

static void test_receipts_of_a_batch(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	static struct entry_work before[RECEIPT_BEFORE], works[RECEIPT_JOBS];
	struct rl_writer *w;
	json_t *head;
	int64_t size = -1, size_before = -1;
	uint8_t root[32];
	int i, ok = 0;

	memset(before, 0, sizeof(before));
	memset(works, 0, sizeof(works));
	for (i = 0; i < RECEIPT_BEFORE; i++)
		before[i].n = 100 + i;
	for (i = 0; i < RECEIPT_JOBS; i++)
		works[i].n = i;
	if (rl_writer_start_with(f->path, NULL, &w, &err) < 0)
		fail_msg("%s", err.detail);
	entries_as_one_batch(w, before, RECEIPT_BEFORE);
	assert_int_equal(rl_ledger_size(f->db, &size_before, &err), 0);
	if (size_before % 2 == 0) { /* odd, so the batch starts beside a ragged frontier */
		entries_as_one_batch(w, before, 1);
		size_before++;
	}
	entries_as_one_batch(w, works, RECEIPT_JOBS);
	rl_writer_stop(w);

	assert_int_equal(rl_ledger_size(f->db, &size, &err), 0);
	head = rl_ledger_head(f->db, &err);
	assert_non_null(head);
	assert_int_equal(json_integer_value(json_object_get(head, "tree_size")), size);
	head_signed(f->db, head);
	assert_int_equal(rl_hex_decode_exact(json_string_value(json_object_get(head, "root_hash")), root, 32), 0);
	for (i = 0; i < RECEIPT_JOBS; i++) {
		struct entry_work *e = &works[i];
		json_t *rh, *rp, *proof;
		uint8_t leaf[32];

		assert_int_equal(e->done, 1);
		assert_int_equal(e->seen_before, 0);
		assert_int_equal(e->seen_after, 1);
		assert_int_equal(e->seen_other, 0);
		if (i == RECEIPT_ROLLED) {
			assert_int_equal(e->job.result, -1);
			assert_int_equal(e->receipt.tree_size, 0); /* no receipt for what was not kept */
			rl_error_clear(&e->job.err);
			continue;
		}
		assert_int_equal(e->job.result, 0);
		/* Every receipt names the batch's head: the latest, since no batch came after it. */
		assert_int_equal(e->receipt.tree_size, size);
		rh = rl_ledger_receipt_head(&e->receipt);
		assert_true(json_equal(rh, head));
		rl_merkle_leaf_hash((const uint8_t *)e->message, strlen(e->message), e->sig, e->pk, leaf);
		assert_memory_equal(e->receipt.leaf, leaf, 32);
		assert_int_equal(rl_merkle_verify_inclusion((uint64_t)e->receipt.index, (uint64_t)size, leaf,
							    (const uint8_t (*)[32])e->receipt.hashes, e->receipt.n, root),
				 0);
		/* The proof from the batch's memory is the one the tables give. */
		rp = rl_ledger_receipt_proof(&e->receipt);
		proof = rl_ledger_inclusion(f->db, e->receipt.index, size, &err);
		assert_non_null(proof);
		assert_true(json_equal(rp, proof));
		json_decref(rh);
		json_decref(rp);
		json_decref(proof);
		ok++;
	}
	assert_int_equal(ok, RECEIPT_JOBS - 1);
	assert_int_equal(size, size_before + RECEIPT_JOBS - 1);
	json_decref(head);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_only_the_failing_job_fails, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_alone_it_fails_once, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_note_outside_a_batch, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_layers_in_order, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_receipts_of_a_batch, db_fixture_setup, db_fixture_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
