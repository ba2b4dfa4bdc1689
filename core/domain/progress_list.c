/*
 * progress_list.c - the accreditation list (GET /accreditation): every
 * trainee's cached status row, checked against its seal and the ledger
 * before it is listed or counted, the header's counts and the trainees'
 * sites, with the per-thread memo that spares the O(trainees) part while
 * the database's data version stands; see progress.h.
 */
#include "base/prelude.h"

#include "domain/progress_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/buf.h"
#include "base/util.h"
#include "domain/users.h"
#include "ledger/writer.h"

/* The list's filters as store/progress_rows.h takes them. */
static void query_of(const struct rl_accreditation_filter *f, const char *today, struct rl_rows_acc_query *q)
{
	const char *sort = f->sort ? f->sort : "name";

	memset(q, 0, sizeof(*q));
	q->today = today;
	q->site = f->site;
	q->curriculum = f->curriculum;
	q->status = f->status;
	q->search = f->search;
	q->sort = strcmp(sort, "-name") == 0 ? RL_ACC_BY_NAME_DESC
		  : strcmp(sort, "progress") == 0 ? RL_ACC_BY_PROGRESS
		  : strcmp(sort, "-progress") == 0 ? RL_ACC_BY_PROGRESS_DESC
		  : strcmp(sort, "status") == 0 ? RL_ACC_BY_STATUS : RL_ACC_BY_NAME;
	q->limit = f->limit + 1;
	q->offset = f->after;
	q->scoped = f->scope != NULL;
	q->scope_id = f->scope ? f->scope->id : 0;
}

struct check_rows_ctx {
	const uint8_t *key;
	json_t *stale;
};

static int check_row(void *ctx, const struct rl_row_progress_check *row)
{
	struct check_rows_ctx *x = ctx;
	uint8_t want[32];
	int ok = !row->missing;

	if (ok) {
		prog_status_mac(x->key, row->trainee, &row->s, &row->claims, want);
		ok = row->s.mac_len == 32 && sodium_memcmp(row->s.mac, want, 32) == 0 &&
		     !row->s.col[RL_STATUS_THROUGH].is_null && row->s.col[RL_STATUS_THROUGH].i == row->last;
	}
	if (!ok)
		json_array_append_new(x->stale, json_integer(row->trainee));
	return 0;
}

/*
 * The list's check: every row it or its counts could read (the trainees
 * the site, search and scope filters leave, which are not cached columns,
 * and any trainee with a row) has a status seal that holds and was
 * computed up to the trainee's last ledger entry, and every enrolled one
 * has a row.  Appends the ids of those that fail to stale.  0, or -1.
 */
static int check_list_rows(struct rl_db *db, const struct rl_accreditation_filter *f, json_t *stale,
			   struct rl_error *err)
{
	struct check_rows_ctx x = { prog_cache_key(db, err), stale };
	struct rl_rows_acc_query q;

	if (!x.key)
		return -1;
	query_of(f, NULL, &q);
	return rl_rows_progress_check_list(db, &q, check_row, &x, err) < 0 ? -1 : 0;
}

int rl_progress_stale_rows(struct rl_db *db, const struct rl_accreditation_filter *f, json_t *stale,
			   struct rl_error *err)
{
	static const struct rl_accreditation_filter all = { 0 };

	return check_list_rows(db, f ? f : &all, stale, err);
}

/* ------------------------------------------------ the writer's commits */

/*
 * What the list's memo needs from the writer (server/cmd_serve.c attaches
 * it; its hooks feed this), kept for the last JOURNAL_COMMITS commits:
 *  - which trainees each commit changed: every row of users,
 *    trainee_status, the ledger (by subject) and sessions (by trainee) its
 *    connection inserted, updated or deleted (store/progress_rows.h
 *    rl_rows_progress_watch, SQLite's preupdate hook), so a memo checked
 *    at one commit is carried to a later one by checking those rows only;
 *  - whether anyone else committed before it: the writer's connection's
 *    rl_db_others_version read after its BEGIN (it holds the write lock
 *    from there to its COMMIT), equal to the previous commit's when no
 *    other connection or process (a shell, `raslogd user add`, the
 *    start-up check's own connection) committed in between;
 *  - where a reader's snapshot stands: seq is twice the number of
 *    commits, odd while one is under way, so a reader that reads it
 *    before and after taking its snapshot, and sees the same even number,
 *    knows the snapshot shows commit seq / 2 and none after it.
 * Anything not known (a commit that failed, more than JOURNAL_IDS
 * trainees in one commit, an engine that cannot tell: PostgreSQL) makes
 * the readers fall back to the full check.  Every field under lock but
 * seq (atomic) and the batch's own ids (the writer thread's alone).
 */
