/*
 * progress_check.c - every trainee's figures from the ledger at once:
 * `raslogd rebuild` (rl_progress_rebuild), the start-up check
 * (rl_progress_check) and the same check in short batches for a server
 * that serves meanwhile (rl_progress_check_batch); see progress.h.
 */
#include "base/prelude.h"

#include "domain/progress_impl.h"

#include <stdlib.h>
#include <string.h>

#include "base/pool.h"

/*
 * The sweep (issue 18).  The calling thread does all the database work on
 * its one connection, with prepared statements reused: it reads a batch
 * of trainees' ledger rows (raw, by the subject index, in index order) and
 * pending claims, and applies the results of the batch before in trainee
 * order.  Parsing the statements and computing the figures the caches keep
 * (rl_figures_tallies: rl_figures' walk without the report and its
 * evidence lists), independent per trainee, run meanwhile on worker
 * threads, one per core, so the figures of batch k are computed while
 * batch k-1 is written and batch k+1 read.  Memory holds two batches,
 * whatever the ledger's size.
 */
#define SWEEP_BATCH 128

struct sweep_item {
	int64_t trainee;
	const struct rl_curriculum *c;
	char *text;            /* the trainee's ledger messages, one after another */
	size_t tlen, tcap;
	struct {
		int64_t idx;
		size_t off, len;
	} *rows;               /* in index order */
	size_t nrows, rcap;
	json_t *pending;       /* the pending claims, as rl_figures takes them */
	int64_t through;       /* the last ledger index about the trainee, or -1 */
	uint64_t statements;   /* the rows that are statements (worker) */
	struct rl_figures_tallies f; /* the figures the caches keep (worker) */
	struct prog_rows w;    /* the rows from them (worker) */
	int ok;                /* 1: f and w are set; 0: err says why not (worker) */
	struct rl_error err;
};

static void sweep_compute(struct sweep_item *it, const struct rl_tools *tools)
{
	json_t *entries = json_array(), *entry;

	for (size_t i = 0; i < it->nrows; i++)
		if ((entry = prog_entry_of(it->rows[i].idx, it->text + it->rows[i].off, it->rows[i].len))) {
			json_array_append_new(entries, entry);
			it->statements++;
		}
	it->ok = rl_figures_tallies(it->c, tools, it->trainee, entries, it->pending, &it->f, &it->err) == 0 &&
		 prog_rows_of_tallies(it->c, &it->f, it->through, &it->w, &it->err) == 0;
	json_decref(entries);
}

struct sweep_batch {
	struct sweep_item *items;
	const struct rl_tools *tools;
};

static void sweep_one(void *ctx, size_t i)
{
	struct sweep_batch *b = ctx;

	sweep_compute(&b->items[i], b->tools);
}

static void sweep_clear(struct sweep_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].text);
		free(items[i].rows);
		json_decref(items[i].pending);
		json_decref(items[i].f.sig);
		json_decref(items[i].f.pen);
		prog_rows_free(&items[i].w);
		rl_error_clear(&items[i].err);
		memset(&items[i], 0, sizeof(items[i]));
	}
}

/* Appends one raw ledger row to the item; 1 (stop) when out of memory. */
static int sweep_row(void *ctx, const struct rl_row_progress_entry *row)
{
	struct sweep_item *it = ctx;
	size_t len = row->message ? row->len : 0;

	it->through = row->idx;
	if (it->nrows == it->rcap) {
		size_t cap = it->rcap ? 2 * it->rcap : 64;
		void *more = realloc(it->rows, cap * sizeof(*it->rows));
		if (!more)
			return 1;
		it->rows = more;
		it->rcap = cap;
	}
	if (it->tlen + len > it->tcap) {
		size_t cap = it->tcap ? 2 * it->tcap : 64 * 1024;
		char *more;
		while (cap < it->tlen + len)
			cap *= 2;
		if (!(more = realloc(it->text, cap)))
			return 1;
		it->text = more;
		it->tcap = cap;
	}
	if (len)
		memcpy(it->text + it->tlen, row->message, len);
	it->rows[it->nrows].idx = row->idx;
	it->rows[it->nrows].off = it->tlen;
	it->rows[it->nrows++].len = len;
	it->tlen += len;
	return 0;
}

