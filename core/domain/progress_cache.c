/*
 * progress_cache.c - keeping a trainee's cached figures current and
 * honest: the refresh after every change that can move a figure (deltas
 * folded while the seals hold, a full recompute otherwise), the hold a
 * change to their session records takes on the seals first, and the check
 * of one trainee's rows against the ledger that repairs them and names
 * every difference (a reader's repair, rl_progress_verify, the start-up
 * check's judge); see progress.h and progress_impl.h.
 */
#include "base/prelude.h"

#include "domain/progress_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/enrolled.h"
#include "domain/progress_batch.h"
#include "domain/sessions.h"
#include "domain/tally.h"
#include "ledger/ledger.h"
#include "store/tally_rows.h"

void (*rl_progress_drift_hook)(const json_t *item);

/* One difference, told to the hook once the repair that found it is committed (freed either way). */
static void drift_note(void *arg, int committed)
{
	json_t *item = arg;

	if (committed && rl_progress_drift_hook)
		rl_progress_drift_hook(item);
	json_decref(item);
}

void rl_progress_report_drift(struct rl_db *db, const json_t *items)
{
	size_t i;
	json_t *v;

	if (rl_progress_drift_hook)
		json_array_foreach((json_t *)items, i, v)
			rl_writer_after_commit(db, drift_note, json_incref(v));
}

static void drift(json_t *out, int64_t trainee, const char *what, json_t *cache, json_t *ledger)
{
	json_array_append_new(out, json_pack("{s:I,s:s,s:o,s:o}", "trainee", (json_int_t)trainee, "requirement", what,
					     "cache", cache ? cache : json_null(), "ledger", ledger ? ledger : json_null()));
}


/* ------------------------------------------------------ the batch's memo */

/* One trainee in the batch (progress_batch.h).  All zero but the id is the same as no entry. */
struct memo_entry {
	int64_t trainee;                 /* 0: an empty slot */
	const struct rl_curriculum *c;   /* the trainee's curriculum, when has_c (NULL: not enrolled) */
	unsigned char has_c;
	unsigned char checked;           /* the seals held (or the rows were written by us) in this transaction */
	unsigned char dirty;             /* the status row waits for the flush */
	unsigned char has_claims;        /* claims are the trainee's pending claims now, in this transaction */
	unsigned char has_through;       /* the tallies include the ledger through `through`, ahead of the status row */
	unsigned job;                    /* the job that last changed the entry (its copy is in the undo log) */
	unsigned peek;                   /* 1 + the memo.peeks index of the row the flush is to write; 0: none */
	unsigned row;                    /* 1 + the memo.rows index of the status row as last written here; 0: unknown */
	unsigned claimed;                /* 1 + the memo.claims index of the newest claim not yet in trainee_tally; 0: none */
	unsigned char only_logged;       /* since the row `row` names was written, only sessions logged (their claims waiting) */
	int64_t through;
	struct rl_row_progress_claims claims;
};

/*
 * A status row computed for a reader inside the batch (rl_progress_peek)
 * and not written: the flush writes it as it is, unless the trainee
 * changed since (memo_defer drops the entry's peek).  Kept until the end
 * of the batch, so an entry an undo puts back still finds its row.
 */
struct memo_peek {
	struct prog_status r;            /* r.summary owned; r.until unused (the array moves): until, has_until */
	char until[32];
	int has_until;
	json_t *tallies;                 /* the tally rows the row was computed from (rl_tally_load's shape) */
};

/*
 * The summary a status row last got for a trainee, and the tallies it was
 * evaluated from (status_from_memo): the summary is a function of the
 * curriculum and the tallies alone (rl_curriculum_quick_summary), so a
 * refresh after a change that moves none of its figures (a session logged
 * where one was pending already) reuses its text.  An entry never goes
 * stale, it only misses.  Direct-mapped by trainee; kept as long as the
 * memo (across the writer's commits while it is carried).
 */
#define SUMMARY_SLOTS 256

struct summary_memo {
	int64_t trainee;                 /* 0: empty */
	const struct rl_curriculum *c;   /* with its code and version, should another take its address */
	char code[65];
	int version;
	int met, total;
	char *text;                      /* the summary's JSON, as prog_write_status stores it */
	json_t *json;                    /* the same summary parsed, for the memo's rows (memo_row) */
	unsigned char *from;             /* the tallies, as summary_key writes them */
	size_t from_len;
};

/*
 * The status and summary of a trainee's status row as prog_write_status
 * last wrote them on the batch's connection (memo_row_written): what the
 * notification's "before" snapshot reads, without reading and parsing the
 * row again.  Append-only until the batch ends (an undo may put back an
 * entry naming an older one); a carried memo keeps the ones its entries
 * name (memo_carry).
 */
struct memo_row {
	char status[16];
	json_t *summary;                 /* owned */
	json_t *tallies;                 /* owned: the tally rows the row was sealed over (rl_tally_load's shape), or NULL */
	int64_t through, acc_index;      /* the row's ledger_through and accreditation_index */
	int has_until;
	char until[32];                  /* its accredited_until */
};

/*
 * A pending amount of a session logged in the batch, not yet added to
 * trainee_tally (memo_claim_defer): the trainee's tally rows take the sum
 * of theirs once, before anything reads or writes them
 * (memo_claims_settle), instead of one upsert per session.  Append-only
 * within a job; a job rolled back drops the ones it added (memo.jobclaim),
 * and an entry put back by the undo names the older chain again.
 */
struct memo_claim {
	const char *key;                 /* the curriculum's requirement key (lives as long as the curriculum) */
	long long amount;                /* added to its pending */
	unsigned prev;                   /* 1 + the index of the trainee's previous one; 0: none */
};

/* At most this many claims wait in a batch; past it a session's claim goes to the rows at once. */
#define CLAIMS_MAX 65536

/*
 * The batch of the calling thread: one connection's transaction at a time
 * (the writer's thread, the seeder's main thread).  Open addressing by
 * trainee id; the undo log holds each entry as it was before the current
 * job first changed it.
 */
static _Thread_local struct {
	struct rl_db *db;      /* NULL: no batch */
	unsigned job;          /* 0: not in a job (no undo log) */
	int flushing;          /* the flush runs: refreshes write at once */
	int nomem;             /* the undo log could not grow in this job */
	size_t cap, n;
	struct memo_entry *e;
	size_t nundo, capundo;
	struct memo_entry *undo;
	size_t npeek, cappeek;
	struct memo_peek *peeks;
	struct summary_memo *sums; /* SUMMARY_SLOTS, made at the first refresh_sealed */
	size_t nrow, caprow;
	struct memo_row *rows;
	size_t nclaim, capclaim, jobclaim; /* jobclaim: nclaim when the current job started */
	struct memo_claim *claims;
} memo;