#define JOURNAL_COMMITS 32
#define JOURNAL_IDS 1024
#define JOURNAL_HASH 4096 /* > 2 x JOURNAL_IDS: the batch's ids, deduplicated */

struct commit_rec {
	uint64_t gen;          /* which commit the slot holds (0: none yet, but for slot 0's attach record) */
	int epoch_ok;          /* epoch read and the commit succeeded */
	int ids_ok;            /* ids are every trainee it changed */
	int scope_ok;          /* and it changed nothing else the list's filters read (programmes, curricula) */
	uint64_t epoch;        /* rl_db_others_version in its transaction */
	int n;
	int64_t ids[JOURNAL_IDS];
};

static struct {
	pthread_mutex_t lock;
	_Atomic uint64_t seq;
	uint64_t gen;          /* the writer's commits so far */
	struct commit_rec rec[JOURNAL_COMMITS];
	struct rl_writer *writer;
	int open, open_ok;     /* a batch holds the write lock since after commit open_after, read open_epoch */
	uint64_t open_after, open_epoch;
	/* the batch under way: the writer thread's own */
	int watching;          /* the row watch: 1 installed, -1 the engine cannot */
	int n, overflow, scope_moved;
	int64_t ids[JOURNAL_IDS];
	int64_t hash[JOURNAL_HASH];
} journal = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define REC(g) (&journal.rec[(g) % JOURNAL_COMMITS])

/* The watch's callback: a row of a programme, a member of one or a curriculum changed in the batch. */
static void journal_scope_moved(void *ctx)
{
	(void)ctx;
	journal.scope_moved = 1;
}

/* The watch's callback: a row of trainee id changed in the batch. */
static void journal_touched_one(void *ctx, int64_t id)
{
	size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 52) % JOURNAL_HASH;

	(void)ctx;
	if (id <= 0 || journal.overflow)
		return;
	while (journal.hash[h] && journal.hash[h] != id)
		h = (h + 1) % JOURNAL_HASH;
	if (journal.hash[h])
		return;
	if (journal.n == JOURNAL_IDS) {
		journal.overflow = 1;
		return;
	}
	journal.hash[h] = id;
	journal.ids[journal.n++] = id;
}

void prog_list_batch_begin(struct rl_db *db)
{
	struct rl_error err = RL_ERROR_INIT;
	uint64_t e = 0;
	int ok;

	if (!journal.watching)
		journal.watching = rl_rows_progress_watch(db, journal_touched_one, journal_scope_moved, NULL, &err) == 0 ? 1 : -1;
	rl_error_clear(&err);
	ok = rl_db_others_version(db, &e) == 0;
	journal.n = 0;
	journal.overflow = 0;
	journal.scope_moved = 0;
	memset(journal.hash, 0, sizeof(journal.hash));
	pthread_mutex_lock(&journal.lock);
	journal.open = 1;
	journal.open_ok = ok;
	journal.open_after = journal.gen;
	journal.open_epoch = e;
	pthread_mutex_unlock(&journal.lock);
}

void prog_list_batch_commit(struct rl_db *db)
{
	(void)db;
	journal.seq++;
}

