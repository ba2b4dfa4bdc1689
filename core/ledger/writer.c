/*
 * writer.c - single writer thread with group commit; see writer.h.
 */
#include "base/prelude.h"

#include "ledger/writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/ledger.h"

#define MAX_BATCH 512

const double rl_writer_time_bounds[RL_WRITER_TIME_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A note queued by rl_writer_after_commit. */
struct after_commit {
	void (*fn)(void *arg, int committed);
	void *arg;
};

struct rl_writer {
	struct rl_db *db;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;      /* jobs queued or stop requested */
	pthread_cond_t finished;  /* some rl_writer_call job finished */
	pthread_mutex_t conn;     /* held by the writer thread for a batch's use of db, and by rl_writer_probe */
	struct rl_job *head, *tail;
	const struct rl_writer_hooks *layers[RL_WRITER_MAX_LAYERS]; /* set before the thread starts */
	size_t nlayers;
	int stopping;
	struct rl_writer_stats stats;
	struct after_commit *after; /* the batch's notes (writer thread only) */
	size_t nafter, capafter;
};

/* The writer whose batch this thread is running, for rl_writer_after_commit. */
static _Thread_local struct rl_writer *batch_writer;

/* Room for one more note: 0, or -1 without memory. */
static int after_room(struct rl_writer *w)
{
	size_t cap = w->capafter ? w->capafter * 2 : 8;
	struct after_commit *a;

	if (w->nafter < w->capafter)
		return 0;
	if (!(a = realloc(w->after, cap * sizeof(*a))))
		return -1;
	w->after = a;
	w->capafter = cap;
	return 0;
}

void rl_writer_after_commit(struct rl_db *db, void (*fn)(void *arg, int committed), void *arg)
{
	struct rl_writer *w = batch_writer;

	if (!w || w->db != db || after_room(w) < 0) {
		fn(arg, 1); /* no batch of the writer's to wait for (or no memory to wait in): now */
		return;
	}
	w->after[w->nafter++] = (struct after_commit){ fn, arg };
}

/* Runs (committed 1) or drops (0) the notes queued from the `from`th on. */
static void after_commit_end(struct rl_writer *w, size_t from, int committed)
{
	for (size_t i = from; i < w->nafter; i++)
		w->after[i].fn(w->after[i].arg, committed);
	w->nafter = from;
}

static void finish(struct rl_writer *w, struct rl_job *job)
{
	if (job->done) {
		job->done(job);
		return;
	}
	pthread_mutex_lock(&w->lock);
	job->finished = 1;
	pthread_cond_broadcast(&w->finished);
	pthread_mutex_unlock(&w->lock);
}

/* The receipts the batch's jobs asked for, from the head its seal signed; one that cannot be made is left unfilled. */
static void fill_receipts(struct rl_db *db, struct rl_job *batch)
{
	for (struct rl_job *job = batch; job; job = job->next) {
		struct rl_error err = RL_ERROR_INIT;

		if (job->result == 0 && job->receipt && job->receipt->index >= 0)
			rl_ledger_receipt_fill(db, job->receipt, &err);
		rl_error_clear(&err);
	}
}

/* Each layer's hook `name`, if it has one, in the layers' order (HOOKS_REVERSE: the last layer's first). */
#define HOOKS(w, name, ...)                                              \
	do {                                                             \
		for (size_t l_ = 0; l_ < (w)->nlayers; l_++)             \
			if ((w)->layers[l_]->name)                       \
				(w)->layers[l_]->name(__VA_ARGS__);      \
	} while (0)
#define HOOKS_REVERSE(w, name, ...)                                      \
	do {                                                             \
		for (size_t l_ = (w)->nlayers; l_-- > 0;)                \
			if ((w)->layers[l_]->name)                       \
				(w)->layers[l_]->name(__VA_ARGS__);      \
	} while (0)

/* Every layer's flush in order, up to the first that fails: 0, or -1 and err says why. */
static int hooks_flush(struct rl_writer *w, struct rl_error *err)
{
	for (size_t l = 0; l < w->nlayers; l++)
		if (w->layers[l]->flush && w->layers[l]->flush(w->db, err) < 0)
			return -1;
	return 0;
}

/*
 * One transaction: every job in its savepoint, then the hooks' flush, the
 * seal, the receipts and the commit; then the notes kept
 * (rl_writer_after_commit) run when it committed and are dropped when not.
 * Returns 1 committed; 0 failed before any job ran (BEGIN); -1 failed
 * after the jobs ran (a flush, the seal or the commit), when nothing of
 * the batch is kept.  err says why; no job is finished here.
 */
static int commit_batch(struct rl_writer *w, struct rl_job *batch, int n, struct rl_error *err)
{
	struct rl_job *job;
	int ok = 0, any = 0, sealed = 0, began = 0, b;
	struct timespec t0;
	double took;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&w->conn);
	if (rl_db_begin(w->db, err) < 0)
		goto fail_all;
	batch_writer = w;
	rl_ledger_batch_begin(w->db);
	HOOKS(w, begin, w->db);
	began = 1;
	for (job = batch; job; job = job->next) {
		size_t notes = w->nafter;

		/* The previous job's RELEASE goes with this job's SAVEPOINT: one statement
		 * run (a round trip on PostgreSQL) per job instead of two. */
		if (job == batch)
			rl_db_savepoint(w->db, "job", &job->err);
		else
			rl_db_savepoint_next(w->db, "job", &job->err);
		HOOKS(w, job, w->db);
		job->result = job->err.status ? -1 : job->run(w->db, job, &job->err);
		if (job->result < 0) {
			rl_db_rollback_to(w->db, "job");
			HOOKS(w, undo, w->db);
			after_commit_end(w, notes, 0);
		} else {
			any = 1;
		}
	}
	rl_db_release(w->db, "job", NULL);
	if (any && hooks_flush(w, err) < 0) {
		rl_db_rollback(w->db);
		goto fail_all;
	}
	if (any && (sealed = rl_ledger_seal(w->db, err)) < 0) {
		rl_db_rollback(w->db);
		goto fail_all;
	}
	if (any) {
		fill_receipts(w->db, batch);
		rl_db_announce_commit(w->db); /* other processes drop their caches (db.h) */
	}
	HOOKS(w, commit, w->db);
	ok = rl_db_commit(w->db, err) == 0;
	HOOKS(w, committed, w->db, ok);
	if (!ok)
		goto fail_all;
	if (sealed)
		rl_ledger_after_commit(w->db);
fail_all:
	if (began)
		HOOKS_REVERSE(w, end, w->db);
	batch_writer = NULL;
	if (began)
		rl_ledger_batch_end(w->db);
	pthread_mutex_unlock(&w->conn);
	took = seconds_since(&t0);
	pthread_mutex_lock(&w->lock);
	w->stats.batches++;
	for (b = 0; b < RL_WRITER_SIZE_BUCKETS - 1 && n > (1 << b); b++)
		;
	w->stats.size_buckets[b]++;
	for (b = 0; b < RL_WRITER_TIME_BUCKETS && took > rl_writer_time_bounds[b]; b++)
		;
	w->stats.time_buckets[b]++;
	w->stats.commit_seconds += took;
	if (!ok)
		w->stats.failed_commits++;
	pthread_mutex_unlock(&w->lock);
	after_commit_end(w, 0, ok);
	return ok ? 1 : began ? -1 : 0;
}