static size_t memo_slot(int64_t trainee, size_t cap)
{
	return (size_t)(((uint64_t)trainee * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

static int memo_grow(void)
{
	size_t cap = memo.cap ? memo.cap * 2 : 256;
	struct memo_entry *e = calloc(cap, sizeof(*e));

	if (!e)
		return -1;
	for (size_t i = 0; i < memo.cap; i++) {
		if (!memo.e[i].trainee)
			continue;
		size_t j = memo_slot(memo.e[i].trainee, cap);
		while (e[j].trainee)
			j = (j + 1) & (cap - 1);
		e[j] = memo.e[i];
	}
	free(memo.e);
	memo.e = e;
	memo.cap = cap;
	return 0;
}

/* The trainee's entry in db's batch, made if create; NULL when there is no batch (or no entry, or no memory). */
static struct memo_entry *memo_get(struct rl_db *db, int64_t trainee, int create)
{
	size_t i;

	if (!memo.db || memo.db != db || trainee <= 0)
		return NULL;
	if (memo.cap) {
		for (i = memo_slot(trainee, memo.cap); memo.e[i].trainee; i = (i + 1) & (memo.cap - 1))
			if (memo.e[i].trainee == trainee)
				return &memo.e[i];
	}
	if (!create || ((memo.n + 1) * 2 > memo.cap && memo_grow() < 0))
		return NULL;
	for (i = memo_slot(trainee, memo.cap); memo.e[i].trainee; i = (i + 1) & (memo.cap - 1))
		;
	memset(&memo.e[i], 0, sizeof(memo.e[i]));
	memo.e[i].trainee = trainee;
	memo.n++;
	return &memo.e[i];
}

/* Before the entry changes: keeps it as it was for a rollback of the current job. */
static void memo_touch(struct memo_entry *e)
{
	if (!memo.job || e->job == memo.job)
		return;
	if (memo.nundo == memo.capundo) {
		size_t cap = memo.capundo ? memo.capundo * 2 : 16;
		struct memo_entry *u = realloc(memo.undo, cap * sizeof(*u));

		if (!u) {
			memo.nomem = 1; /* a rollback of this job then forgets every curriculum and check (batch_undo) */
			e->job = memo.job;
			return;
		}
		memo.undo = u;
		memo.capundo = cap;
	}
	memo.undo[memo.nundo++] = *e;
	e->job = memo.job;
}

void rl_progress_batch_begin(struct rl_db *db)
{
	rl_progress_batch_end(NULL);
	memo.db = db;
}

void rl_progress_batch_job(struct rl_db *db)
{
	if (memo.db != db)
		return;
	memo.job++;
	if (!memo.job)
		memo.job = 1;
	memo.nundo = 0;
	memo.nomem = 0;
	memo.jobclaim = memo.nclaim;
}

void rl_progress_batch_undo(struct rl_db *db)
{
	if (memo.db != db)
		return;
	/* Newest first, so an entry changed twice gets its first copy back. */
	while (memo.nundo > 0) {
		struct memo_entry *old = &memo.undo[--memo.nundo], *e = memo_get(db, old->trainee, 0);

		if (e)
			*e = *old;
	}
	/* The job's deferred claims go with its rows (the entries put back name older ones only). */
	memo.nclaim = memo.jobclaim;
	/*
	 * Some change of the job was not logged: nothing checked or looked up
	 * stands (the flush recomputes every marked trainee from the ledger, so
	 * no deferred claim need be kept either).
	 */
	for (size_t i = 0; memo.nomem && i < memo.cap; i++) {
		memo.e[i].checked = memo.e[i].has_c = memo.e[i].has_claims = 0;
		memo.e[i].claimed = 0;
	}
	memo.nomem = 0;
}

void rl_progress_batch_end(struct rl_db *db)
{
	(void)db;
	for (size_t i = 0; i < memo.npeek; i++) {
		json_decref(memo.peeks[i].r.summary);
		json_decref(memo.peeks[i].tallies);
	}
	for (size_t i = 0; memo.sums && i < SUMMARY_SLOTS; i++) {
		free(memo.sums[i].text);
		free(memo.sums[i].from);
		json_decref(memo.sums[i].json);
	}
	free(memo.sums);
	free(memo.peeks);
	for (size_t i = 0; i < memo.nrow; i++) {
		json_decref(memo.rows[i].summary);
		json_decref(memo.rows[i].tallies);
	}
	free(memo.rows);
	free(memo.claims);
	free(memo.e);
	free(memo.undo);
	memset(&memo, 0, sizeof(memo));
}

void rl_progress_batch_forget(struct rl_db *db, int64_t trainee)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	if (e && e->has_c) {
		memo_touch(e);
		e->has_c = 0;
		e->c = NULL;
	}
}

/* The trainee's curriculum: remembered for the batch, else prog_curriculum. */
static const struct rl_curriculum *curriculum_of(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct memo_entry *e = memo_get(db, trainee, 0);
	const struct rl_curriculum *c;

	if (e && e->has_c)
		return e->c;
	c = prog_curriculum(db, trainee, err);
	if (!err->status && (e = memo_get(db, trainee, 1))) {
		memo_touch(e);
		e->c = c;
		e->has_c = 1;
	}
	return c;
}

/* Whether the batch may skip the trainee's seals: checked already in this transaction. */
static int memo_checked(struct rl_db *db, int64_t trainee)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	return e && e->checked;
}

/* The trainee's rows are checked, or were just written and sealed by us. */
static void memo_set_checked(struct rl_db *db, int64_t trainee)
{
	struct memo_entry *e = memo_get(db, trainee, 1);

	if (e && !e->checked) {
		memo_touch(e);
		e->checked = 1;
	}
}

/*
 * Marks the trainee's status row for the flush: 1, or 0 when there is no
 * batch (the caller writes it now).  logged: the change is a session
 * logged, whose claim waits in the memo (the flush may then start from the
 * row it last wrote: refresh_sealed).
 */
static int memo_defer(struct rl_db *db, int64_t trainee, int logged)
{
	struct memo_entry *e;

	if (memo.flushing || !(e = memo_get(db, trainee, 1)))
		return 0;
	if (!logged && e->only_logged) {
		memo_touch(e);
		e->only_logged = 0;
	}
	/* Something changed: a row computed before it (rl_progress_peek) is not the one to write. */
	if (!e->dirty || !e->checked || e->peek) {
		memo_touch(e);
		e->dirty = e->checked = 1;
		e->peek = 0;
	}
	return 1;
}

/* The trainee's pending claims as this transaction has them now, if the batch knows them (else NULL). */
static struct rl_row_progress_claims *memo_claims(struct rl_db *db, int64_t trainee)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	return e && e->has_claims ? &e->claims : NULL;
}

/* The claims just read (a seal check, a write): kept for the batch until the trainee's records change. */
static void memo_claims_keep(struct rl_db *db, int64_t trainee, const struct rl_row_progress_claims *c)
{
	struct memo_entry *e = memo_get(db, trainee, 1);

	if (e) {
		memo_touch(e);
		e->claims = *c;
		e->has_claims = 1;
	}
}

/* The tallies include the ledger through `through` (the seals just said so, or an entry was just folded). */
static void memo_through(struct rl_db *db, int64_t trainee, int64_t through)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	if (e && (!e->has_through || e->through != through)) {
		memo_touch(e);
		e->through = through;
		e->has_through = 1;
	}
}

/* A session just logged (pending, at revision 1) joined the trainee's claims: the batch's copy gains it. */
static void memo_claims_add(struct rl_db *db, int64_t trainee, int64_t session)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	if (e && e->has_claims) {
		memo_touch(e);
		e->claims.n++;
		e->claims.ids += session;
		e->claims.revs += 1;
	}
}

int rl_progress_pending_below(struct rl_db *db, int64_t trainee, long long max)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	return e && e->has_claims && e->claims.n < max;
}

/* The trainee's session records changed in a way not told: the claims are read again when next needed. */
static void memo_claims_drop(struct rl_db *db, int64_t trainee)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	if (e && e->has_claims) {
		memo_touch(e);
		e->has_claims = 0;
	}
}

