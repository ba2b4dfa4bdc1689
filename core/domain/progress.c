/*
 * progress.c - progress reports from the ledger, the caches behind the
 * accreditation list (rebuilt and checked against the ledger), and the
 * curriculum cache; see progress.h.
 */
#include "base/prelude.h"

#include "domain/progress.h"
#include "domain/sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "base/pool.h"
#include "base/util.h"
#include "domain/figures.h"
#include "domain/tally.h"
#include "domain/users.h"
#include "ledger/ledger.h"

/* ------------------------------------------------------ the ledger's view */

/*
 * The trainee's curriculum, or NULL (and no error) when not enrolled: the
 * version their latest enrolment statement in the ledger names, as
 * `raslog audit` reads it; users.curriculum_id only for a trainee with no
 * enrolment statement (a database not yet backfilled by `raslogd init`).
 */
static const struct rl_curriculum *trainee_curriculum(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " RL_ENROLLED_ON_SQL " FROM users u WHERE u.id = ?", err);
	int64_t cid = 0;

	if (!st)
		return NULL;
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) == RL_ROW)
		cid = rl_col_int64(st, 0);
	rl_reset(st);
	return cid ? rl_curriculum_by_id(db, cid, err) : NULL;
}

/*
 * One ledger row as rl_figures reads it, {"index","statement"}, or NULL
 * when the message is not a statement (the verifier names it).
 */
static json_t *entry_of(int64_t idx, const char *m, size_t len)
{
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	json_t *stmt;

	if (!m || len < plen || memcmp(m, RL_STATEMENT_PREFIX, plen) != 0 ||
	    !(stmt = json_loadb(m + plen, len - plen, 0, NULL)))
		return NULL;
	return json_pack("{s:I,s:o}", "index", (json_int_t)idx, "statement", stmt);
}

/*
 * The ledger entries about the trainee, parsed: [{"index","statement"}].
 * subject_id only narrows the read; rl_figures checks every statement
 * names the trainee, so a changed subject_id can hide evidence, never add
 * any (and the ledger's rows cannot be changed: schema/004).
 */
static json_t *trainee_entries(struct rl_db *db, int64_t trainee, uint64_t *count, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT idx, message FROM ledger WHERE subject_id = ? ORDER BY idx", err);
	json_t *out, *entry;
	int rc;

	if (!st)
		return NULL;
	out = json_array();
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW) {
		if (!(entry = entry_of(rl_col_int64(st, 0), rl_col_text(st, 1), (size_t)rl_col_bytes(st, 1))))
			continue;
		json_array_append_new(out, entry);
		if (count)
			(*count)++;
	}
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(out);
		rl_db_fail(db, err, "reading the trainee's ledger entries");
		return NULL;
	}
	return out;
}

/* The trainee's pending claims (unsigned session records), as rl_figures takes them. */
static json_t *trainee_pending(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, trainer_id, date, minutes, activity, platform, role, steps "
					  "FROM sessions WHERE trainee_id = ? AND status = 'pending' ORDER BY date, id", err);
	json_t *out;
	int rc;

	if (!st)
		return NULL;
	out = json_array();
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW) {
		json_t *s = json_pack("{s:I,s:I,s:I,s:s,s:I,s:s,s:s}", "id", (json_int_t)rl_col_int64(st, 0),
				      "trainee", (json_int_t)trainee, "trainer", (json_int_t)rl_col_int64(st, 1),
				      "date", rl_db_col_text(st, 2), "minutes", (json_int_t)rl_col_int64(st, 3),
				      "activity", rl_db_col_text(st, 4), "status", "pending");
		if (!rl_col_is_null(st, 5))
			json_object_set_new(s, "platform", json_string(rl_db_col_text(st, 5)));
		if (!rl_col_is_null(st, 6))
			json_object_set_new(s, "role", json_string(rl_db_col_text(st, 6)));
		if (!rl_col_is_null(st, 7))
			json_object_set_new(s, "steps", json_loads(rl_db_col_text(st, 7), 0, NULL));
		json_array_append_new(out, s);
	}
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(out);
		rl_db_fail(db, err, "reading the trainee's pending sessions");
		return NULL;
	}
	return out;
}

static json_t *figures_of(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, uint64_t *count,
			  struct rl_error *err)
{
	json_t *entries = trainee_entries(db, trainee, count, err), *pending = NULL, *ev = NULL;
	const struct rl_tools *tools = rl_tools_default(err);
	char today[11];

	if (entries && tools && (pending = trainee_pending(db, trainee, err))) {
		rl_format_date(rl_today(), today);
		ev = rl_figures(c, tools, trainee, entries, pending, today, err);
	}
	json_decref(entries);
	json_decref(pending);
	return ev;
}