/* A job whose work the batch's failure took away fails with the batch's reason. */
static void fail_with(struct rl_job *job, const struct rl_error *err)
{
	job->result = -1;
	rl_error_clear(&job->err);
	job->err = *err;
	job->err.extra = NULL;
}

/*
 * Runs one batch and finishes its jobs.  When the batch fails after its
 * jobs ran (one job's change that the status rows' flush, the seal or the
 * commit cannot take: a trainee whose refresh always fails), nothing of it
 * was kept, and every job that had succeeded runs again alone, each in a
 * batch of its own, so only the job that cannot be committed fails and
 * the others beside it are committed and reported done.  A job that failed
 * in its own savepoint keeps its own answer.
 */
static void run_batch(struct rl_writer *w, struct rl_job *batch, int n)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_job *job, *next;
	int rc = commit_batch(w, batch, n, &err), ran = 0;

	for (job = batch; job; job = job->next)
		ran += job->result == 0;
	for (job = batch; job; job = next) {
		next = job->next;
		if (rc < 1 && job->result == 0) {
			if (rc < 0 && ran > 1) {
				struct rl_error again = RL_ERROR_INIT;

				job->next = NULL;
				rl_error_clear(&job->err);
				if (commit_batch(w, job, 1, &again) < 1 && job->result == 0)
					fail_with(job, &again);
				rl_error_clear(&again);
			} else {
				fail_with(job, &err);
			}
		}
		finish(w, job);
	}
	rl_error_clear(&err);
}