/* The status row was just written: it says again how far the tallies go, and no computed row waits. */
static void memo_written(struct rl_db *db, int64_t trainee)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	if (e && (e->has_through || e->peek)) {
		memo_touch(e);
		e->has_through = 0;
		e->peek = 0;
	}
}

void prog_memo_row_written(struct rl_db *db, int64_t trainee, const char *status, const struct prog_status *st,
			   const json_t *tallies)
{
	const json_t *summary = st->summary;
	struct memo_entry *e = memo_get(db, trainee, 0);
	struct memo_row *r;
	unsigned k = 0;

	if (!e)
		return;
	if (memo.nrow == memo.caprow) {
		size_t cap = memo.caprow ? memo.caprow * 2 : 64;
		struct memo_row *p = realloc(memo.rows, cap * sizeof(*p));

		if (p) {
			memo.rows = p;
			memo.caprow = cap;
		}
	}
	/* Without memory the row is only not known (the snapshot reads it). */
	if (memo.nrow < memo.caprow && summary && strlen(status) < sizeof(r->status)) {
		r = &memo.rows[memo.nrow];
		snprintf(r->status, sizeof(r->status), "%s", status);
		r->summary = json_incref((json_t *)summary);
		r->tallies = json_incref((json_t *)tallies);
		r->through = st->through;
		r->acc_index = st->acc_index;
		r->has_until = st->until != NULL;
		snprintf(r->until, sizeof(r->until), "%s", st->until ? st->until : "");
		k = (unsigned)++memo.nrow;
	}
	if (e->row != k || e->only_logged != (k && tallies)) {
		memo_touch(e);
		e->row = k;
		e->only_logged = k && tallies;
	}
}

/* 1 with the trainee's status row as this connection last wrote it, when the memo vouches for it; else 0. */
static int memo_row_known(struct rl_db *db, int64_t trainee, char *status, size_t n, json_t **summary)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	if (!e || !e->checked || e->dirty || !e->row)
		return 0;
	snprintf(status, n, "%s", memo.rows[e->row - 1].status);
	*summary = json_incref(memo.rows[e->row - 1].summary);
	return 1;
}

/* What a session logged claims, gathered before it is deferred (memo_claim_defer). */
#define CLAIM_KEYS 32

struct claim_gather {
	const char *key[CLAIM_KEYS];
	long long amount[CLAIM_KEYS];
	size_t n;
	int over;                        /* more contributions than CLAIM_KEYS */
};

static void claim_gather(void *ctx, const char *key, long long amount)
{
	struct claim_gather *g = ctx;

	if (g->n == CLAIM_KEYS) {
		g->over = 1;
		return;
	}
	g->key[g->n] = key;
	g->amount[g->n++] = amount;
}

/*
 * The claims g of a session just logged wait in the batch instead of going
 * to trainee_tally now: 1, or 0 when they cannot (no batch, the flush
 * runs, rows not checked in it, no memory): the caller adds them now.
 */
static int memo_claim_defer(struct rl_db *db, int64_t trainee, const struct claim_gather *g)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	if (memo.flushing || !e || !e->checked || g->over || memo.nclaim + g->n > CLAIMS_MAX)
		return 0;
	if (memo.nclaim + g->n > memo.capclaim) {
		size_t cap = memo.capclaim ? memo.capclaim * 2 : 256;
		struct memo_claim *p;

		while (cap < memo.nclaim + g->n)
			cap *= 2;
		if (!(p = realloc(memo.claims, cap * sizeof(*p))))
			return 0;
		memo.claims = p;
		memo.capclaim = cap;
	}
	memo_touch(e);
	for (size_t i = 0; i < g->n; i++) {
		memo.claims[memo.nclaim] = (struct memo_claim){ g->key[i], g->amount[i], e->claimed };
		e->claimed = (unsigned)++memo.nclaim;
	}
	return 1;
}

/* Adds amount to the pending of the trainee's row for key: an UPDATE when have (the rows as they are) holds it, else an upsert. */
static int claim_write(struct rl_db *db, int64_t trainee, const json_t *have, const char *key, long long amount,
		       struct rl_error *err)
{
	int rc = have && json_object_get(have, key) ? rl_rows_tally_add_pending(db, trainee, key, amount, err) : 0;

	return rc != 0 ? rc : rl_rows_tally_upsert(db, trainee, key, 0, amount, err);
}

/*
 * Adds the trainee's deferred claims to trainee_tally, one write per
 * requirement for all of them: before anything reads or writes the
 * trainee's tally rows in the transaction (every caller of rl_tally_*,
 * the seals, a recompute), so they are always the sum of everything
 * logged.  have: the rows as they are, when known (the keys it holds are
 * updated in place rather than upserted), or NULL.  0, or -1 with err.
 */
static int memo_claims_write(struct rl_db *db, int64_t trainee, const json_t *have, struct rl_error *err)
{
	struct memo_entry *e = memo_get(db, trainee, 0);
	struct claim_gather sum;
	unsigned i;

	if (!e || !e->claimed)
		return 0;
	sum.n = 0;
	for (i = e->claimed; i; i = memo.claims[i - 1].prev) {
		const struct memo_claim *cl = &memo.claims[i - 1];
		size_t k;

		for (k = 0; k < sum.n && strcmp(sum.key[k], cl->key) != 0; k++)
			;
		if (k == sum.n) {
			/* Full: what is gathered goes to the rows, and the sum starts again. */
			if (sum.n == CLAIM_KEYS) {
				for (k = 0; k < sum.n; k++)
					if (sum.amount[k] && claim_write(db, trainee, have, sum.key[k], sum.amount[k], err) < 0)
						return -1;
				sum.n = k = 0;
			}
			sum.key[k] = cl->key;
			sum.amount[k] = 0;
			sum.n++;
		}
		sum.amount[k] += cl->amount;
	}
	for (size_t k = 0; k < sum.n; k++)
		if (sum.amount[k] && claim_write(db, trainee, have, sum.key[k], sum.amount[k], err) < 0)
			return -1;
	/* The rows are now ahead of the tallies the memo's row was sealed over. */
	e = memo_get(db, trainee, 0);
	memo_touch(e);
	e->claimed = 0;
	e->only_logged = 0;
	return 0;
}

static int memo_claims_settle(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	return memo_claims_write(db, trainee, NULL, err);
}

int prog_tally_settle(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	return memo_claims_settle(db, trainee, err);
}

/* ---------------------------------------------------------------- judging */

static int have_tally(void *ctx, const struct rl_row_progress_tally *row)
{
	json_t *have = ctx;

	if (row->signed_n || row->pending_n)
		json_object_set_new(have, row->requirement, json_pack("{s:I,s:I}", "signed", (json_int_t)row->signed_n,
								      "pending", (json_int_t)row->pending_n));
	return 0;
}

/* What compare_status needs while the status row is read. */
struct compare_ctx {
	json_t *out;
	int64_t trainee;
	const struct rl_curriculum *c;
	const struct prog_status *rr;
	int64_t want_cid;
};

static json_t *cell_json_int(const struct rl_row_progress_cell *c)
{
	return c->is_null ? NULL : json_integer(c->i);
}