void prog_list_batch_committed(struct rl_db *db, int ok)
{
	struct commit_rec *r;

	(void)db;
	pthread_mutex_lock(&journal.lock);
	r = REC(++journal.gen);
	r->gen = journal.gen;
	r->epoch_ok = journal.open_ok && ok;
	r->epoch = journal.open_epoch;
	r->ids_ok = r->epoch_ok && journal.watching == 1 && !journal.overflow;
	r->scope_ok = r->ids_ok && !journal.scope_moved;
	r->n = r->ids_ok ? journal.n : 0;
	memcpy(r->ids, journal.ids, (size_t)r->n * sizeof(r->ids[0]));
	journal.open = 0;
	pthread_mutex_unlock(&journal.lock);
	journal.seq++;
}

void prog_list_batch_end(struct rl_db *db)
{
	(void)db;
	pthread_mutex_lock(&journal.lock);
	journal.open = 0;
	pthread_mutex_unlock(&journal.lock);
}

struct probe {
	uint64_t gen;
	int exact;
};

/* On the writer's connection, between batches: has anyone else committed since commit p->gen? */
static int probe_others(struct rl_db *db, void *ctx)
{
	struct probe *p = ctx;
	uint64_t e;
	int ok = rl_db_others_version(db, &e) == 0;
	struct commit_rec *r, *next;

	pthread_mutex_lock(&journal.lock);
	r = REC(p->gen);
	next = REC(p->gen + 1);
	if (r->gen != p->gen || !r->epoch_ok)
		p->exact = 0;
	else if (journal.gen == p->gen) /* no batch runs while this does */
		p->exact = ok && e == r->epoch;
	else
		p->exact = next->gen == p->gen + 1 && next->epoch_ok && next->epoch == r->epoch;
	pthread_mutex_unlock(&journal.lock);
	return 0;
}

/* At attach: where the writer's commits start (commit 0: what the database held then). */
static int journal_attach(struct rl_db *db, void *ctx)
{
	uint64_t e;
	int ok = rl_db_others_version(db, &e) == 0;

	(void)ctx;
	pthread_mutex_lock(&journal.lock);
	if (journal.gen == 0) {
		journal.rec[0].gen = 0;
		journal.rec[0].epoch_ok = ok;
		journal.rec[0].epoch = ok ? e : 0;
	}
	pthread_mutex_unlock(&journal.lock);
	return 0;
}

#define PROBE_WAIT_MS 20

/*
 * Whether a snapshot that shows the writer's commit gen and none after it
 * holds exactly what that commit left, i.e. nobody else committed after
 * it before the snapshot was taken: 1 yes, 0 not known to (for good), -1
 * cannot tell now (the writer stayed busy).  Decided by the next commit's
 * record when there is one, by the batch under way when it holds the
 * write lock, and else by asking the writer's connection (rl_writer_probe).
 */
static int journal_exact(uint64_t gen)
{
	struct probe p = { gen, 0 };
	struct rl_writer *w;
	struct commit_rec *r, *next;
	int rc = -1;

	pthread_mutex_lock(&journal.lock);
	w = journal.writer;
	r = REC(gen);
	next = REC(gen + 1);
	if (!w || gen > journal.gen || r->gen != gen || !r->epoch_ok)
		rc = 0;
	else if (gen < journal.gen)
		rc = next->gen == gen + 1 && next->epoch_ok && next->epoch == r->epoch;
	else if (journal.open && journal.open_after == gen && journal.open_ok)
		rc = journal.open_epoch == r->epoch;
	pthread_mutex_unlock(&journal.lock);
	if (rc >= 0)
		return rc;
	return rl_writer_probe(w, probe_others, &p, PROBE_WAIT_MS) == 0 ? p.exact : -1;
}

/*
 * The trainees the writer's commits after from, up to to, changed, when
 * those were the only commits in between (each one's epoch is from's) and
 * each kept its ids (and, with scope, changed no programme or curriculum):
 * a malloc'd array (*n of them; NULL with *n 0 when none), or NULL with
 * *n -1 when the journal cannot say.
 */