static void *writer_main(void *arg)
{
	struct rl_writer *w = arg;

	for (;;) {
		struct rl_job *batch, *last;
		int n = 1;

		pthread_mutex_lock(&w->lock);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->head) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		batch = last = w->head;
		while (last->next && n < MAX_BATCH) {
			last = last->next;
			n++;
		}
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		w->stats.jobs += (unsigned long long)n;
		w->stats.queued -= (unsigned long long)n;
		pthread_mutex_unlock(&w->lock);
		run_batch(w, batch, n);
	}
	HOOKS_REVERSE(w, stop, w->db);
	return NULL;
}

int rl_writer_start(const char *db_path, struct rl_writer **out, struct rl_error *err)
{
	return rl_writer_start_with(db_path, NULL, out, err);
}

int rl_writer_start_with(const char *db_path, const struct rl_writer_hooks *hooks, struct rl_writer **out,
			 struct rl_error *err)
{
	return rl_writer_start_layers(db_path, &hooks, hooks ? 1 : 0, out, err);
}

int rl_writer_start_layers(const char *db_path, const struct rl_writer_hooks *const *layers, size_t n,
			   struct rl_writer **out, struct rl_error *err)
{
	struct rl_writer *w;

	*out = NULL;
	if (n > RL_WRITER_MAX_LAYERS)
		return rl_error_internal(err, "too many layers of writer hooks");
	if (!(w = calloc(1, sizeof(*w))))
		return rl_error_internal(err, "out of memory");
	for (size_t l = 0; l < n; l++)
		if (layers[l])
			w->layers[w->nlayers++] = layers[l];
	if (rl_db_open(db_path, RL_DB_MIGRATE | RL_DB_WRITER, &w->db, err) < 0) {
		free(w);
		return -1;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->finished, NULL);
	pthread_mutex_init(&w->conn, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		rl_db_close(w->db);
		free(w);
		return rl_error_internal(err, "cannot start the writer thread");
	}
	*out = w;
	return 0;
}

void rl_writer_submit(struct rl_writer *w, struct rl_job *job)
{
	job->next = NULL;
	job->finished = 0;
	job->result = 0;
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	w->stats.queued++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

int rl_writer_call(struct rl_writer *w, struct rl_job *job)
{
	job->done = NULL;
	rl_writer_submit(w, job);
	pthread_mutex_lock(&w->lock);
	while (!job->finished)
		pthread_cond_wait(&w->finished, &w->lock);
	pthread_mutex_unlock(&w->lock);
	return job->result;
}

void rl_writer_stop(struct rl_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	rl_db_close(w->db);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->finished);
	pthread_mutex_destroy(&w->conn);
	free(w->after);
	free(w);
}

int rl_writer_probe(struct rl_writer *w, int (*fn)(struct rl_db *db, void *ctx), void *ctx, int wait_ms)
{
	struct timespec until;
	int rc;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	until.tv_sec += wait_ms / 1000 + until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	if (pthread_mutex_timedlock(&w->conn, &until) != 0)
		return -2;
	rc = fn(w->db, ctx);
	pthread_mutex_unlock(&w->conn);
	return rc;
}

void rl_writer_stats(struct rl_writer *w, struct rl_writer_stats *out)
{
	pthread_mutex_lock(&w->lock);
	*out = w->stats;
	pthread_mutex_unlock(&w->lock);
}