json_t *rl_progress_figures(struct rl_db *db, int64_t trainee, uint64_t *statements, struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);

	if (!c) {
		if (!err->status)
			rl_error_set(err, RL_E_CONFLICT, "not-enrolled", NULL, "trainee %lld is not enrolled on a curriculum",
				     (long long)trainee);
		return NULL;
	}
	return figures_of(db, trainee, c, statements, err);
}

/* ----------------------------------------------------------------- caches */

/* The cached rows the figures give: per requirement (signed, pending), and the list's row. */
struct cache_row {
	const char *status;
	int met, total;
	json_t *summary;
	const char *until;
	int64_t acc_index;  /* the live accreditation's ledger index, or -1 */
	int64_t through;    /* the last ledger index about the trainee the figures include, or -1 */
};

/* The last ledger index about the trainee (what figures_of read up to), or -1. */
static int64_t last_index_about(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT coalesce(max(idx), -1) FROM ledger WHERE subject_id = ?", err);
	int64_t v = -1;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) == RL_ROW)
		v = rl_col_int64(st, 0);
	rl_reset(st);
	return v;
}

static void cache_row_of(const json_t *ev, struct cache_row *r)
{
	const json_t *acc = json_object_get(ev, "accreditation");

	r->status = acc ? "accredited" : json_string_value(json_object_get(ev, "evaluated_status"));
	r->met = (int)json_integer_value(json_object_get(ev, "modules_met"));
	r->total = (int)json_integer_value(json_object_get(ev, "modules_total"));
	r->summary = rl_curriculum_summary(ev);
	r->until = acc ? json_string_value(json_object_get(acc, "valid_until")) : NULL;
	r->acc_index = acc ? json_integer_value(json_object_get(acc, "ledger_index")) : -1;
	r->through = -1;
}

/* Writes the accreditation list's row of the trainee from r. */
static int write_status(struct rl_db *db, int64_t trainee, const struct cache_row *r, struct rl_error *err)
{
	char *text = json_dumps(r->summary ? r->summary : json_array(), JSON_COMPACT), now[21];
	struct rl_stmt *st;

	rl_now_rfc3339(now);
	/* curriculum_id: what the figures were measured against, so the list need not look it up per trainee. */
	st = rl_db_stmt(db, "INSERT OR REPLACE INTO trainee_status(trainee_id, status, modules_met, modules_total, "
			    "summary, accredited_until, updated_at, ledger_through, accreditation_index, curriculum_id) "
			    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,(SELECT " RL_ENROLLED_ON_SQL " FROM users u WHERE u.id = ?1))", err);
	if (st) {
		rl_bind_int64(st, 1, trainee);
		rl_bind_text(st, 2, r->status ? r->status : "in_training", -1);
		rl_bind_int(st, 3, r->met);
		rl_bind_int(st, 4, r->total);
		rl_bind_text(st, 5, text ? text : "[]", -1);
		rl_db_bind_text(st, 6, r->until);
		rl_bind_text(st, 7, now, -1);
		rl_bind_int64(st, 8, r->through);
		if (r->acc_index >= 0)
			rl_bind_int64(st, 9, r->acc_index);
		else
			rl_bind_null(st, 9);
		if (rl_step(st) != RL_DONE)
			rl_db_fail(db, err, "storing a trainee's status");
		rl_reset(st);
	}
	free(text);
	return err->status ? -1 : 0;
}

/* Every cached row of one trainee: the tallies and the accreditation list's row. */
struct cache_rows {
	json_t *tally;      /* requirement key -> [signed, pending], the keys with an amount */
	struct cache_row r; /* r.summary owned */
};

static void cache_rows_free(struct cache_rows *w)
{
	json_decref(w->tally);
	json_decref(w->r.summary);
	w->tally = w->r.summary = NULL;
}

/* The rows from a report (rl_figures); through: the last ledger index about the trainee it includes. */
static void rows_of_report(const json_t *ev, int64_t through, struct cache_rows *w)
{
	json_t *mod, *req;
	size_t i, j;

	w->tally = json_object();
	json_array_foreach(json_object_get(ev, "modules"), i, mod)
		json_array_foreach(json_object_get(mod, "requirements"), j, req) {
			json_int_t s = json_integer_value(json_object_get(req, "signed")),
				   p = json_integer_value(json_object_get(req, "pending"));
			if (s || p)
				json_object_set_new(w->tally, json_string_value(json_object_get(req, "key")),
						    json_pack("[I,I]", s, p));
		}
	cache_row_of(ev, &w->r);
	w->r.through = through;
}

/*
 * The same rows from rl_figures_tallies, without the report: the list's
 * row as refresh() writes it (rl_curriculum_quick_summary).  f must
 * outlive w (w->r.until points into it).  0, or -1 with err.
 */