static int64_t *journal_ids(uint64_t from, uint64_t to, int scope, long *n)
{
	int64_t *ids = NULL;
	struct commit_rec *r = REC(from);
	size_t total = 0, at = 0;
	int ok;

	pthread_mutex_lock(&journal.lock);
	ok = from < to && to <= journal.gen && to - from < JOURNAL_COMMITS && r->gen == from && r->epoch_ok;
	for (uint64_t g = from + 1; ok && g <= to; g++) {
		ok = REC(g)->gen == g && REC(g)->ids_ok && (!scope || REC(g)->scope_ok) && REC(g)->epoch == r->epoch;
		total += ok ? (size_t)REC(g)->n : 0;
	}
	if (ok && total && !(ids = malloc(total * sizeof(*ids))))
		ok = 0;
	for (uint64_t g = from + 1; ok && total && g <= to; g++) {
		memcpy(ids + at, REC(g)->ids, (size_t)REC(g)->n * sizeof(*ids));
		at += (size_t)REC(g)->n;
	}
	pthread_mutex_unlock(&journal.lock);
	*n = ok ? (long)total : -1;
	return ids;
}

int64_t *prog_list_changed(uint64_t from, uint64_t to, long *n)
{
	if (from == to) {
		*n = 0;
		return NULL;
	}
	return journal_ids(from, to, 1, n);
}

void rl_progress_list_writer(struct rl_writer *w)
{
	struct rl_writer *was;

	pthread_mutex_lock(&journal.lock);
	was = journal.writer;
	journal.writer = w;
	pthread_mutex_unlock(&journal.lock);
	if (w && !was)
		rl_writer_probe(w, journal_attach, NULL, 1000);
}
/* ------------------------------------------------------------- the memo */

/*
 * What the list computed from every trainee's row, reused while the data
 * it was computed from stands: that every cached status row passed the
 * list's check, the header's counts for one filter and day, and the
 * trainees' sites.  Keyed by what names the data a read transaction sees:
 *  - a snapshot holding exactly what the writer's commit G left
 *    (journal_exact; SQLite): MEMO_EXACT | G, in the memo every server
 *    thread shares; a check passed at an earlier such commit is carried
 *    to G by checking only the trainees the commits in between changed;
 *  - PostgreSQL's snapshot number (rl_db_data_version), the same on every
 *    connection: in the shared memo too, every row checked when it moves;
 *  - otherwise (SQLite, after a commit by someone else than the writer)
 *    the connection's data version, in a memo of the thread's own.
 * The shared memo is under shared_lock; a thread that finds another one
 * checking for the same key waits for it, so each commit costs one check,
 * not one per thread.  Kept as text in fixed buffers.
 */
#define MEMO_EXACT (1ull << 63)
#define LIST_MEMO_COUNTS 512
#define LIST_MEMO_SITES 8192
struct list_memo {
	int checked;                 /* every row passed at checked_v */
	uint64_t checked_v;
	int checked_exact;           /* checked_v is MEMO_EXACT | a commit of the writer */
	int counts_ok;
	uint64_t counts_v;
	uint8_t counts_key[16];      /* the filter and day the counts are for */
	char counts[LIST_MEMO_COUNTS];
	int sites_ok;
	uint64_t sites_v;
	char sites[LIST_MEMO_SITES];
	int busy;                    /* shared: a thread is checking for busy_v */
	uint64_t busy_v;
};
static _Atomic unsigned long long checks_every, checks_changed, checks_reused; /* rl_progress_list_stats */
static struct list_memo shared_memo;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t shared_done = PTHREAD_COND_INITIALIZER;
static _Thread_local struct list_memo local_memo;

/* What one pass of the list used from, and computed for, the memo. */
struct list_io {
	int have_v;                  /* v names the data this transaction reads */
	uint64_t v;
	int exact;                   /* v is MEMO_EXACT | a commit of the writer */
	struct list_memo *m;         /* &shared_memo or &local_memo */
	int claimed;                 /* this pass set m->busy */
	int has_from;                /* the shared memo was checked at an earlier exact commit, from */
	uint64_t from;
	uint8_t key[16];
	int used;                    /* something came from the memo */
	char *counts, *sites;        /* computed this pass (malloc'd JSON text) */
};

static void memo_lock(const struct list_io *io)
{
	if (io->m == &shared_memo)
		pthread_mutex_lock(&shared_lock);
}

static void memo_unlock(const struct list_io *io)
{
	if (io->m == &shared_memo)
		pthread_mutex_unlock(&shared_lock);
}