static void compare_status(void *ctx, const struct rl_row_progress_status *row)
{
	struct compare_ctx *x = ctx;
	const struct prog_status *rr = x->rr;
	json_t *out = x->out;
	int64_t trainee = x->trainee;
	const char *status = row->col[RL_STATUS_STATUS].text, *summary_text = row->col[RL_STATUS_SUMMARY].text;
	const char *until = row->col[RL_STATUS_UNTIL].is_null ? NULL : row->col[RL_STATUS_UNTIL].text;
	int met = (int)row->col[RL_STATUS_MET].i, total = (int)row->col[RL_STATUS_TOTAL].i;
	const struct rl_row_progress_cell *acc = &row->col[RL_STATUS_ACC_INDEX], *through = &row->col[RL_STATUS_THROUGH];
	const struct rl_row_progress_cell *cid = &row->col[RL_STATUS_CURRICULUM];
	json_t *summary = summary_text ? json_loads(summary_text, 0, NULL) : NULL;

	if (!rr->status || !status || strcmp(status, rr->status) != 0)
		drift(out, trainee, "status", status ? json_string(status) : NULL, json_string(rr->status ? rr->status : ""));
	if (met != rr->met)
		drift(out, trainee, "modules_met", json_integer(met), json_integer(rr->met));
	if (total != rr->total)
		drift(out, trainee, "modules_total", json_integer(total), json_integer(rr->total));
	if (!summary || !rr->summary || !json_equal(summary, rr->summary))
		drift(out, trainee, "summary", summary ? json_incref(summary) : summary_text ? json_string(summary_text) : NULL,
		      rr->summary ? json_incref(rr->summary) : NULL);
	if ((until == NULL) != (rr->until == NULL) || (until && strcmp(until, rr->until) != 0))
		drift(out, trainee, "accredited_until", until ? json_string(until) : NULL,
		      rr->until ? json_string(rr->until) : NULL);
	/* What the tallies are kept up to date from (tally.c). */
	if ((acc->is_null ? -1 : acc->i) != rr->acc_index)
		drift(out, trainee, "accreditation_index", cell_json_int(acc),
		      rr->acc_index >= 0 ? json_integer(rr->acc_index) : NULL);
	if ((through->is_null ? -2 : through->i) != rr->through)
		drift(out, trainee, "ledger_through", cell_json_int(through), json_integer(rr->through));
	if ((cid->is_null ? 0 : cid->i) != x->want_cid)
		drift(out, trainee, "curriculum_id", cell_json_int(cid),
		      json_pack("{s:s,s:i}", "code", rl_curriculum_code(x->c), "version", rl_curriculum_version(x->c)));
	json_decref(summary);
}

/* Appends to out what differs between the trainee's cached rows and w; returns how many. */
static int compare_cache(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct prog_rows *w,
			 json_t *out, struct rl_error *err)
{
	json_t *want = json_object(), *have = json_object(), *v;
	size_t before = json_array_size(out);
	struct compare_ctx x = { out, trainee, c, &w->r, 0 };
	const char *key;
	int rc;

	json_object_foreach(w->tally, key, v)
		json_object_set_new(want, key, json_pack("{s:O,s:O}", "signed", json_array_get(v, 0),
							 "pending", json_array_get(v, 1)));
	if (memo_claims_settle(db, trainee, err) < 0 || rl_rows_progress_tallies(db, trainee, have_tally, have, err) < 0)
		goto out;
	json_object_foreach(want, key, v)
		if (!json_equal(v, json_object_get(have, key)))
			drift(out, trainee, key, json_incref(json_object_get(have, key)), json_incref(v));
	json_object_foreach(have, key, v)
		if (!json_object_get(want, key))
			drift(out, trainee, key, json_incref(v), NULL);
	/* The accreditation list's row. */
	if (rl_enrolled_curriculum(db, trainee, &x.want_cid, err) < 0 ||
	    (rc = rl_rows_progress_status(db, trainee, compare_status, &x, err)) < 0)
		goto out;
	if (rc == 0)
		drift(out, trainee, "status", NULL, json_string(w->r.status));
out:
	json_decref(want);
	json_decref(have);
	return err->status ? -1 : (int)(json_array_size(out) - before);
}

int prog_judge_rows(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct prog_rows *w,
		    json_t *out, struct rl_error *err)
{
	struct prog_sealed s;
	int n, bad;

	memset(&s, 0, sizeof(s));
	n = compare_cache(db, trainee, c, w, out, err);
	if (n >= 0 && prog_read_sealed(db, trainee, &s, err) < 0)
		n = -1;
	if (n >= 0) {
		bad = !s.row || !s.status_ok || !s.tally_ok;
		if (n == 0 && bad && s.sealed) {
			drift(out, trainee, "mac", json_string(!s.status_ok && !s.tally_ok ? "status and tally rows"
							      : !s.status_ok ? "status row" : "tally rows"), NULL);
			n = 1;
		}
		if ((n > 0 || bad) && prog_write_cache(db, trainee, c, w, err) < 0)
			n = -1;
	}
	prog_sealed_release(&s);
	return n;
}

int prog_rows_need_write(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct prog_rows *w,
			 struct rl_error *err)
{
	struct prog_sealed s;
	json_t *scratch = json_array();
	int n;

	memset(&s, 0, sizeof(s));
	n = scratch ? compare_cache(db, trainee, c, w, scratch, err) : rl_error_internal(err, "out of memory");
	if (n >= 0 && prog_read_sealed(db, trainee, &s, err) < 0)
		n = -1;
	if (n >= 0)
		n = n > 0 || !s.row || !s.status_ok || !s.tally_ok;
	prog_sealed_release(&s);
	json_decref(scratch);
	return n;
}

/* prog_judge_rows for one trainee, computing the ledger's rows first. */
static int check_one(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, json_t *out,
		     struct rl_error *err)
{
	struct rl_progress p;
	struct prog_rows w;
	int n;

	if (prog_ledger_record(db, trainee, c, &p, err) < 0)
		return -1;
	prog_rows_of_record(&p, rl_rows_progress_last_index(db, trainee, err), &w);
	n = err->status ? -1 : prog_judge_rows(db, trainee, c, &w, out, err);
	if (n >= 0)
		memo_written(db, trainee); /* when it differed, the rows are now the ledger's */
	prog_rows_free(&w);
	rl_progress_release(&p);
	return n;
}

/* A seal found broken while writing: recompute the trainee now and say what differed (rl_progress_drift_hook). */
static int repair_now(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	json_t *out = json_array();
	int n = check_one(db, trainee, c, out, err);

	if (n > 0)
		rl_progress_report_drift(db, out);
	json_decref(out);
	return n < 0 ? -1 : 0;
}

int rl_progress_verify(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	const struct rl_curriculum *c;
	struct prog_sealed s;
	int64_t last;
	int rc, bad;

	/*
	 * Checked once in this batch: the rows changed since only by this code, in
	 * this transaction (a row waiting for the flush is what rl_progress_peek gives).
	 */
	if (memo_checked(db, trainee))
		return 0;
	c = rl_progress_settle(db, trainee, err) < 0 ? NULL : curriculum_of(db, trainee, err);
	if (!c)
		return err->status ? -1 : 0;
	if ((rc = prog_read_sealed(db, trainee, &s, err)) == 0) {
		last = rl_rows_progress_last_index(db, trainee, err);
		bad = !s.row || !s.status_ok || !s.tally_ok || s.through != last;
		rc = err->status ? -1 : bad ? repair_now(db, trainee, c, err) : 0;
		/* The seals held (or the rows were just rebuilt): a change in this batch need not check them again. */
		if (rc == 0) {
			memo_set_checked(db, trainee);
			if (!bad) {
				memo_claims_keep(db, trainee, &s.claims);
				/* (A row that includes no entry yet is caught up by the full recompute, as before.) */
				if (s.through >= 0)
					memo_through(db, trainee, s.through);
			}
		}
	}
	prog_sealed_release(&s);
	return rc;
}