/* Reads one trainee's raw ledger rows and pending claims into it; 0 or -1 with err. */
static int sweep_read(struct rl_db *db, int64_t trainee, struct sweep_item *it, struct rl_error *err)
{
	int rc;

	it->trainee = trainee;
	it->through = -1;
	if (!(it->c = prog_curriculum(db, trainee, err))) {
		if (!err->status)
			rl_error_set(err, RL_E_INTERNAL, "no-curriculum", NULL,
				     "trainee %lld is enrolled on no curriculum the database holds", (long long)trainee);
		return -1;
	}
	if ((rc = rl_rows_progress_entries(db, trainee, sweep_row, it, err)) != 0) {
		if (rc > 0)
			rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory reading the ledger");
		return -1;
	}
	return (it->pending = prog_pending(db, trainee, err)) ? 0 : -1;
}

static int add_id(void *ctx, int64_t trainee)
{
	return json_array_append_new(ctx, json_integer(trainee)) == 0 ? 0 : 1;
}

/* What a sweep does with one trainee's figures (on the calling thread, in trainee order): 0 or -1 with err. */
typedef int (*sweep_apply_fn)(struct rl_db *db, struct sweep_item *it, void *ctx, struct rl_error *err);

static int sweep(struct rl_db *db, sweep_apply_fn apply, void *ctx, struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	json_t *ids = tools ? json_array() : NULL;
	struct sweep_item *a = calloc(SWEEP_BATCH, sizeof(*a)), *b = calloc(SWEEP_BATCH, sizeof(*b)), *tmp;
	struct rl_pool *pool = rl_pool_new(-1);
	/* Each array keeps its batch description; the two swap roles together. */
	struct sweep_batch xa = { a, tools }, xb = { b, tools }, *ba = &xa, *bb = &xb, *tb;
	size_t total, next = 0, na = 0, nb;
	int rc = -1;

	if (ids && rl_rows_progress_enrolled(db, add_id, ids, err) != 0) {
		json_decref(ids);
		ids = NULL;
	}
	total = json_array_size(ids);
	if (!ids || !a || !b || !pool) {
		if (!err->status)
			rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory");
		goto out;
	}
	/* Batch k's figures on the workers while this thread reads batch k+1 and applies batch k-1. */
	for (; na < SWEEP_BATCH && next < total; na++)
		if (sweep_read(db, json_integer_value(json_array_get(ids, next++)), &a[na], err) < 0)
			goto out;
	rl_pool_post(pool, sweep_one, ba, na);
	while (na) {
		nb = 0;
		for (; nb < SWEEP_BATCH && next < total; nb++)
			if (sweep_read(db, json_integer_value(json_array_get(ids, next++)), &b[nb], err) < 0)
				goto out;
		rl_pool_wait(pool);
		if (nb)
			rl_pool_post(pool, sweep_one, bb, nb);
		for (size_t i = 0; i < na; i++) {
			if (!a[i].ok) {
				*err = a[i].err; /* the worker's error, now the caller's */
				memset(&a[i].err, 0, sizeof(a[i].err));
				if (!err->status)
					rl_error_internal(err, "computing a trainee's figures failed");
				goto out;
			}
			if (apply(db, &a[i], ctx, err) < 0)
				goto out;
		}
		sweep_clear(a, na);
		tmp = a, a = b, b = tmp;
		tb = ba, ba = bb, bb = tb;
		na = nb;
	}
	rc = 0;
out:
	rl_pool_free(pool); /* waits for the batch being computed first */
	if (a)
		sweep_clear(a, SWEEP_BATCH);
	if (b)
		sweep_clear(b, SWEEP_BATCH);
	free(a);
	free(b);
	json_decref(ids);
	return rc;
}

static int rebuild_one(struct rl_db *db, struct sweep_item *it, void *ctx, struct rl_error *err)
{
	struct rl_rebuild_stats *stats = ctx;

	stats->statements += it->statements;
	stats->trainees++;
	return prog_write_cache(db, it->trainee, it->c, &it->w, err);
}