/*
 * Names the data of the read transaction just begun: io->v and io->m.  0,
 * 1 when a commit of the writer was under way (begin again), -1 when
 * nothing names it (reuse nothing).
 */
static int place(struct rl_db *db, struct list_io *io)
{
	static _Thread_local struct {
		int set, exact;
		uint64_t dv, gen;
		time_t retry;        /* the writer stayed busy: not placed; ask again from then */
	} last;
	uint64_t s1 = journal.seq, s2, dv;
	int exact = 0;

	if (rl_db_data_version(db, &dv) < 0)
		return -1;
	s2 = journal.seq;
	io->have_v = 1;
	if (rl_db_data_version_shared(db)) {
		io->v = dv;
		io->m = &shared_memo;
		return 0;
	}
	if (!(last.set && last.dv == dv) || (last.retry && time(NULL) >= last.retry)) {
		/* A snapshot the thread has not placed yet (its connection's version moved). */
		if (s1 != s2 || (s1 & 1))
			return 1;
		exact = journal_exact(s1 / 2);
		/* Busy (waiting for the write lock another connection holds): this thread's own memo
		 * for a second, rather than a wait for the writer on every request. */
		last.set = 1;
		last.dv = dv;
		last.exact = exact > 0;
		last.gen = s1 / 2;
		last.retry = exact < 0 ? time(NULL) + 1 : 0;
	}
	if (last.set && last.dv == dv && last.exact) {
		io->v = MEMO_EXACT | last.gen;
		io->exact = 1;
		io->m = &shared_memo;
	} else {
		io->v = dv;
		io->m = &local_memo;
	}
	return 0;
}

/*
 * 1 when the memo holds that every row passed at io->v.  Otherwise 0, and
 * io->from is the commit an exact shared memo was checked at before
 * io->v's (when io->has_from); the pass checks, having claimed the shared memo's check for
 * io->v unless another key's check was under way (memo_release ends it).
 */
static int memo_claim(struct list_io *io)
{
	struct list_memo *m = io->m;
	int hit;

	memo_lock(io);
	while (m == &shared_memo && m->busy && m->busy_v == io->v)
		pthread_cond_wait(&shared_done, &shared_lock);
	hit = m->checked && m->checked_v == io->v;
	if (!hit && io->exact && m->checked && m->checked_exact && m->checked_v < io->v) {
		io->has_from = 1;
		io->from = m->checked_v & ~MEMO_EXACT;
	}
	if (!hit && m == &shared_memo && !m->busy) {
		m->busy = 1;
		m->busy_v = io->v;
		io->claimed = 1;
	}
	memo_unlock(io);
	return hit;
}

static void memo_release(struct list_io *io)
{
	if (!io->claimed)
		return;
	pthread_mutex_lock(&shared_lock);
	shared_memo.busy = 0;
	pthread_cond_broadcast(&shared_done);
	pthread_mutex_unlock(&shared_lock);
	io->claimed = 0;
}

/* Checks the rows of the trainees the writer changed after commit from: 0 (bad filled), -1 with err, -2 when not known which. */
static int check_changed(struct rl_db *db, uint64_t from, uint64_t to, json_t *bad, struct rl_error *err)
{
	struct check_rows_ctx x = { NULL, bad };
	long n;
	int64_t *ids = journal_ids(from, to, 0, &n);
	int rc = 0;

	if (n < 0)
		return -2;
	if (n > 0 && !(x.key = prog_cache_key(db, err)))
		rc = -1;
	for (long i = 0; rc == 0 && i < n; i++)
		rc = rl_rows_progress_check_one(db, ids[i], check_row, &x, err) < 0 ? -1 : 0;
	free(ids);
	return rc;
}

static void memo_key_part(crypto_generichash_state *h, const char *s)
{
	uint8_t tag = s != NULL;

	crypto_generichash_update(h, &tag, 1);
	if (s)
		crypto_generichash_update(h, (const unsigned char *)s, strlen(s) + 1);
}