static int rows_of_tallies(const struct rl_curriculum *c, const struct rl_figures_tallies *f, int64_t through,
			   struct cache_rows *w, struct rl_error *err)
{
	const char *key;
	json_t *v;

	w->tally = json_object();
	json_object_foreach(f->sig, key, v) {
		json_int_t p = json_integer_value(json_object_get(f->pen, key));
		if (json_integer_value(v) || p)
			json_object_set_new(w->tally, key, json_pack("[I,I]", json_integer_value(v), p));
	}
	json_object_foreach(f->pen, key, v)
		if (!json_object_get(f->sig, key) && json_integer_value(v))
			json_object_set_new(w->tally, key, json_pack("[I,I]", (json_int_t)0, json_integer_value(v)));
	if (!(w->r.summary = rl_curriculum_quick_summary(c, rl_figures_lookup, (void *)f, &w->r.met, err)))
		return -1;
	w->r.total = (int)json_array_size(w->r.summary);
	w->r.acc_index = f->acc_index;
	w->r.status = f->acc_index >= 0 ? "accredited" : w->r.met == w->r.total ? "eligible" : "in_training";
	w->r.until = f->acc_index >= 0 && f->has_until ? f->acc_until : NULL;
	w->r.through = through;
	return 0;
}

/*
 * Writes every cached row of one trainee: the one place the rebuild, the
 * start-up check and a full refresh write the caches.
 */
static int write_cache(struct rl_db *db, int64_t trainee, const struct cache_rows *w, struct rl_error *err)
{
	const char *key;
	json_t *v;
	struct rl_stmt *st;

	if (!(st = rl_db_stmt(db, "DELETE FROM trainee_tally WHERE trainee_id = ?", err)))
		return -1;
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) != RL_DONE) {
		rl_reset(st);
		return rl_db_fail(db, err, "clearing progress totals");
	}
	rl_reset(st);
	json_object_foreach(w->tally, key, v) {
		if (!(st = rl_db_stmt(db, "INSERT INTO trainee_tally(trainee_id, requirement, signed, pending) "
					  "VALUES (?,?,?,?)", err)))
			return -1;
		rl_bind_int64(st, 1, trainee);
		rl_bind_text(st, 2, key, -1);
		rl_bind_int64(st, 3, json_integer_value(json_array_get(v, 0)));
		rl_bind_int64(st, 4, json_integer_value(json_array_get(v, 1)));
		if (rl_step(st) != RL_DONE) {
			rl_reset(st);
			return rl_db_fail(db, err, "storing progress totals");
		}
		rl_reset(st);
	}
	return write_status(db, trainee, &w->r, err);
}

/* The full recompute of one trainee's caches from the ledger. */
static int refresh_full(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	json_t *ev = figures_of(db, trainee, c, NULL, err);
	struct cache_rows w;
	int64_t through;
	int rc;

	if (!ev)
		return -1;
	through = last_index_about(db, trainee, err);
	rows_of_report(ev, through, &w);
	rc = err->status ? -1 : write_cache(db, trainee, &w, err);
	cache_rows_free(&w);
	json_decref(ev);
	return rc;
}

/* The trainee's status row as the caches have it: accreditation, or r->acc_index -1; 0, 1 when there is none, -1. */
static int read_status(struct rl_db *db, int64_t trainee, struct cache_row *r, char until[32], struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT accreditation_index, accredited_until, ledger_through "
					  "FROM trainee_status WHERE trainee_id = ?", err);
	int rc;

	r->acc_index = -1;
	r->until = NULL;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		if (!rl_col_is_null(st, 0))
			r->acc_index = rl_col_int64(st, 0);
		if (!rl_col_is_null(st, 1)) {
			snprintf(until, 32, "%s", rl_db_col_text(st, 1));
			r->until = until;
		}
		r->through = rl_col_is_null(st, 2) ? -1 : rl_col_int64(st, 2);
	}
	rl_reset(st);
	if (rc != RL_ROW && rc != RL_DONE)
		return rl_db_fail(db, err, "reading a trainee's status");
	return rc == RL_ROW ? 0 : 1;
}

/* rl_curriculum_evaluate over the cached tallies: O(requirements). */
static json_t *evaluate_tallies(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	json_t *t = rl_tally_load(db, trainee, err), *ev;

	if (!t)
		return NULL;
	ev = rl_curriculum_evaluate(c, rl_tally_lookup, t, err);
	json_decref(t);
	return ev;
}

/*
 * The caches after a change: the ledger entries appended since fold into
 * the tallies (tally.c) and the status row is evaluated from them, or,
 * for a change that is not a plain sum, everything is recomputed.
 */