int rl_progress_repair(struct rl_db *db, int64_t trainee, json_t *out, struct rl_error *err)
{
	const struct rl_curriculum *c = rl_progress_settle(db, trainee, err) < 0 ? NULL : curriculum_of(db, trainee, err);

	if (!c)
		return err->status ? -1 : 0;
	return check_one(db, trainee, c, out, err);
}

/* ------------------------------------------------------------- refreshing */

/* The full recompute of one trainee's caches from the ledger. */
static int refresh_full(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	struct rl_progress p;
	struct prog_rows w;
	int64_t through;
	int rc;

	/* (prog_write_cache settles the claims waiting in the batch: the record counts them.) */
	if (prog_ledger_record(db, trainee, c, &p, err) < 0)
		return -1;
	through = rl_rows_progress_last_index(db, trainee, err);
	prog_rows_of_record(&p, through, &w);
	rc = err->status ? -1 : prog_write_cache(db, trainee, c, &w, err);
	if (rc == 0)
		memo_written(db, trainee);
	prog_rows_free(&w);
	rl_progress_release(&p);
	return rc;
}

/* 1 if the trainee's cached rows are there and both seals hold, 0 if a seal fails, 2 if there is no row yet, -1. */
static int seals_hold(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct prog_sealed s;
	int rc = prog_read_sealed(db, trainee, &s, err);

	if (rc == 0)
		rc = !s.row ? 2 : s.status_ok && s.tally_ok;
	/* The claims the seals were checked against are the trainee's now (the batch keeps them). */
	if (rc == 1)
		memo_claims_keep(db, trainee, &s.claims);
	prog_sealed_release(&s);
	return rc;
}

/* The rest of r once its summary, met and total are known: the status, the accreditation, how far. */
static void status_of(const struct rl_row_progress_position *pos, int64_t through, struct prog_status *r)
{
	r->acc_index = pos->acc_index;
	r->until = pos->has_until ? pos->until : NULL;
	r->status = r->acc_index >= 0 ? "accredited" : r->met == r->total ? "eligible" : "in_training";
	r->through = through;
}

/*
 * The status row that the tallies t and the ledger position pos give: the
 * list's row alone, rl_curriculum_summary(rl_curriculum_evaluate())
 * without building the report.  r->summary is the caller's to free;
 * r->until points into pos.  -1 with err.
 */
static int status_from_tallies(const struct rl_curriculum *c, const struct rl_row_progress_position *pos, json_t *t,
			       int64_t through, struct prog_status *r, struct rl_error *err)
{
	memset(r, 0, sizeof(*r));
	r->summary = rl_curriculum_quick_summary(c, rl_tally_lookup, t, &r->met, err);
	if (!r->summary)
		return -1;
	r->total = (int)json_array_size(r->summary);
	status_of(pos, through, r);
	return 0;
}

/*
 * What the summary of tallies t depends on, into *out (malloc'd, *len
 * bytes): each requirement's key, signed amount and whether any is
 * pending (rl_curriculum_assess reads no more; a negative amount, which
 * it refuses, is kept as it is, so it never matches a summary made).
 */
static unsigned char *summary_key(const json_t *t, size_t *len)
{
	size_t cap = 256, n = 0;
	unsigned char *out = malloc(cap);
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)t, key, v) {
		size_t kl = strlen(key) + 1;
		int64_t amounts[2] = { json_integer_value(json_array_get(v, 0)), json_integer_value(json_array_get(v, 1)) };

		if (amounts[1] > 0)
			amounts[1] = 1;
		if (out && n + kl + sizeof(amounts) > cap) {
			unsigned char *grown = realloc(out, cap = 2 * (n + kl + sizeof(amounts)));
			if (!grown)
				free(out);
			out = grown;
		}
		if (!out)
			return NULL;
		memcpy(out + n, key, kl);
		memcpy(out + n + kl, amounts, sizeof(amounts));
		n += kl + sizeof(amounts);
	}
	*len = n;
	return out;
}

/*
 * status_from_tallies with the summary as text, r->summary_text (borrowed
 * from the memo until the next call), and parsed, r->summary (a reference
 * of the caller's): the memo's when t moved none of its figures, else
 * evaluated and kept.  -1 with err.
 */
static int status_from_memo(int64_t trainee, const struct rl_curriculum *c, const struct rl_row_progress_position *pos,
			    json_t *t, int64_t through, struct prog_status *r, struct rl_error *err)
{
	struct summary_memo *m;
	size_t len = 0;
	unsigned char *key;
	json_t *summary;
	char *text;

	memset(r, 0, sizeof(*r));
	if (!memo.sums && !(memo.sums = calloc(SUMMARY_SLOTS, sizeof(*memo.sums))))
		return rl_error_internal(err, "out of memory");
	m = &memo.sums[(size_t)trainee % SUMMARY_SLOTS];
	if (!(key = summary_key(t, &len)))
		return rl_error_internal(err, "out of memory");
	if (m->trainee == trainee && m->c == c && m->version == rl_curriculum_version(c) &&
	    strcmp(m->code, rl_curriculum_code(c)) == 0 && m->from_len == len && memcmp(m->from, key, len) == 0) {
		free(key);
		r->met = m->met;
		r->total = m->total;
		r->summary_text = m->text;
		r->summary = json_incref(m->json);
		status_of(pos, through, r);
		return 0;
	}
	if (!(summary = rl_curriculum_quick_summary(c, rl_tally_lookup, t, &r->met, err))) {
		free(key);
		return -1;
	}
	r->total = (int)json_array_size(summary);
	text = json_dumps(summary, JSON_COMPACT);
	if (!text) {
		json_decref(summary);
		free(key);
		return rl_error_internal(err, "out of memory");
	}
	free(m->text);
	free(m->from);
	json_decref(m->json);
	*m = (struct summary_memo){ .trainee = trainee, .c = c, .version = rl_curriculum_version(c), .met = r->met,
				    .total = r->total, .text = text, .json = summary, .from = key, .from_len = len };
	snprintf(m->code, sizeof(m->code), "%s", rl_curriculum_code(c));
	r->summary_text = m->text;
	r->summary = json_incref(summary);
	status_of(pos, through, r);
	return 0;
}

/*
 * The caches after a change: the ledger entries appended since fold into
 * the tallies (tally.c) and the status row is evaluated from them, or,
 * for a change that is not a plain sum, everything is recomputed.
 * refresh_sealed is refresh() once the seals were checked (the caller may
 * have folded a claim in since: they are resealed here).
 */
/*
 * The trainee's tally rows and position without reading them, when the
 * only change since this connection wrote their status row (in this batch
 * or in one the memo carried from) is sessions logged: the tallies the
 * row was sealed over plus the claims waiting in the memo (added to the
 * rows here, the requirements the row had by UPDATE), the position the
 * row's.  No ledger entry about the trainee came since (the ledger's
 * batch says none in this one; an entry in an earlier one was folded by
 * its flush, which wrote the row).  1 with *out (a reference of the
 * caller's), 0: read them, -1 with err.  When the row is written now (settle_slot) its own object
 * is taken and changed, as the row is about to be replaced: no copy made,
 * none freed when the memo is carried (an undo that puts back an entry
 * naming the old row finds it without tallies, and reads them).
 */