/* The counts' key: the filters they depend on (not sort, cursor or status) and the day (lapsed). */
static void counts_key(const struct rl_accreditation_filter *f, const char *today, uint8_t out[16])
{
	crypto_generichash_state h;
	char scope[24];

	snprintf(scope, sizeof(scope), "%lld", f->scope ? (long long)f->scope->id : -1LL);
	crypto_generichash_init(&h, NULL, 0, 16);
	memo_key_part(&h, f->site);
	memo_key_part(&h, f->curriculum);
	memo_key_part(&h, f->search);
	memo_key_part(&h, scope);
	memo_key_part(&h, today);
	crypto_generichash_final(&h, out, 16);
}

/* What this pass computed, into the memo: it holds at io->v (nothing committed while it read). */
static void memo_store(struct list_io *io, int checked_now)
{
	struct list_memo *m = io->m;

	memo_lock(io);
	/* An exact memo only moves on to a later commit (a slow pass of an older one keeps it). */
	if (checked_now && !(m->checked && m->checked_exact && io->exact && m->checked_v > io->v)) {
		m->checked = 1;
		m->checked_v = io->v;
		m->checked_exact = io->exact;
	}
	if (io->counts && strlen(io->counts) < LIST_MEMO_COUNTS) {
		memcpy(m->counts, io->counts, strlen(io->counts) + 1);
		memcpy(m->counts_key, io->key, sizeof(io->key));
		m->counts_v = io->v;
		m->counts_ok = 1;
	}
	if (io->sites && strlen(io->sites) < LIST_MEMO_SITES) {
		memcpy(m->sites, io->sites, strlen(io->sites) + 1);
		m->sites_v = io->v;
		m->sites_ok = 1;
	}
	memo_unlock(io);
}

/* The memo's counts for io's key, or NULL. */
static json_t *memo_counts(struct list_io *io)
{
	struct list_memo *m = io->m;
	json_t *c = NULL;

	memo_lock(io);
	if (m->counts_ok && m->counts_v == io->v && memcmp(m->counts_key, io->key, sizeof(io->key)) == 0)
		c = json_loads(m->counts, 0, NULL);
	memo_unlock(io);
	return c;
}

/* The memo's sites, or NULL. */
static json_t *memo_sites(struct list_io *io)
{
	struct list_memo *m = io->m;
	json_t *s = NULL;

	memo_lock(io);
	if (m->sites_ok && m->sites_v == io->v)
		s = json_loads(m->sites, 0, NULL);
	memo_unlock(io);
	return s;
}

static int list_rows(struct rl_db *db, const struct rl_accreditation_filter *f, struct list_io *io,
		     struct rl_buf *out, struct rl_error *err);

/* One pass of rl_accreditation_list: 0, 1 when it reused the memo and the data moved meanwhile (do it again), -1. */
static int list_once(struct rl_db *db, const struct rl_accreditation_filter *f, json_t *stale, int use_memo,
		     struct rl_buf *out, struct rl_error *err)
{
	static const struct rl_accreditation_filter all = { 0 };
	struct list_io io = { 0 };
	size_t before = json_array_size(stale);
	int checked_now = 0, rc = 0, placed = -1;
	uint64_t v1;