static int refresh(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	struct cache_row r;
	int64_t through = -1;
	char until[32];
	json_t *t;
	int rc = rl_tally_catch_up(db, trainee, c, &through, err);

	if (rc < 0)
		return -1;
	if (rc == 1)
		return refresh_full(db, trainee, c, err);
	if ((rc = read_status(db, trainee, &r, until, err)) != 0)
		return rc < 0 ? -1 : refresh_full(db, trainee, c, err);
	if (!(t = rl_tally_load(db, trainee, err)))
		return -1;
	/* The list's row alone: rl_curriculum_summary(rl_curriculum_evaluate()) without building the report. */
	r.summary = rl_curriculum_quick_summary(c, rl_tally_lookup, t, &r.met, err);
	json_decref(t);
	if (!r.summary)
		return -1;
	r.total = (int)json_array_size(r.summary);
	r.status = r.acc_index >= 0 ? "accredited" : r.met == r.total ? "eligible" : "in_training";
	r.through = through;
	rc = write_status(db, trainee, &r, err);
	json_decref(r.summary);
	return rc;
}

int rl_progress_refresh(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);

	if (!c)
		return err->status ? -1 : 0;
	return refresh(db, trainee, c, err);
}

int rl_progress_claim_before(struct rl_db *db, int64_t trainee, int64_t session, struct rl_tally_delta *d,
			     struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);

	if (!c)
		return err->status ? -1 : 0;
	return rl_tally_claim(db, c, session, -1, d, NULL, err);
}

int rl_progress_claim_after(struct rl_db *db, int64_t trainee, int64_t session, struct rl_tally_delta *d,
			    struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);

	if (!c)
		return err->status ? -1 : 0;
	if (rl_tally_claim(db, c, session, +1, d, NULL, err) < 0 || rl_tally_apply(db, trainee, d, err) < 0)
		return -1;
	return refresh(db, trainee, c, err);
}

/* Every enrolled trainee, ascending. */
static json_t *enrolled_trainees(struct rl_db *db, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM users WHERE (roles & 1) AND curriculum_id IS NOT NULL "
					  "ORDER BY id", err);
	json_t *ids;
	int rc;

	if (!st)
		return NULL;
	ids = json_array();
	while ((rc = rl_step(st)) == RL_ROW)
		json_array_append_new(ids, json_integer(rl_col_int64(st, 0)));
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(ids);
		rl_db_fail(db, err, "listing trainees");
		return NULL;
	}
	return ids;
}

/*
 * Every enrolled trainee's figures from the ledger, for `raslogd rebuild`
 * and the start-up check (issue 18).  The calling thread does all the
 * database work on its one connection, with prepared statements reused:
 * it reads a batch of trainees' ledger rows (raw, by the subject index, in
 * index order) and pending claims, and applies the results of the batch
 * before in trainee order.  Parsing the statements and computing the
 * figures the caches keep (rl_figures_tallies: rl_figures' walk without the
 * report and its evidence lists), independent per trainee, run meanwhile
 * on worker threads, one per core, so the figures of batch k are computed
 * while batch k-1 is written and batch k+1 read.  Memory holds two
 * batches, whatever the ledger's size.
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
	struct cache_rows w;   /* the rows from them (worker) */
	int ok;                /* 1: f and w are set; 0: err says why not (worker) */
	struct rl_error err;
};

static void sweep_compute(struct sweep_item *it, const struct rl_tools *tools)
{
	json_t *entries = json_array(), *entry;

	for (size_t i = 0; i < it->nrows; i++)
		if ((entry = entry_of(it->rows[i].idx, it->text + it->rows[i].off, it->rows[i].len))) {
			json_array_append_new(entries, entry);
			it->statements++;
		}
	it->ok = rl_figures_tallies(it->c, tools, it->trainee, entries, it->pending, &it->f, &it->err) == 0 &&
		 rows_of_tallies(it->c, &it->f, it->through, &it->w, &it->err) == 0;
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
		cache_rows_free(&items[i].w);
		rl_error_clear(&items[i].err);
		memset(&items[i], 0, sizeof(items[i]));
	}
}

