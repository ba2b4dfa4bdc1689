/*
 * writer.h - the single writer with group commit.
 *
 * Every write in the server goes through one thread that owns the only
 * read-write connection.  It takes every job waiting in its queue, runs
 * each inside its own SAVEPOINT of one transaction (so one bad job cannot
 * spoil the others), seals the ledger (signs a new tree head if it grew),
 * commits once with synchronous=FULL, and only then reports each job
 * done, with the receipt (signed head and inclusion proof) of the entry
 * it appended when it asked for one: all of a batch's receipts name the
 * head its seal signed, and their proofs come from the batch's Merkle
 * nodes in memory (rl_ledger_batch_begin).  Durability costs one fsync per batch instead of one per request,
 * and no job is reported done before its data is on disk.  A batch that
 * fails after its jobs ran (a hook's flush, the seal, the commit) keeps
 * nothing, and each job that had succeeded runs again alone, in a batch
 * of its own: only a job that cannot be committed fails, not the jobs that
 * happened to share its batch.
 *
 * The writer knows nothing of HTTP: a job's done callback is how the
 * server learns to resume the suspended connection.
 */
#ifndef RASLOG_WRITER_H
#define RASLOG_WRITER_H

#include "store/db.h"
#include "base/error.h"

struct rl_job;
struct rl_ledger_receipt;

/*
 * Runs inside the batch transaction; return 0, or -1 with err set (the
 * job's savepoint is rolled back).  It may run a second time, alone, when
 * its batch failed after it (see above): it must set, not add to, what it
 * leaves in ctx, and free what a previous run left there.
 */
typedef int (*rl_job_run_fn)(struct rl_db *db, struct rl_job *job, struct rl_error *err);
/* Called on the writer thread after the commit (or the failure); must not block. */
typedef void (*rl_job_done_fn)(struct rl_job *job);

struct rl_job {
	rl_job_run_fn run;
	rl_job_done_fn done;    /* NULL for rl_writer_call */
	void *ctx;              /* the submitter's data */
	int result;             /* 0 ok, -1 failed: err says why */
	struct rl_error err;
	struct rl_ledger_receipt *receipt; /* NULL, or the receipt of the entry run appended (run sets its index,
					    * -1 for none; the writer fills it after the seal: ledger/ledger.h) */
	struct rl_job *next;    /* queue link, owned by the writer */
	int finished;           /* internal: set under the writer's lock */
};

struct rl_writer;

/*
 * What a layer above keeps per batch (domain/progress_batch.h: the
 * progress caches' status rows written once per batch): begin after the
 * batch's BEGIN, job before each job runs (in its savepoint), undo when
 * that job was rolled back to its savepoint, flush after the last job and
 * before the ledger's seal (-1 fails the whole batch, as a failed seal
 * does: nothing of it is committed, and its jobs run again one to a
 * batch), end once the batch is over, committed or not; commit right
 * before the COMMIT and committed right after it (ok 1: it succeeded), both only when the batch
 * reached its COMMIT (domain/progress.h: the accreditation list's record
 * of which trainees each commit changed); stop once, on the writer's thread
 * after its last batch (what a layer kept from one batch to the next goes).
 * Any may be NULL.  A writer runs up to RL_WRITER_MAX_LAYERS layers' hooks
 * (rl_writer_start_layers): each hook in the order given, but end and stop
 * in the reverse order (the last layer set up is the first taken down), and
 * a flush that fails stops the later layers' flushes.  Each layer's hooks
 * are its own: none calls another's.
 */
struct rl_writer_hooks {
	void (*begin)(struct rl_db *db);
	void (*job)(struct rl_db *db);
	void (*undo)(struct rl_db *db);
	int (*flush)(struct rl_db *db, struct rl_error *err);
	void (*end)(struct rl_db *db);
	void (*commit)(struct rl_db *db);
	void (*committed)(struct rl_db *db, int ok);
	void (*stop)(struct rl_db *db);
};

/* Opens the database read-write and starts the writer thread. */
int rl_writer_start(const char *db_path, struct rl_writer **out, struct rl_error *err);
/* The same with one layer's hooks (NULL: none), which must outlive the writer. */
int rl_writer_start_with(const char *db_path, const struct rl_writer_hooks *hooks, struct rl_writer **out,
			 struct rl_error *err);
#define RL_WRITER_MAX_LAYERS 4
/* The same with n layers' hooks (n <= RL_WRITER_MAX_LAYERS), run in that order; each must outlive the writer. */
int rl_writer_start_layers(const char *db_path, const struct rl_writer_hooks *const *layers, size_t n,
			   struct rl_writer **out, struct rl_error *err);
/* Queues a job; its done callback runs later on the writer thread. */
void rl_writer_submit(struct rl_writer *w, struct rl_job *job);
/* Queues a job and waits for it; returns job->result. */
int rl_writer_call(struct rl_writer *w, struct rl_job *job);
/* Finishes every queued job, then stops the thread and closes the database. */
void rl_writer_stop(struct rl_writer *w);

/*
 * What a job (or a hook) wants done once its writes are committed, and
 * not otherwise: a note of what it found (domain/progress.h: a cached
 * figure found to differ from the ledger, recorded as a figures.drift
 * event).  Inside the writer's batch on db, fn(arg, 1) runs on the writer
 * thread after the batch's COMMIT succeeded; when what queued it is not
 * kept (its job rolled back to its savepoint, or the whole batch failed:
 * its jobs then run again alone and queue it again), fn(arg, 0) runs
 * instead, only to free arg.  So a note is made once however often its
 * job ran.  Anywhere else (no writer batch on this thread and db, or no
 * memory to queue it) fn(arg, 1) runs at once.  fn must not block.
 */
void rl_writer_after_commit(struct rl_db *db, void (*fn)(void *arg, int committed), void *arg);

/*
 * Runs fn on the writer's connection between two batches (from any
 * thread; the writer waits for it), waiting at most wait_ms for a batch
 * in progress to end: fn's result, or -2 when the writer stayed busy.
 * For short reads only (domain/progress.h: whether anyone else committed
 * since the writer's last commit, which only its own connection can say).
 */
int rl_writer_probe(struct rl_writer *w, int (*fn)(struct rl_db *db, void *ctx), void *ctx, int wait_ms);

/* Histogram bounds (upper, inclusive) of the batch sizes and commit times below. */
#define RL_WRITER_SIZE_BUCKETS 10   /* 1, 2, 4 ... 512 jobs */
#define RL_WRITER_TIME_BUCKETS 12
extern const double rl_writer_time_bounds[RL_WRITER_TIME_BUCKETS]; /* seconds */

/* Counters for the health endpoint, /metrics and benchmarks. */
struct rl_writer_stats {
	unsigned long long batches;
	unsigned long long jobs;
	unsigned long long failed_commits;
	unsigned long long size_buckets[RL_WRITER_SIZE_BUCKETS]; /* batches of at most 2^i jobs (not cumulative) */
	unsigned long long time_buckets[RL_WRITER_TIME_BUCKETS + 1]; /* batches committed within bound i; last: slower */
	double commit_seconds;   /* total time from BEGIN to COMMIT of every batch */
	unsigned long long queued; /* jobs submitted and not yet taken into a batch (a gauge) */
};
void rl_writer_stats(struct rl_writer *w, struct rl_writer_stats *out);

#endif