	/* One read transaction: the rows listed and counted are the rows checked. */
	for (int attempt = 0;; attempt++) {
		if (rl_db_begin_read(db, err) < 0)
			return -1;
		if (!use_memo || (placed = place(db, &io)) != 1 || attempt == 3)
			break;
		/* A commit of the writer was under way: begin again once it is done. */
		rl_db_end_read(db);
		usleep(200u << attempt);
	}
	if (placed != 0)
		memset(&io, 0, sizeof(io));
	if (io.have_v && memo_claim(&io)) {
		io.used = 1;
		checks_reused++;
	} else if (io.have_v) {
		json_t *bad = json_array();
		/* Only the rows the writer changed since an exact memo, else every row (a superset of
		 * f's): either way the result holds for any filter until the next commit. */
		if (io.has_from && (rc = check_changed(db, io.from, io.v & ~MEMO_EXACT, bad, err)) != -2)
			checks_changed++;
		else if ((rc = check_list_rows(db, &all, bad, err)) == 0)
			checks_every++;
		if (rc == 0) {
			if (json_array_size(bad) == 0)
				checked_now = 1;
			else
				rc = check_list_rows(db, f, stale, err);
		}
		json_decref(bad);
	} else {
		rc = check_list_rows(db, f, stale, err);
	}
	if (rc == 0) {
		if (json_array_size(stale) > before) {
			rl_error_set(err, RL_E_UNAVAILABLE, "cache-drift", "Cached figures differ from the ledger",
				     "the cached figures of %zu trainee%s (the first is %lld) do not match the signed "
				     "ledger; they are recomputed from it, try again", json_array_size(stale) - before,
				     json_array_size(stale) - before == 1 ? "" : "s",
				     (long long)json_integer_value(json_array_get(stale, before)));
			rc = -1;
		} else {
			rc = list_rows(db, f, &io, out, err);
		}
	}
	if (io.have_v) {
		/* (An exact v was placed in this transaction's snapshot, which SQLite holds to its end.) */
		if (io.exact || (rl_db_data_version(db, &v1) == 0 && v1 == io.v)) {
			/* Nothing committed while this pass read: what it computed holds at io.v. */
			memo_store(&io, checked_now);
		} else if (io.used && rc == 0) {
			/* A commit landed between the version and the rows (PostgreSQL): do it again, reusing nothing. */
			rl_buf_reset(out);
			rc = 1;
		}
	}
	memo_release(&io);
	free(io.counts);
	free(io.sites);
	/* A read transaction: ending it cannot undo anything, so its failure is not the reply's. */
	rl_db_end_read(db);
	return rc < 0 ? -1 : rc;
}

void rl_progress_list_stats(struct rl_list_check_stats *out)
{
	out->every_row = checks_every;
	out->changed_rows = checks_changed;
	out->reused = checks_reused;
	prog_list_sums_stats(&out->sums_same, &out->sums_carried, &out->sums_computed);
}

int rl_accreditation_list(struct rl_db *db, const struct rl_accreditation_filter *f, json_t *stale,
			  struct rl_buf *out, struct rl_error *err)
{
	int rc = list_once(db, f, stale, 1, out, err);

	if (rc == 1)
		rc = list_once(db, f, stale, 0, out, err);
	return rc == 0 ? 0 : -1;
}

struct page_ctx {
	struct rl_buf *out, item;    /* the page; one item, written apart so a bad one is left out whole */
	int n, limit, any;
};

/* The row's summary (JSON text its writer made with json_dumps, sealed with the row) as json_dumps writes it. */
static void put_summary(struct rl_buf *b, const char *summary)
{
	size_t len = summary ? strlen(summary) : 0;
	json_t *j;
	char *text;

	if (len >= 2 && summary[0] == '[' && summary[len - 1] == ']') {
		rl_buf_add(b, summary, len); /* json_dumps(json_loads(t)) is t for what json_dumps wrote */
		return;
	}
	j = summary ? json_loads(summary, 0, NULL) : NULL;
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	rl_buf_puts(b, text ? text : "[]");
	free(text);
	json_decref(j);
}

#define PUT(b, lit) rl_buf_add((b), (lit), sizeof(lit) - 1)

/*
 * One row of the page; 1 (stop) at the row past the page, which says
 * there is a next one.  Written as json_dumps(JSON_COMPACT) writes the
 * object {"id","name","site","curriculum":{"code","version"},"status",
 * "modules_met","modules_total","modules"[,"accredited_until"]}: a row
 * with a string jansson refuses (not UTF-8) is left out, as the tree's
 * json_pack left it out; an accredited_until it refuses, likewise.
 */