/* Reads one trainee's raw ledger rows and pending claims into it; 0 or -1 with err. */
static int sweep_read(struct rl_db *db, int64_t trainee, struct sweep_item *it, struct rl_error *err)
{
	struct rl_stmt *st;
	int rc;

	it->trainee = trainee;
	it->through = -1;
	if (!(it->c = trainee_curriculum(db, trainee, err))) {
		if (!err->status)
			rl_error_set(err, RL_E_INTERNAL, "no-curriculum", NULL,
				     "trainee %lld is enrolled on no curriculum the database holds", (long long)trainee);
		return -1;
	}
	if (!(st = rl_db_stmt(db, "SELECT idx, message FROM ledger WHERE subject_id = ? ORDER BY idx", err)))
		return -1;
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW) {
		const char *m = rl_col_text(st, 1);
		size_t len = m ? (size_t)rl_col_bytes(st, 1) : 0;

		it->through = rl_col_int64(st, 0);
		if (it->nrows == it->rcap) {
			size_t cap = it->rcap ? 2 * it->rcap : 64;
			void *more = realloc(it->rows, cap * sizeof(*it->rows));
			if (!more)
				break;
			it->rows = more;
			it->rcap = cap;
		}
		if (it->tlen + len > it->tcap) {
			size_t cap = it->tcap ? 2 * it->tcap : 64 * 1024;
			char *more;
			while (cap < it->tlen + len)
				cap *= 2;
			if (!(more = realloc(it->text, cap)))
				break;
			it->text = more;
			it->tcap = cap;
		}
		if (len)
			memcpy(it->text + it->tlen, m, len);
		it->rows[it->nrows].idx = it->through;
		it->rows[it->nrows].off = it->tlen;
		it->rows[it->nrows++].len = len;
		it->tlen += len;
	}
	rl_reset(st);
	if (rc == RL_ROW) {
		rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory reading the ledger");
		return -1;
	}
	if (rc != RL_DONE)
		return rl_db_fail(db, err, "reading the trainee's ledger entries");
	return (it->pending = trainee_pending(db, trainee, err)) ? 0 : -1;
}

/* What a sweep does with one trainee's figures (on the calling thread, in trainee order): 0 or -1 with err. */
typedef int (*sweep_apply_fn)(struct rl_db *db, struct sweep_item *it, void *ctx, struct rl_error *err);

static int sweep(struct rl_db *db, sweep_apply_fn apply, void *ctx, struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	json_t *ids = tools ? enrolled_trainees(db, err) : NULL;
	struct sweep_item *a = calloc(SWEEP_BATCH, sizeof(*a)), *b = calloc(SWEEP_BATCH, sizeof(*b)), *tmp;
	struct rl_pool *pool = rl_pool_new(-1);
	/* Each array keeps its batch description; the two swap roles together. */
	struct sweep_batch xa = { a, tools }, xb = { b, tools }, *ba = &xa, *bb = &xb, *tb;
	size_t total = json_array_size(ids), next = 0, na = 0, nb;
	int rc = -1;

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
	return write_cache(db, it->trainee, &it->w, err);
}

int rl_progress_rebuild(struct rl_db *db, struct rl_rebuild_stats *stats, struct rl_error *err)
{
	struct rl_stmt *st;

	memset(stats, 0, sizeof(*stats));
	if (rl_db_exec(db, "DELETE FROM trainee_tally; DELETE FROM trainee_status;", err) < 0 ||
	    sweep(db, rebuild_one, stats, err) < 0)
		return -1;
	if ((st = rl_db_stmt(db, "SELECT count(*) FROM ledger", err))) {
		if (rl_step(st) == RL_ROW)
			stats->ledger_entries = (uint64_t)rl_col_int64(st, 0);
		rl_reset(st);
	}
	return err->status ? -1 : 0;
}

static void drift(json_t *out, int64_t trainee, const char *what, json_t *cache, json_t *ledger)
{
	json_array_append_new(out, json_pack("{s:I,s:s,s:o,s:o}", "trainee", (json_int_t)trainee, "requirement", what,
					     "cache", cache ? cache : json_null(), "ledger", ledger ? ledger : json_null()));
}