int rl_progress_rebuild(struct rl_db *db, struct rl_rebuild_stats *stats, struct rl_error *err)
{
	memset(stats, 0, sizeof(*stats));
	if (rl_rows_progress_clear_all(db, err) < 0 || sweep(db, rebuild_one, stats, err) < 0)
		return -1;
	rl_rows_progress_ledger_size(db, &stats->ledger_entries, err);
	return err->status ? -1 : 0;
}

struct check_ctx {
	json_t *out;
	int total;
};

static int check_swept(struct rl_db *db, struct sweep_item *it, void *ctx, struct rl_error *err)
{
	struct check_ctx *cc = ctx;
	int n = prog_judge_rows(db, it->trainee, it->c, &it->w, cc->out, err);

	if (n < 0)
		return -1;
	cc->total += n;
	return 0;
}

int rl_progress_check(struct rl_db *db, json_t *out, struct rl_error *err)
{
	struct check_ctx cc = { out, 0 };

	return sweep(db, check_swept, &cc, err) < 0 ? -1 : cc.total;
}

/*
 * The same check a few trainees at a time, on the calling thread alone
 * (a server that serves meanwhile has no core to spare for workers), one
 * trainee's rows in memory at a time.
 */
int rl_progress_check_batch(struct rl_db *db, int64_t *after, int max, json_t *out, int *checked,
			    struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	int64_t ids[RL_PROGRESS_CHECK_BATCH_MAX];
	struct sweep_item it;
	int n = 0, total = 0, d;

	*checked = 0;
	if (max < 1 || max > RL_PROGRESS_CHECK_BATCH_MAX)
		max = RL_PROGRESS_CHECK_BATCH_MAX;
	if (!tools || rl_rows_progress_enrolled_after(db, *after, max, ids, &n, err) < 0)
		return -1;
	memset(&it, 0, sizeof(it));
	for (int i = 0; i < n; i++) {
		if (sweep_read(db, ids[i], &it, err) < 0)
			goto fail;
		sweep_compute(&it, tools);
		if (!it.ok) {
			*err = it.err;
			memset(&it.err, 0, sizeof(it.err));
			if (!err->status)
				rl_error_internal(err, "computing a trainee's figures failed");
			goto fail;
		}
		if ((d = prog_judge_rows(db, ids[i], it.c, &it.w, out, err)) < 0)
			goto fail;
		total += d;
		sweep_clear(&it, 1);
		*after = ids[i];
		(*checked)++;
	}
	return total;
fail:
	sweep_clear(&it, 1);
	return -1;
}

int rl_progress_check_batch_read(struct rl_db *db, int64_t *after, int max, int *checked, int (*pause)(void),
				 struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	int64_t ids[RL_PROGRESS_CHECK_BATCH_MAX];
	struct sweep_item it;
	int n = 0, rc = 0;

	*checked = 0;
	if (max < 1 || max > RL_PROGRESS_CHECK_BATCH_MAX)
		max = RL_PROGRESS_CHECK_BATCH_MAX;
	if (!tools || rl_db_begin_read(db, err) < 0)
		return -1;
	rc = rl_rows_progress_enrolled_after(db, *after, max, ids, &n, err);
	rl_db_end_read(db);
	if (rc < 0)
		return -1;
	memset(&it, 0, sizeof(it));
	for (int i = 0; i < n && rc == 0; i++) {
		/* The entries in one short read transaction ... */
		if (rl_db_begin_read(db, err) < 0) {
			rc = -1;
			break;
		}
		rc = sweep_read(db, ids[i], &it, err);
		rl_db_end_read(db);
		if (rc < 0)
			break;
		/* ... the figures with none open (where a starved check waits: it holds no snapshot) ... */
		if (pause && pause() != 0)
			break;
		sweep_compute(&it, tools);
		if (!it.ok) {
			*err = it.err;
			memset(&it.err, 0, sizeof(it.err));
			if (!err->status)
				rl_error_internal(err, "computing a trainee's figures failed");
			rc = -1;
			break;
		}
		/* ... and the cached rows in another. */
		if (rl_db_begin_read(db, err) < 0) {
			rc = -1;
			break;
		}
		rc = prog_rows_need_write(db, ids[i], it.c, &it.w, err);
		rl_db_end_read(db);
		if (rc == 0) {
			*after = ids[i];
			(*checked)++;
		}
		sweep_clear(&it, 1);
	}
	sweep_clear(&it, 1);
	return rc;
}