static int page_row(void *ctx, const struct rl_row_accreditation *r)
{
	struct page_ctx *x = ctx;
	struct rl_buf *b = &x->item;
	json_t *u;
	int bad = 0;

	if (x->n == x->limit)
		return 1;
	x->n++;
	rl_buf_reset(b);
	PUT(b, "{\"id\":");
	rl_progress_json_int(b, r->id);
	PUT(b, ",\"name\":");
	bad |= rl_progress_json_str(b, r->name);
	PUT(b, ",\"site\":");
	bad |= rl_progress_json_str(b, r->site);
	PUT(b, ",\"curriculum\":{\"code\":");
	bad |= rl_progress_json_str(b, r->code);
	PUT(b, ",\"version\":");
	rl_progress_json_int(b, r->version);
	PUT(b, "},\"status\":");
	bad |= rl_progress_json_str(b, r->status);
	PUT(b, ",\"modules_met\":");
	rl_progress_json_int(b, r->met);
	PUT(b, ",\"modules_total\":");
	rl_progress_json_int(b, r->total);
	PUT(b, ",\"modules\":");
	put_summary(b, r->summary);
	if (r->until && (u = json_string(r->until))) {
		PUT(b, ",\"accredited_until\":");
		rl_progress_json_str(b, r->until);
		json_decref(u);
	}
	rl_buf_putc(b, '}');
	if (bad)
		return 0;
	if (x->any)
		rl_buf_putc(x->out, ',');
	rl_buf_add(x->out, b->data, b->len);
	x->any = 1;
	return 0;
}

static void count_row(void *ctx, const char *status, int64_t n)
{
	json_object_set_new(ctx, status, json_integer(n));
}

/* v (the counts' or sites' JSON) as the member key of out, as json_dumps writes it; takes v.  0, or -1 with err. */
static int put_member(struct rl_buf *out, const char *key, json_t *v, struct rl_error *err)
{
	char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;

	json_decref(v);
	if (!text)
		return err->status ? -1 : rl_error_internal(err, "writing the list: out of memory");
	rl_buf_printf(out, ",\"%s\":", key);
	rl_buf_puts(out, text);
	free(text);
	return 0;
}

/* The page, its counts and the sites, as json_dumps wrote the tree {"items","next_cursor","counts","sites"}. */
static int list_rows(struct rl_db *db, const struct rl_accreditation_filter *f, struct list_io *io,
		     struct rl_buf *out, struct rl_error *err)
{
	struct page_ctx page = { .out = out, .item = RL_BUF_INIT, .limit = f->limit };
	struct rl_rows_acc_query q;
	char today[11];
	json_t *counts = NULL, *sites;
	int rc;

	rl_format_date(rl_today(), today);
	query_of(f, today, &q);
	PUT(out, "{\"items\":[");
	rc = rl_rows_accreditation_page(db, &q, page_row, &page, err);
	rl_buf_release(&page.item);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		PUT(out, "],\"next_cursor\":\"");
		rl_progress_json_int(out, (long long)(f->after + f->limit));
		rl_buf_putc(out, '"');
	} else {
		PUT(out, "],\"next_cursor\":null");
	}
	counts_key(f, today, io->key);
	if (io->exact) {
		/* At a commit of the writer: carried across its commits (progress_list_sums.c). */
		if (!(counts = prog_list_sums_counts(db, &q, io->key, io->v & ~MEMO_EXACT, err)))
			return -1;
	} else if (io->have_v && (counts = memo_counts(io))) {
		io->used = 1;
	} else if ((counts = json_pack("{s:i,s:i,s:i,s:i}", "in_training", 0, "eligible", 0, "accredited", 0, "lapsed", 0)) &&
		   rl_rows_accreditation_counts(db, &q, count_row, counts, err) == 0) {
		if (io->have_v)
			io->counts = json_dumps(counts, JSON_COMPACT);
	}
	if (put_member(out, "counts", counts, err) < 0)
		return -1;
	/* The values the site filter matches (trainees' home sites), for the page's site options. */
	if (io->exact) {
		sites = prog_list_sums_sites(db, io->v & ~MEMO_EXACT, err);
	} else if (io->have_v && (sites = memo_sites(io))) {
		io->used = 1;
	} else if ((sites = rl_trainee_sites(db, err)) && io->have_v) {
		io->sites = json_dumps(sites, JSON_COMPACT);
	}
	if (!sites || put_member(out, "sites", sites, err) < 0)
		return -1;
	rl_buf_putc(out, '}');
	return rl_buf_failed(out) ? rl_error_internal(err, "writing the list: out of memory") : 0;
}