/* Appends to out what differs between the trainee's cached rows and ev; returns how many. */
static int compare_cache(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct cache_rows *w,
			 json_t *out, struct rl_error *err)
{
	json_t *want = json_object(), *have = json_object(), *v;
	const struct cache_row *rr = &w->r;
	size_t before = json_array_size(out);
	const char *key;
	struct rl_stmt *st;
	int rc;

	json_object_foreach(w->tally, key, v)
		json_object_set_new(want, key, json_pack("{s:O,s:O}", "signed", json_array_get(v, 0),
							 "pending", json_array_get(v, 1)));
	if (!(st = rl_db_stmt(db, "SELECT requirement, signed, pending FROM trainee_tally WHERE trainee_id = ?", err)))
		goto out;
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW)
		if (rl_col_int64(st, 1) || rl_col_int64(st, 2))
			json_object_set_new(have, rl_db_col_text(st, 0),
					    json_pack("{s:I,s:I}", "signed", (json_int_t)rl_col_int64(st, 1),
						      "pending", (json_int_t)rl_col_int64(st, 2)));
	rl_reset(st);
	if (rc != RL_DONE) {
		rl_db_fail(db, err, "reading progress totals");
		goto out;
	}
	json_object_foreach(want, key, v)
		if (!json_equal(v, json_object_get(have, key)))
			drift(out, trainee, key, json_incref(json_object_get(have, key)), json_incref(v));
	json_object_foreach(have, key, v)
		if (!json_object_get(want, key))
			drift(out, trainee, key, json_incref(v), NULL);
	/* The accreditation list's row. */
	if (!(st = rl_db_stmt(db, "SELECT status, modules_met, modules_total, summary, accredited_until, "
				  "accreditation_index, ledger_through, curriculum_id IS (SELECT " RL_ENROLLED_ON_SQL
				  " FROM users u WHERE u.id = ?1), curriculum_id FROM trainee_status WHERE trainee_id = ?1", err))) {
		goto out;
	}
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) != RL_ROW) {
		drift(out, trainee, "status", NULL, json_string(rr->status));
	} else {
		json_t *summary = json_loads(rl_db_col_text(st, 3), 0, NULL);
		const char *until = rl_col_is_null(st, 4) ? NULL : rl_db_col_text(st, 4);
		if (!rr->status || strcmp(rl_db_col_text(st, 0), rr->status) != 0)
			drift(out, trainee, "status", json_string(rl_db_col_text(st, 0)), json_string(rr->status ? rr->status : ""));
		if (rl_col_int(st, 1) != rr->met)
			drift(out, trainee, "modules_met", json_integer(rl_col_int(st, 1)), json_integer(rr->met));
		if (rl_col_int(st, 2) != rr->total)
			drift(out, trainee, "modules_total", json_integer(rl_col_int(st, 2)), json_integer(rr->total));
		if (!summary || !rr->summary || !json_equal(summary, rr->summary))
			drift(out, trainee, "summary", summary ? json_incref(summary) : json_string(rl_db_col_text(st, 3)),
			      rr->summary ? json_incref(rr->summary) : NULL);
		if ((until == NULL) != (rr->until == NULL) || (until && strcmp(until, rr->until) != 0))
			drift(out, trainee, "accredited_until", until ? json_string(until) : NULL,
			      rr->until ? json_string(rr->until) : NULL);
		/* What the tallies are kept up to date from (tally.c). */
		if ((rl_col_is_null(st, 5) ? -1 : rl_col_int64(st, 5)) != rr->acc_index)
			drift(out, trainee, "accreditation_index", rl_col_is_null(st, 5) ? NULL
			      : json_integer(rl_col_int64(st, 5)), rr->acc_index >= 0 ? json_integer(rr->acc_index) : NULL);
		if ((rl_col_is_null(st, 6) ? -2 : rl_col_int64(st, 6)) != rr->through)
			drift(out, trainee, "ledger_through", rl_col_is_null(st, 6) ? NULL
			      : json_integer(rl_col_int64(st, 6)), json_integer(rr->through));
		if (!rl_col_int(st, 7))
			drift(out, trainee, "curriculum_id", rl_col_is_null(st, 8) ? NULL
			      : json_integer(rl_col_int64(st, 8)), json_pack("{s:s,s:i}", "code", rl_curriculum_code(c), "version", rl_curriculum_version(c)));
		json_decref(summary);
	}
	rl_reset(st);
out:
	json_decref(want);
	json_decref(have);
	return err->status ? -1 : (int)(json_array_size(out) - before);
}

struct check_ctx {
	json_t *out;
	int total;
};

static int check_one(struct rl_db *db, struct sweep_item *it, void *ctx, struct rl_error *err)
{
	struct check_ctx *cc = ctx;
	int n = compare_cache(db, it->trainee, it->c, &it->w, cc->out, err);

	if (n > 0 && write_cache(db, it->trainee, &it->w, err) < 0)
		return -1;
	if (n < 0)
		return -1;
	cc->total += n;
	return 0;
}

int rl_progress_check(struct rl_db *db, json_t *out, struct rl_error *err)
{
	struct check_ctx cc = { out, 0 };

	return sweep(db, check_one, &cc, err) < 0 ? -1 : cc.total;
}

/* ---------------------------------------------------------------- report */

/* Assessment evidence names the assessment record too (GET /assessments); not a figure. */
static void name_assessments(struct rl_db *db, json_t *items, struct rl_error *err)
{
	size_t i;
	json_t *it;
	struct rl_stmt *st;

	json_array_foreach(items, i, it) {
		if (!json_is_object(it) || !json_string_value(json_object_get(it, "type")) ||
		    strcmp(json_string_value(json_object_get(it, "type")), "assessment") != 0)
			continue;
		if (!(st = rl_db_stmt(db, "SELECT id FROM assessments WHERE ledger_index = ?", err)))
			return;
		rl_bind_int64(st, 1, json_integer_value(json_object_get(it, "ledger_index")));
		if (rl_step(st) == RL_ROW)
			json_object_set_new(it, "assessment", json_integer(rl_col_int64(st, 0)));
		rl_reset(st);
	}
}