static int tallies_from_row(struct rl_db *db, struct memo_entry *e, struct rl_row_progress_position *pos,
			    json_t **out, struct rl_error *err)
{
	struct memo_row *row = e && e->checked && e->only_logged && !e->has_through && e->row ? &memo.rows[e->row - 1]
											 : NULL;
	unsigned head = e ? e->claimed : 0;
	json_t *t;

	*out = NULL;
	if (!row || !row->tallies || row->through < 0 ||
	    rl_ledger_batch_appended(db, e->trainee, row->through, INT64_MAX) != 0)
		return 0;
	if (memo_claims_write(db, e->trainee, row->tallies, err) < 0)
		return -1;
	if (memo.flushing && !e->peek) {
		t = row->tallies;
		row->tallies = NULL;
	} else if (!(t = json_deep_copy(row->tallies))) {
		return 0;
	}
	/* (The claims are in the rows now; their records stay until the batch ends.) */
	for (unsigned i = head; i; i = memo.claims[i - 1].prev) {
		const struct memo_claim *cl = &memo.claims[i - 1];
		json_t *v = json_object_get(t, cl->key);

		if (v ? json_array_set_new(v, 1, json_integer(json_integer_value(json_array_get(v, 1)) + cl->amount))
		      : json_object_set_new(t, cl->key, json_pack("[I,I]", (json_int_t)0, (json_int_t)cl->amount))) {
			json_decref(t);
			return 0;
		}
	}
	pos->acc_index = row->acc_index;
	pos->through = row->through;
	pos->has_until = row->has_until;
	snprintf(pos->until, sizeof(pos->until), "%s", row->until);
	*out = t;
	return 1;
}

static int refresh_sealed(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	struct rl_row_progress_position pos;
	struct rl_row_progress_claims cl, *known;
	struct memo_entry *e = memo_get(db, trainee, 0);
	struct prog_status r;
	int64_t through = -1;
	json_t *t;
	int rc;

	if ((rc = memo.db == db ? tallies_from_row(db, e, &pos, &t, err) : 0) < 0)
		return -1;
	if (rc == 1) {
		through = pos.through;
	} else {
		if (memo_claims_settle(db, trainee, err) < 0)
			return -1;
		e = memo_get(db, trainee, 0);
		/* A peek in this batch folded the tallies further than the status row says (rl_progress_peek). */
		rc = e && e->has_through ? rl_tally_catch_up_from(db, trainee, c, e->through, &through, err)
					 : rl_tally_catch_up(db, trainee, c, &through, err);
		if (rc < 0)
			return -1;
		if (rc == 1)
			return refresh_full(db, trainee, c, err);
		if ((rc = rl_rows_progress_position(db, trainee, &pos, err)) != 1)
			return rc < 0 ? -1 : refresh_full(db, trainee, c, err);
		if (!(t = rl_tally_load(db, trainee, err)))
			return -1;
	}
	/* In a batch, the summary's text may be the memo's (outside one, nothing would free it). */
	if ((memo.db == db ? status_from_memo(trainee, c, &pos, t, through, &r, err)
			   : status_from_tallies(c, &pos, t, through, &r, err)) < 0) {
		json_decref(t);
		return -1;
	}
	/* The tallies just read are what the tally seal covers: no second read; the claims the batch knows. */
	known = memo_claims(db, trainee);
	if (known)
		cl = *known;
	rc = prog_write_status(db, trainee, c, t, &r, &cl, known != NULL, err);
	if (rc == 0) {
		memo_written(db, trainee);
		if (!known)
			memo_claims_keep(db, trainee, &cl);
	}
	json_decref(t);
	json_decref(r.summary);
	return rc;
}

/* What a refresh does when the seals did not hold (0: repaired and named) or there are no rows (2): now, then checked. */
static int refresh_unsealed(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, int held,
			    struct rl_error *err)
{
	int rc = held < 0 ? -1 : held == 0 ? repair_now(db, trainee, c, err) : refresh_full(db, trainee, c, err);

	if (rc == 0)
		memo_set_checked(db, trainee);
	return rc;
}

static int refresh(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	int rc;

	/* In a batch, rows checked once in it are only ever changed by this code since. */
	if (memo_checked(db, trainee))
		return memo_defer(db, trainee, 0) ? 0 : refresh_sealed(db, trainee, c, err);
	/* Deltas fold into rows only while their seals hold: a tampered row is recomputed, not carried on. */
	if ((rc = seals_hold(db, trainee, err)) != 1)
		return refresh_unsealed(db, trainee, c, rc, err);
	return memo_defer(db, trainee, 0) ? 0 : refresh_sealed(db, trainee, c, err);
}

int rl_progress_refresh(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	const struct rl_curriculum *c = curriculum_of(db, trainee, err);

	memo_claims_drop(db, trainee);
	if (!c)
		return err->status ? -1 : 0;
	return refresh(db, trainee, c, err);
}

/*
 * The seals bind the trainee's pending claims (rl_rows_progress_claims),
 * so a change to their session records is checked against the seals
 * before it is made: 1 the rows hold (or were just repaired), 2 there are
 * none yet, -1.
 */
static int hold(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	int rc;

	if (memo_checked(db, trainee))
		return 1;
	if ((rc = seals_hold(db, trainee, err)) == 0) {
		if (repair_now(db, trainee, c, err) < 0)
			return -1;
		rc = 1;
	}
	if (rc == 1)
		memo_set_checked(db, trainee);
	return rc;
}

int rl_progress_hold(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	const struct rl_curriculum *c = curriculum_of(db, trainee, err);

	if (!c)
		return err->status ? -1 : 0;
	return hold(db, trainee, c, err) < 0 ? -1 : 0;
}

int rl_progress_refresh_held(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	const struct rl_curriculum *c = curriculum_of(db, trainee, err);

	memo_claims_drop(db, trainee);
	if (!c)
		return err->status ? -1 : 0;
	return memo_defer(db, trainee, 0) ? 0 : refresh_sealed(db, trainee, c, err);
}

int rl_progress_decided(struct rl_db *db, int64_t trainee, int64_t session, int64_t revision, int64_t index,
			const struct rl_statement *st, struct rl_error *err)
{
	const struct rl_curriculum *c = curriculum_of(db, trainee, err);
	struct memo_entry *e = memo_get(db, trainee, 0);
	int64_t from;
	int rc;

	/* The claims the batch knows lose this one: no read of them for the seals. */
	if (e && e->has_claims) {
		memo_touch(e);
		e->claims.n--;
		e->claims.ids -= session;
		e->claims.revs -= revision;
	}
	if (!c)
		return err->status ? -1 : 0;
	if (memo_claims_settle(db, trainee, err) < 0)
		return -1;
	e = memo_get(db, trainee, 0);
	/*
	 * Checked in an earlier batch of this run (the memo carried): the status row the flush wrote
	 * says how far the tallies go, and serves when no entry about the trainee came after it but this.
	 */
	if (st && e && e->checked && !e->has_through) {
		if ((rc = rl_rows_tally_through_alone(db, trainee, index, &from, err)) < 0)
			return -1;
		if (rc)
			memo_through(db, trainee, from);
	}
	/*
	 * The decision's entry is the only one about the trainee since what the tallies include (the
	 * ledger's batch appended no other): folded from the statement in hand, so neither the peek nor
	 * the flush reads the entry back and parses it again.
	 */
	if (st && e && e->checked && e->has_through && index > e->through &&
	    rl_ledger_batch_appended(db, trainee, e->through, index) == 0) {
		if ((rc = rl_tally_fold_appended(db, trainee, c, index, st, err)) < 0)
			return -1;
		if (rc == 0)
			memo_through(db, trainee, index);
	}
	return memo_defer(db, trainee, 0) ? 0 : refresh_sealed(db, trainee, c, err);
}