json_t *rl_progress_report(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	json_t *ev, *mod, *req;
	size_t i, j;
	struct rl_user u;

	if (rl_user_get(db, trainee, &u, err) < 0 || !(u.roles & 1)) {
		rl_error_clear(err);
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no trainee %lld is visible to you", (long long)trainee);
		return NULL;
	}
	if (!(ev = rl_progress_figures(db, trainee, NULL, err)))
		return NULL;
	json_array_foreach(json_object_get(ev, "modules"), i, mod)
		json_array_foreach(json_object_get(mod, "requirements"), j, req)
			name_assessments(db, json_object_get(req, "evidence"), err);
	name_assessments(db, json_object_get(ev, "assessments"), err);
	json_object_set_new(ev, "trainee", json_pack("{s:I,s:s,s:s}", "id", (json_int_t)u.id, "name", u.name, "site", u.site));
	if (err->status) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

json_t *rl_progress_summary(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	const struct rl_curriculum *c;
	struct cache_row r;
	struct rl_user u;
	char until[32], today[11];
	const char *evaluated;
	json_t *ev;
	int rc;

	if (rl_user_get(db, trainee, &u, err) < 0 || !(u.roles & 1)) {
		rl_error_clear(err);
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no trainee %lld is visible to you", (long long)trainee);
		return NULL;
	}
	if (!(c = trainee_curriculum(db, trainee, err))) {
		if (!err->status)
			rl_error_set(err, RL_E_CONFLICT, "not-enrolled", NULL, "trainee %lld is not enrolled on a curriculum",
				     (long long)trainee);
		return NULL;
	}
	if ((rc = read_status(db, trainee, &r, until, err)) < 0)
		return NULL;
	if (rc == 1 || r.through < 0) {
		/* No caches yet (the start-up check writes them): the ledger's figures, less the evidence. */
		if (!(ev = rl_progress_report(db, trainee, err)))
			return NULL;
		json_t *mod, *req;
		size_t i, j;
		json_array_foreach(json_object_get(ev, "modules"), i, mod)
			json_array_foreach(json_object_get(mod, "requirements"), j, req)
				json_object_del(req, "evidence");
		json_object_del(ev, "assessments");
		json_object_del(ev, "pending");
		return ev;
	}
	if (!(ev = evaluate_tallies(db, trainee, c, err)))
		return NULL;
	rl_format_date(rl_today(), today);
	evaluated = json_string_value(json_object_get(ev, "status"));
	json_object_set_new(ev, "evaluated_status", json_string(evaluated ? evaluated : "in_training"));
	json_object_set_new(ev, "status", json_string(r.acc_index < 0 ? (evaluated ? evaluated : "in_training")
						      : r.until && r.until[0] && strcmp(r.until, today) < 0 ? "lapsed"
						      : "accredited"));
	if (r.acc_index >= 0) {
		json_t *a = json_pack("{s:I}", "ledger_index", (json_int_t)r.acc_index);
		if (r.until)
			json_object_set_new(a, "valid_until", json_string(r.until));
		json_object_set_new(ev, "accreditation", a);
	}
	json_object_set_new(ev, "trainee", json_pack("{s:I,s:s,s:s}", "id", (json_int_t)u.id, "name", u.name, "site", u.site));
	return ev;
}

/* ------------------------------------------------------- accreditation list */

json_t *rl_accreditation_list(struct rl_db *db, const struct rl_accreditation_filter *f, struct rl_error *err)
{
	/* One statement per sort order, so each is a static string the cache can keep. */
#define ACC_SELECT \
	"SELECT u.id, u.name, coalesce(u.site, ''), c.code, c.version, " \
	"CASE WHEN t.status = 'accredited' AND t.accredited_until IS NOT NULL AND t.accredited_until < ?1 " \
	"THEN 'lapsed' ELSE coalesce(t.status, 'in_training') END AS st, " \
	"coalesce(t.modules_met, 0) AS met, coalesce(t.modules_total, 0) AS total, coalesce(t.summary, '[]'), t.accredited_until " \
	"FROM users u JOIN trainee_status t ON t.trainee_id = u.id JOIN curricula c ON c.id = t.curriculum_id " \
	"WHERE (u.roles & 1) AND (?2 IS NULL OR u.site = ?2) AND (?3 IS NULL OR c.code = ?3) " \
	"AND (?4 IS NULL OR st = ?4) AND (?5 IS NULL OR instr(lower(u.name), lower(?5)) > 0) " \
	"AND (?8 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ") "
	static const char *const by_name = ACC_SELECT "ORDER BY u.name, u.id LIMIT ?6 OFFSET ?7";
	static const char *const by_name_desc = ACC_SELECT "ORDER BY u.name DESC, u.id DESC LIMIT ?6 OFFSET ?7";
	static const char *const by_progress = ACC_SELECT "ORDER BY met * 1.0 / max(total, 1), u.id LIMIT ?6 OFFSET ?7";
	static const char *const by_progress_desc = ACC_SELECT "ORDER BY met * 1.0 / max(total, 1) DESC, u.id LIMIT ?6 OFFSET ?7";
	static const char *const by_status = ACC_SELECT "ORDER BY st, u.name, u.id LIMIT ?6 OFFSET ?7";
	static const char *const counts_sql =
		"SELECT CASE WHEN t.status = 'accredited' AND t.accredited_until IS NOT NULL AND t.accredited_until < ?1 "
		"THEN 'lapsed' ELSE coalesce(t.status, 'in_training') END AS st, count(*) "
		"FROM users u JOIN trainee_status t ON t.trainee_id = u.id JOIN curricula c ON c.id = t.curriculum_id "
		"WHERE (u.roles & 1) AND (?2 IS NULL OR u.site = ?2) AND (?3 IS NULL OR c.code = ?3) "
		"AND (?5 IS NULL OR instr(lower(u.name), lower(?5)) > 0) "
		"AND (?8 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ") GROUP BY st";
	const char *sql = by_name;
	const char *sort = f->sort ? f->sort : "name";
	char today[11];
	struct rl_stmt *st;
	json_t *items = json_array(), *counts, *out;
	int n = 0, rc;

	if (strcmp(sort, "-name") == 0)
		sql = by_name_desc;
	else if (strcmp(sort, "progress") == 0)
		sql = by_progress;
	else if (strcmp(sort, "-progress") == 0)
		sql = by_progress_desc;
	else if (strcmp(sort, "status") == 0)
		sql = by_status;
	rl_format_date(rl_today(), today);
	st = rl_db_stmt(db, sql, err);
	if (!st)
		goto fail;
	rl_bind_text(st, 1, today, -1);
	rl_db_bind_text(st, 2, f->site);
	rl_db_bind_text(st, 3, f->curriculum);
	rl_db_bind_text(st, 4, f->status);
	rl_db_bind_text(st, 5, f->search);
	rl_bind_int(st, 6, f->limit + 1);
	rl_bind_int64(st, 7, f->after);
	rl_bind_int(st, 8, f->scope != NULL);
	if (f->scope)
		rl_scope_bind(st, f->scope);
	while ((rc = rl_step(st)) == RL_ROW) {
		json_t *summary;
		if (n == f->limit)
			break;
		summary = json_loads(rl_db_col_text(st, 8), 0, NULL);
		json_t *row = json_pack("{s:I,s:s,s:s,s:{s:s,s:i},s:s,s:i,s:i,s:o}",
			"id", (json_int_t)rl_col_int64(st, 0), "name", rl_db_col_text(st, 1),
			"site", rl_db_col_text(st, 2), "curriculum", "code", rl_db_col_text(st, 3),
			"version", rl_col_int(st, 4), "status", rl_db_col_text(st, 5),
			"modules_met", rl_col_int(st, 6), "modules_total", rl_col_int(st, 7),
			"modules", summary ? summary : json_array());
		if (!rl_col_is_null(st, 9))
			json_object_set_new(row, "accredited_until", json_string(rl_db_col_text(st, 9)));
		json_array_append_new(items, row);
		n++;
	}
	rl_reset(st);
	if (rc != RL_ROW && rc != RL_DONE) {
		rl_db_fail(db, err, "listing trainees");
		goto fail;
	}
	out = json_pack("{s:o}", "items", items);
	if (rc == RL_ROW) {
		char c[24];
		snprintf(c, sizeof(c), "%lld", (long long)(f->after + f->limit));
		json_object_set_new(out, "next_cursor", json_string(c));
	} else {
		json_object_set_new(out, "next_cursor", json_null());
	}
	counts = json_pack("{s:i,s:i,s:i,s:i}", "in_training", 0, "eligible", 0, "accredited", 0, "lapsed", 0);
	st = rl_db_stmt(db, counts_sql, err);
	if (st) {
		rl_bind_text(st, 1, today, -1);
		rl_db_bind_text(st, 2, f->site);
		rl_db_bind_text(st, 3, f->curriculum);
		rl_db_bind_text(st, 5, f->search);
		rl_bind_int(st, 8, f->scope != NULL);
		if (f->scope)
			rl_scope_bind(st, f->scope);
		while (rl_step(st) == RL_ROW)
			json_object_set_new(counts, rl_db_col_text(st, 0), json_integer(rl_col_int64(st, 1)));
		rl_reset(st);
	}
	json_object_set_new(out, "counts", counts);
	return out;
fail:
	json_decref(items);
	return NULL;
}