int rl_progress_claim_before(struct rl_db *db, int64_t trainee, int64_t session, struct rl_tally_delta *d,
			     struct rl_error *err)
{
	const struct rl_curriculum *c = curriculum_of(db, trainee, err);
	int rc;

	if (!c)
		return err->status ? -1 : 0;
	if ((rc = hold(db, trainee, c, err)) < 0)
		return -1;
	d->held = rc;
	return session > 0 ? rl_tally_claim(db, c, session, -1, d, NULL, err) : 0;
}

/* The trainee's seals as claim_before left them (d->held), else checked now: 1 held, 0 repaired here, 2 no rows, -1. */
static int held_after(struct rl_db *db, int64_t trainee, const struct rl_tally_delta *d, struct rl_error *err)
{
	return d->held ? d->held : memo_checked(db, trainee) ? 1 : seals_hold(db, trainee, err);
}

int rl_progress_claim_after(struct rl_db *db, int64_t trainee, int64_t session, struct rl_tally_delta *d,
			    struct rl_error *err)
{
	const struct rl_curriculum *c = curriculum_of(db, trainee, err);
	int rc;

	memo_claims_drop(db, trainee);
	if (!c)
		return err->status ? -1 : 0;
	/* Checked before the records changed (claim_before), since the seals bind them. */
	if ((rc = held_after(db, trainee, d, err)) != 1)
		return refresh_unsealed(db, trainee, c, rc, err);
	if (memo_claims_settle(db, trainee, err) < 0 || rl_tally_claim(db, c, session, +1, d, NULL, err) < 0 ||
	    rl_tally_apply(db, trainee, d, err) < 0)
		return -1;
	return memo_defer(db, trainee, 0) ? 0 : refresh_sealed(db, trainee, c, err);
}

int rl_progress_claim_logged(struct rl_db *db, const struct rl_session_new *s, int64_t session,
			     struct rl_tally_delta *d, struct rl_error *err)
{
	const struct rl_curriculum *c = curriculum_of(db, s->trainee, err);
	struct claim_gather g = { .n = 0 };
	int rc;

	/* New: pending, at revision 1, so the claims the batch knows gain it. */
	memo_claims_add(db, s->trainee, session);
	if (!c)
		return err->status ? -1 : 0;
	if ((rc = held_after(db, s->trainee, d, err)) != 1)
		return refresh_unsealed(db, s->trainee, c, rc, err);
	/* Its claim from the fields in hand, not read back; in a batch it waits for the trainee's other claims. */
	if (rl_tally_claim_fields(c, s, claim_gather, &g, err) < 0)
		return -1;
	if (!memo_claim_defer(db, s->trainee, &g)) {
		/* (More requirements than gathered: the row's claim, read back as before.) */
		if (g.over && rl_tally_claim(db, c, session, +1, d, NULL, err) < 0)
			return -1;
		for (size_t i = 0; !g.over && i < g.n; i++)
			rl_tally_add(d, g.key[i], 0, g.amount[i]);
		if (memo_claims_settle(db, s->trainee, err) < 0 || rl_tally_apply(db, s->trainee, d, err) < 0)
			return -1;
	}
	return memo_defer(db, s->trainee, 1) ? 0 : refresh_sealed(db, s->trainee, c, err);
}

/* ------------------------------------------------------ the batch's flush */

/* Writes the row a peek computed (nothing changed since: memo_defer drops it), sealed with the claims now. */
static int write_peek(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct memo_peek *pk,
		      struct rl_error *err)
{
	struct rl_row_progress_claims cl, *known = memo_claims(db, trainee);
	struct prog_status r = pk->r;
	int rc;

	if (known)
		cl = *known;
	/* (None waits: a claim deferred after the peek dropped it.) */
	if (memo_claims_settle(db, trainee, err) < 0)
		return -1;
	r.until = pk->has_until ? pk->until : NULL;
	rc = prog_write_status(db, trainee, c, pk->tallies, &r, &cl, known != NULL, err);
	if (rc == 0) {
		memo_written(db, trainee);
		if (!known)
			memo_claims_keep(db, trainee, &cl);
	}
	return rc;
}

/* Writes the status row of the trainee in slot i of the memo now (the flush, or a settle before a read). */
static int settle_slot(struct rl_db *db, size_t i, struct rl_error *err)
{
	int64_t trainee = memo.e[i].trainee;
	int checked = memo.e[i].checked, flushing = memo.flushing, rc = 0;
	const struct rl_curriculum *c;
	struct memo_entry *e;

	memo.flushing = 1;
	/* (Each way below adds the claims waiting for the trainee to the rows first: memo_claims_settle.) */
	c = curriculum_of(db, trainee, err);
	e = memo_get(db, trainee, 0);
	/* Rows a lost undo could not vouch for are recomputed from the ledger rather than resealed. */
	if (c && checked && e && e->peek)
		rc = write_peek(db, trainee, c, &memo.peeks[e->peek - 1], err);
	else if (c)
		rc = checked ? refresh_sealed(db, trainee, c, err) : refresh_full(db, trainee, c, err);
	else if (err->status)
		rc = -1;
	memo.flushing = flushing;
	if (rc == 0 && (e = memo_get(db, trainee, 0))) {
		memo_touch(e);
		e->dirty = 0;
		e->checked = 1;
	}
	return rc;
}

int rl_progress_settle(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct memo_entry *e = memo_get(db, trainee, 0);

	return e && e->dirty ? settle_slot(db, (size_t)(e - memo.e), err) : 0;
}

int rl_progress_settle_all(struct rl_db *db, struct rl_error *err)
{
	if (memo.db != db)
		return 0;
	/* settle_slot never adds an entry (curriculum_of finds the trainee's), so the slots stay put. */
	for (size_t i = 0; i < memo.cap; i++)
		if (memo.e[i].trainee && memo.e[i].dirty && settle_slot(db, i, err) < 0)
			return -1;
	return 0;
}

/* Keeps a computed row for the flush: its index + 1, or 0 without memory (the flush then computes it again). */
static unsigned peek_keep(const struct prog_status *r, json_t *tallies)
{
	struct memo_peek *pk;

	if (memo.npeek == memo.cappeek) {
		size_t cap = memo.cappeek ? memo.cappeek * 2 : 16;
		struct memo_peek *p = realloc(memo.peeks, cap * sizeof(*p));

		if (!p)
			return 0;
		memo.peeks = p;
		memo.cappeek = cap;
	}
	pk = &memo.peeks[memo.npeek];
	pk->r = *r;
	snprintf(pk->until, sizeof(pk->until), "%s", r->until ? r->until : "");
	pk->has_until = r->until != NULL;
	pk->r.until = NULL;
	pk->r.summary = json_incref(r->summary);
	pk->tallies = json_incref(tallies);
	return (unsigned)++memo.npeek;
}

/* rl_progress_peek of a row that waits for the flush (0: none waits, or it was just written). */
static int peek_dirty(struct rl_db *db, int64_t trainee, char *status, size_t n, json_t **summary,
		      struct rl_error *err)
{
	struct memo_entry *e = memo_get(db, trainee, 0);
	const struct rl_curriculum *c;
	struct rl_row_progress_position pos;
	struct prog_status r;
	int64_t through = -1;
	json_t *t;
	unsigned k;
	int rc;

	*summary = NULL;
	if (!e || !e->dirty)
		return 0;
	/* Rows no check vouches for are rebuilt now, as the flush would. */
	if (!e->checked)
		return rl_progress_settle(db, trainee, err) < 0 ? -1 : 0;
	if (!e->peek) {
		if (!(c = curriculum_of(db, trainee, err)))
			return err->status ? -1 : rl_progress_settle(db, trainee, err) < 0 ? -1 : 0;
		if (memo_claims_settle(db, trainee, err) < 0)
			return -1;
		e = memo_get(db, trainee, 0);
		/* The new ledger entries fold into the tallies now, and the row waits: how far is kept here. */
		rc = e->has_through ? rl_tally_catch_up_from(db, trainee, c, e->through, &through, err)
				    : rl_tally_catch_up(db, trainee, c, &through, err);
		if (rc < 0)
			return -1;
		/* Not a plain sum (or no row): the full recompute writes the row now; read it. */
		if (rc == 1)
			return rl_progress_settle(db, trainee, err) < 0 ? -1 : 0;
		/* Folded: the status row is behind the tallies until the flush writes it. */
		e = memo_get(db, trainee, 0);
		memo_touch(e);
		e->through = through;
		e->has_through = 1;
		if ((rc = rl_rows_progress_position(db, trainee, &pos, err)) != 1)
			return rc < 0 ? -1 : rl_progress_settle(db, trainee, err) < 0 ? -1 : 0;
		if (!(t = rl_tally_load(db, trainee, err)))
			return -1;
		if (status_from_tallies(c, &pos, t, through, &r, err) < 0) {
			json_decref(t);
			return -1;
		}
		k = peek_keep(&r, t);
		json_decref(t);
		json_decref(r.summary);
		e = memo_get(db, trainee, 0);
		memo_touch(e);
		e->peek = k;
		if (!k)
			return rl_progress_settle(db, trainee, err) < 0 ? -1 : 0;
	}
	snprintf(status, n, "%s", memo.peeks[e->peek - 1].r.status);
	*summary = json_incref(memo.peeks[e->peek - 1].r.summary);
	return 1;
}

int rl_progress_peek(struct rl_db *db, int64_t trainee, char *status, size_t n, json_t **summary,
		     struct rl_error *err)
{
	int rc = peek_dirty(db, trainee, status, n, summary, err);

	return rc == 0 ? memo_row_known(db, trainee, status, n, summary) : rc;
}

int rl_progress_batch_flush(struct rl_db *db, struct rl_error *err)
{
	return rl_progress_settle_all(db, err);
}

/* ------------------------------------------ from one commit to the next */

/*
 * The writer's memo outlives its commit when nobody else can have changed
 * a row since: what it knows (each trainee's curriculum, seals checked,
 * pending claims) is what the committed rows hold, written by this code on
 * this connection.  The next batch keeps it only if the connection's
 * rl_db_others_version (read after its BEGIN, under the write lock) is
 * the one this batch read: no other connection or process (a shell, the
 * start-up check's connection, another raslogd) committed in between.  A
 * batch that did not commit, an engine that cannot tell (PostgreSQL) or a
 * memo grown past CARRY_MAX trainees starts the next batch afresh, as
 * every batch did before (issue 18: the seal check read every pending
 * claim of each trainee once per batch).
 */
#define CARRY_MAX 4096

static _Thread_local struct {
	struct rl_db *db;      /* the memo is carried for this connection's next batch (NULL: not) */
	int ok;                /* epoch read in the batch under way */
	uint64_t epoch;
	int committed;         /* the batch under way committed */
} carry;

/* The rows the carried entries name, into an array of their own; the rest dropped (no undo copy names one now). */
static void memo_rows_compact(void)
{
	struct memo_row *keep = NULL;
	size_t n = 0, k = 0;

	for (size_t i = 0; i < memo.cap; i++)
		n += memo.e[i].trainee && memo.e[i].row;
	/* Without memory every row is only not known any more. */
	if (n && !(keep = malloc(n * sizeof(*keep))))
		n = 0;
	for (size_t i = 0; i < memo.cap; i++) {
		struct memo_entry *e = &memo.e[i];

		if (!e->trainee || !e->row)
			continue;
		if (n) {
			keep[k] = memo.rows[e->row - 1];
			memo.rows[e->row - 1].summary = NULL;
			memo.rows[e->row - 1].tallies = NULL;
			e->row = (unsigned)++k;
		} else {
			e->row = 0;
			e->only_logged = 0;
		}
	}
	for (size_t i = 0; i < memo.nrow; i++) {
		json_decref(memo.rows[i].summary);
		json_decref(memo.rows[i].tallies);
	}
	free(memo.rows);
	memo.rows = keep;
	memo.nrow = memo.caprow = k;
}

/* After a committed batch: the memo, flushed, becomes the next batch's start (1), or is not kept (0). */
static int memo_carry(struct rl_db *db)
{
	if (memo.db != db || memo.n > CARRY_MAX)
		return 0;
	for (size_t i = 0; i < memo.cap; i++) {
		struct memo_entry *e = &memo.e[i];

		if (!e->trainee)
			continue;
		if (e->dirty || e->claimed) /* the flush wrote every marked row; anything else is not known to be committed */
			return 0;
		e->job = 0;
		e->peek = 0;
		e->has_through = 0;
	}
	for (size_t i = 0; i < memo.npeek; i++) {
		json_decref(memo.peeks[i].r.summary);
		json_decref(memo.peeks[i].tallies);
	}
	memo.npeek = 0;
	memo.nclaim = memo.jobclaim = 0;
	memo_rows_compact();
	memo.nundo = 0;
	memo.nomem = 0;
	memo.flushing = 0;
	return 1;
}

/* The writer's batch: the caches' (above) and the accreditation list's record of the commit (progress_list.c). */
static void writer_begin(struct rl_db *db)
{
	uint64_t e = 0;
	int ok = rl_db_others_version(db, &e) == 0;

	if (!(carry.db == db && memo.db == db && ok && carry.ok && e == carry.epoch))
		rl_progress_batch_begin(db);
	carry.db = NULL;
	carry.ok = ok;
	carry.epoch = e;
	carry.committed = 0;
	prog_list_batch_begin(db);
}

static void writer_committed(struct rl_db *db, int ok)
{
	carry.committed = ok;
	prog_list_batch_committed(db, ok);
}

static void writer_end(struct rl_db *db)
{
	prog_list_batch_end(db);
	if (carry.committed && carry.ok && memo_carry(db)) {
		carry.db = db;
		return;
	}
	carry.db = NULL;
	rl_progress_batch_end(db);
}

/* The writer stops: the memo it carried goes. */
static void writer_stop(struct rl_db *db)
{
	(void)db;
	carry.db = NULL;
	rl_progress_batch_end(NULL);
}

const struct rl_writer_hooks rl_progress_writer_hooks = {
	.begin = writer_begin,
	.job = rl_progress_batch_job,
	.undo = rl_progress_batch_undo,
	.flush = rl_progress_batch_flush,
	.end = writer_end,
	.commit = prog_list_batch_commit,
	.committed = writer_committed,
	.stop = writer_stop,
};
