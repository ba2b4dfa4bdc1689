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

#include <sodium.h>

#include "base/embedded.h"
#include "base/pool.h"
#include "base/util.h"
#include "domain/enrolled.h"
#include "domain/figures.h"
#include "domain/progress_record.h"
#include "domain/tally.h"
#include "domain/users.h"
#include "ledger/ledger.h"
#include "store/secrets.h"

void (*rl_progress_drift_hook)(const json_t *item);

/* ------------------------------------------------------ the ledger's view */

/*
 * The trainee's curriculum, or NULL (and no error) when not enrolled: the
 * version their latest enrolment statement in the ledger names, as
 * `raslog audit` reads it; users.curriculum_id only for a trainee with no
 * enrolment statement (a database not yet backfilled by `raslogd init`).
 */
static const struct rl_curriculum *trainee_curriculum(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	int64_t cid = 0;

	if (rl_enrolled_curriculum(db, trainee, &cid, err) < 0)
		return NULL;
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

/* The ledger's figures of the trainee as a record (rl_progress_release it).  0, or -1 with err. */
static int ledger_record(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_progress *p,
			 struct rl_error *err)
{
	json_t *ev = figures_of(db, trainee, c, NULL, err);
	int rc;

	memset(p, 0, sizeof(*p));
	if (!ev)
		return -1;
	rc = rl_progress_read(ev, p, err);
	json_decref(ev);
	return rc;
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


/* ------------------------------------------------------------------ seals */

/*
 * The columns of trainee_status a status MAC covers, in MAC order; every
 * statement that verifies a row selects them in this order (STATUS_NCOLS).
 */
#define STATUS_COLS "t.status, t.modules_met, t.modules_total, t.summary, t.accredited_until, " \
	"t.accreditation_index, t.ledger_through, t.curriculum_id"
#define STATUS_NCOLS 8

/* One field, length-prefixed so no two rows give the same input; NULL is its own length. */
static void mac_bytes(crypto_generichash_state *h, const void *p, size_t n, int is_null)
{
	uint64_t len = is_null ? UINT64_MAX : (uint64_t)n;
	uint8_t le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(len >> (8 * i));
	crypto_generichash_update(h, le, sizeof(le));
	if (!is_null && n)
		crypto_generichash_update(h, p, n);
}

static void mac_text(crypto_generichash_state *h, const char *s)
{
	mac_bytes(h, s, s ? strlen(s) : 0, s == NULL);
}

static void mac_int(crypto_generichash_state *h, long long v)
{
	char b[24];

	snprintf(b, sizeof(b), "%lld", v);
	mac_text(h, b);
}

static const uint8_t *cache_key(struct rl_db *db, struct rl_error *err)
{
	return rl_secret_get(db, RL_SECRET_CACHE, err);
}

/*
 * The trainee's pending claims as the seals bind them (docs/ledger.md,
 * "replay"): how many session records wait, the sum of their ids and the
 * sum of their revisions.  While the ledger stands still for the trainee
 * (ledger_through, also sealed), their claims change only by a new record
 * (a fresh id, above every id there was), an edit or a withdrawal (each
 * one more revision), so no later set of claims gives the same three
 * numbers as an earlier different one: an old sealed row put back fails
 * its seal as soon as anything it counted has changed.  O(the trainee's
 * pending claims), by the sessions_pending index.
 */
struct claims {
	int64_t n, ids, revs;
};

static int claims_of(struct rl_db *db, int64_t trainee, struct claims *c, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*), coalesce(sum(id), 0), coalesce(sum(revision), 0) "
					  "FROM sessions WHERE trainee_id = ? AND status = 'pending'", err);
	int rc;

	memset(c, 0, sizeof(*c));
	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	if ((rc = rl_step(st)) == RL_ROW) {
		c->n = rl_col_int64(st, 0);
		c->ids = rl_col_int64(st, 1);
		c->revs = rl_col_int64(st, 2);
	}
	rl_reset(st);
	return rc == RL_ROW ? 0 : rl_db_fail(db, err, "reading a trainee's pending claims");
}

static void mac_claims(crypto_generichash_state *h, const struct claims *c)
{
	mac_int(h, c->n);
	mac_int(h, c->ids);
	mac_int(h, c->revs);
}

/*
 * The status MAC of the row whose STATUS_COLS start at column col0 of st:
 * BLAKE2b-256, keyed by the cache key, of "raslog-cache-status-v2", the
 * trainee, each column as it is served (text as text, integers as
 * integers), so a row copied from another trainee fails too, and the
 * trainee's claims now (c), so a row put back from an older state fails.
 * c NULL: the version 1 MAC, without the claims (what a row sealed before
 * them carries; read_sealed takes it for "not sealed yet").
 */
static void status_mac(const uint8_t *key, int64_t trainee, struct rl_stmt *st, int col0, const struct claims *c,
		       uint8_t out[32])
{
	crypto_generichash_state h;
	static const int is_int[STATUS_NCOLS] = { 0, 1, 1, 0, 0, 1, 1, 1 };

	crypto_generichash_init(&h, key, 32, 32);
	mac_text(&h, c ? "raslog-cache-status-v2" : "raslog-cache-status-v1");
	mac_int(&h, trainee);
	for (int i = 0; i < STATUS_NCOLS; i++) {
		if (rl_col_is_null(st, col0 + i))
			mac_bytes(&h, NULL, 0, 1);
		else if (is_int[i])
			mac_int(&h, rl_col_int64(st, col0 + i));
		else
			mac_bytes(&h, rl_col_text(st, col0 + i), (size_t)rl_col_bytes(st, col0 + i), 0);
	}
	if (c)
		mac_claims(&h, c);
	crypto_generichash_final(&h, out, 32);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The tally MAC: "raslog-cache-tally-v2", the trainee, the ledger index the
 * status row says the tallies include, every tally row (requirement,
 * signed, pending) in requirement order, so a row edited, added, removed
 * or copied from another trainee fails, and the trainee's claims now (c),
 * so rows put back from an older state fail.  tallies as rl_tally_load
 * gives them.
 */
static int tally_mac(const uint8_t *key, int64_t trainee, int through_null, int64_t through, const json_t *tallies,
		     const struct claims *c, uint8_t out[32])
{
	crypto_generichash_state h;
	size_t n = json_object_size(tallies), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys)), *k;
	json_t *v;

	if (!keys)
		return -1;
	json_object_foreach((json_t *)tallies, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), by_key);
	crypto_generichash_init(&h, key, 32, 32);
	mac_text(&h, "raslog-cache-tally-v2");
	mac_int(&h, trainee);
	if (through_null)
		mac_bytes(&h, NULL, 0, 1);
	else
		mac_int(&h, through);
	mac_int(&h, (long long)n);
	for (i = 0; i < n; i++) {
		v = json_object_get(tallies, keys[i]);
		mac_text(&h, keys[i]);
		mac_int(&h, json_integer_value(json_array_get(v, 0)));
		mac_int(&h, json_integer_value(json_array_get(v, 1)));
	}
	mac_claims(&h, c);
	crypto_generichash_final(&h, out, 32);
	free(keys);
	return 0;
}

/* A trainee's cached rows as read, and whether their seals hold. */
struct sealed {
	int row;              /* the status row exists */
	int status_ok;        /* its mac matches */
	int tally_ok;         /* its tally_mac matches the tally rows */
	int sealed;           /* it carries a mac of this version (NULL, or a version 1 mac that holds: not sealed yet) */
	int64_t acc_index;    /* the live accreditation's ledger index, or -1 */
	int64_t through;      /* ledger_through, or -1 */
	char until[32];       /* accredited_until, or "" */
	json_t *tallies;      /* rl_tally_load's object */
};

static void sealed_release(struct sealed *s)
{
	json_decref(s->tallies);
	s->tallies = NULL;
}

/* Reads the trainee's status row and tallies and checks both MACs: 0, or -1 with err. */
static int read_sealed(struct rl_db *db, int64_t trainee, struct sealed *s, struct rl_error *err)
{
	const uint8_t *key = cache_key(db, err);
	struct rl_stmt *st;
	struct claims c;
	uint8_t want[32], tmac[32];
	int rc, tmac_ok = 0, through_null = 1;

	memset(s, 0, sizeof(*s));
	s->acc_index = s->through = -1;
	if (!key || claims_of(db, trainee, &c, err) < 0 ||
	    !(st = rl_db_stmt(db, "SELECT " STATUS_COLS ", t.mac, t.tally_mac FROM trainee_status t "
				  "WHERE t.trainee_id = ?", err)))
		return -1;
	rl_bind_int64(st, 1, trainee);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		s->row = 1;
		status_mac(key, trainee, st, 0, &c, want);
		s->sealed = !rl_col_is_null(st, STATUS_NCOLS);
		s->status_ok = s->sealed && rl_col_bytes(st, STATUS_NCOLS) == 32 &&
			       sodium_memcmp(rl_col_blob(st, STATUS_NCOLS), want, 32) == 0;
		if (s->sealed && !s->status_ok && rl_col_bytes(st, STATUS_NCOLS) == 32) {
			/* A version 1 seal that holds: sealed before the claims were bound, not tampered with. */
			status_mac(key, trainee, st, 0, NULL, want);
			if (sodium_memcmp(rl_col_blob(st, STATUS_NCOLS), want, 32) == 0)
				s->sealed = 0;
		}
		if (!rl_col_is_null(st, STATUS_NCOLS + 1) && rl_col_bytes(st, STATUS_NCOLS + 1) == 32) {
			memcpy(tmac, rl_col_blob(st, STATUS_NCOLS + 1), 32);
			tmac_ok = 1;
		}
		if (!rl_col_is_null(st, 4))
			snprintf(s->until, sizeof(s->until), "%s", rl_col_text(st, 4));
		if (!rl_col_is_null(st, 5))
			s->acc_index = rl_col_int64(st, 5);
		if (!rl_col_is_null(st, 6)) {
			s->through = rl_col_int64(st, 6);
			through_null = 0;
		}
	}
	rl_reset(st);
	if (rc != RL_ROW && rc != RL_DONE)
		return rl_db_fail(db, err, "reading a trainee's status");
	if (!(s->tallies = rl_tally_load(db, trainee, err)))
		return -1;
	if (s->row && tmac_ok) {
		if (tally_mac(key, trainee, through_null, s->through, s->tallies, &c, want) < 0)
			return rl_error_internal(err, "out of memory");
		s->tally_ok = sodium_memcmp(tmac, want, 32) == 0;
	}
	return 0;
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

/* The list's row of a progress record; r's strings are borrowed from p. */
static void cache_row_of(const struct rl_progress *p, struct cache_row *r)
{
	r->status = p->acc_index >= 0 ? "accredited" : p->evaluated_status;
	r->met = (int)p->modules_met;
	r->total = (int)p->nmodules;
	r->summary = rl_progress_summary_json(p);
	r->until = p->acc_index >= 0 ? p->acc_until : NULL;
	r->acc_index = p->acc_index;
	r->through = -1;
}

/*
 * status_mac for the values write_status stores, without reading them
 * back: the same bytes, since each column is served as it was bound
 * (summary and until as text, the rest as integers, NULL for a missing
 * accreditation index or curriculum).
 */
static void status_mac_of(const uint8_t *key, int64_t trainee, const char *status, int met, int total,
			  const char *summary, const char *until, int64_t acc_index, int64_t through, int64_t cid,
			  const struct claims *cl, uint8_t out[32])
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, key, 32, 32);
	mac_text(&h, "raslog-cache-status-v2");
	mac_int(&h, trainee);
	mac_text(&h, status);
	mac_int(&h, met);
	mac_int(&h, total);
	mac_text(&h, summary);
	mac_text(&h, until);
	if (acc_index >= 0)
		mac_int(&h, acc_index);
	else
		mac_bytes(&h, NULL, 0, 1);
	mac_int(&h, through);
	if (cid)
		mac_int(&h, cid);
	else
		mac_bytes(&h, NULL, 0, 1);
	mac_claims(&h, cl);
	crypto_generichash_final(&h, out, 32);
}

/*
 * Writes the accreditation list's row of the trainee from r, sealed in the
 * same statement.  c: the curriculum the figures were measured against
 * (NULL: looked up); tallies: the trainee's tally rows as they now are
 * (rl_tally_load's shape; NULL: read).  Every write of a trainee's caches
 * ends here, so the seals always cover the rows as written.
 */
static int write_status(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const json_t *tallies,
			const struct cache_row *r, struct rl_error *err)
{
	char *text = json_dumps(r->summary ? r->summary : json_array(), JSON_COMPACT), now[21];
	const char *status = r->status ? r->status : "in_training", *summary = text ? text : "[]";
	const uint8_t *key = cache_key(db, err);
	json_t *loaded = NULL;
	struct rl_stmt *st;
	struct claims cl;
	uint8_t smac[32], tmac[32];
	int64_t cid = rl_curriculum_id_of(db, c);

	rl_now_rfc3339(now);
	/* curriculum_id: what the figures were measured against, so the list need not look it up per trainee. */
	if (!key || (!cid && rl_enrolled_curriculum(db, trainee, &cid, err) < 0) ||
	    (!tallies && !(tallies = loaded = rl_tally_load(db, trainee, err))) || claims_of(db, trainee, &cl, err) < 0) {
		json_decref(loaded);
		free(text);
		return -1;
	}
	/* The seals cover the trainee's pending claims as they are now, in this transaction (replay, above). */
	status_mac_of(key, trainee, status, r->met, r->total, summary, r->until, r->acc_index, r->through, cid, &cl, smac);
	if (tally_mac(key, trainee, 0, r->through, tallies, &cl, tmac) < 0) {
		json_decref(loaded);
		free(text);
		return rl_error_internal(err, "out of memory");
	}
	json_decref(loaded);
	st = rl_db_stmt(db, "INSERT INTO trainee_status(trainee_id, status, modules_met, modules_total, "
			    "summary, accredited_until, updated_at, ledger_through, accreditation_index, curriculum_id, "
			    "mac, tally_mac) "
			    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) ON CONFLICT (trainee_id) DO UPDATE SET "
			    "status = excluded.status, modules_met = excluded.modules_met, modules_total = excluded.modules_total, "
			    "summary = excluded.summary, accredited_until = excluded.accredited_until, "
			    "updated_at = excluded.updated_at, ledger_through = excluded.ledger_through, "
			    "accreditation_index = excluded.accreditation_index, curriculum_id = excluded.curriculum_id, "
			    "mac = excluded.mac, tally_mac = excluded.tally_mac", err);
	if (st) {
		if (cid)
			rl_bind_int64(st, 10, cid);
		else
			rl_bind_null(st, 10);
		rl_bind_int64(st, 1, trainee);
		rl_bind_text(st, 2, status, -1);
		rl_bind_int(st, 3, r->met);
		rl_bind_int(st, 4, r->total);
		rl_bind_text(st, 5, summary, -1);
		rl_db_bind_text(st, 6, r->until);
		rl_bind_text(st, 7, now, -1);
		rl_bind_int64(st, 8, r->through);
		if (r->acc_index >= 0)
			rl_bind_int64(st, 9, r->acc_index);
		else
			rl_bind_null(st, 9);
		rl_bind_blob(st, 11, smac, 32);
		rl_bind_blob(st, 12, tmac, 32);
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

/* requirement key -> [signed, pending] of a record, the keys with an amount: what trainee_tally keeps. */
static json_t *tallies_of(const struct rl_progress *p)
{
	json_t *t = json_object();

	for (size_t i = 0; t && i < p->nmodules; i++)
		for (size_t j = 0; j < p->modules[i].nreqs; j++) {
			const struct rl_progress_req *r = &p->modules[i].reqs[j];

			if (r->signed_amount || r->pending)
				json_object_set_new(t, r->key, json_pack("[I,I]", (json_int_t)r->signed_amount,
									 (json_int_t)r->pending));
		}
	return t;
}

/* The rows from the ledger's record (rl_figures); through: the last ledger index about the trainee it includes. */
static void rows_of_record(const struct rl_progress *p, int64_t through, struct cache_rows *w)
{
	w->tally = tallies_of(p);
	cache_row_of(p, &w->r);
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
static int write_cache(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct cache_rows *w,
		       struct rl_error *err)
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
	/* The tally rows are now exactly w->tally: their seal is computed from it. */
	return write_status(db, trainee, c, w->tally, &w->r, err);
}

/* The full recompute of one trainee's caches from the ledger. */
static int refresh_full(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	struct rl_progress p;
	struct cache_rows w;
	int64_t through;
	int rc;

	if (ledger_record(db, trainee, c, &p, err) < 0)
		return -1;
	through = last_index_about(db, trainee, err);
	rows_of_record(&p, through, &w);
	rc = err->status ? -1 : write_cache(db, trainee, c, &w, err);
	cache_rows_free(&w);
	rl_progress_release(&p);
	return rc;
}

/* 1 if the trainee's cached rows are there and both seals hold, 0 if a seal fails, 2 if there is no row yet, -1. */
static int seals_hold(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct sealed s;
	int rc = read_sealed(db, trainee, &s, err);

	if (rc == 0)
		rc = !s.row ? 2 : s.status_ok && s.tally_ok;
	sealed_release(&s);
	return rc;
}

static int compare_cache(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct cache_rows *w,
			 json_t *out, struct rl_error *err);
static void drift(json_t *out, int64_t trainee, const char *what, json_t *cache, json_t *ledger);

/*
 * One trainee's check, given the ledger's rows w: the cached rows against
 * them and their seals; appends each difference to out (a seal that fails
 * on rows whose values are right is the difference "mac"), and rewrites
 * and reseals the rows when anything differs or a seal fails.  Rows never
 * sealed (NULL, as migration 018 leaves them) with the ledger's values
 * are sealed without a word.  Returns the differences, or -1.
 */
static int judge_rows(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct cache_rows *w,
		      json_t *out, struct rl_error *err)
{
	struct sealed s;
	int n, bad;

	memset(&s, 0, sizeof(s));
	n = compare_cache(db, trainee, c, w, out, err);
	if (n >= 0 && read_sealed(db, trainee, &s, err) < 0)
		n = -1;
	if (n >= 0) {
		bad = !s.row || !s.status_ok || !s.tally_ok;
		if (n == 0 && bad && s.sealed) {
			drift(out, trainee, "mac", json_string(!s.status_ok && !s.tally_ok ? "status and tally rows"
							      : !s.status_ok ? "status row" : "tally rows"), NULL);
			n = 1;
		}
		if ((n > 0 || bad) && write_cache(db, trainee, c, w, err) < 0)
			n = -1;
	}
	sealed_release(&s);
	return n;
}

/* judge_rows for one trainee, computing the ledger's rows first. */
static int check_one(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, json_t *out,
		     struct rl_error *err)
{
	struct rl_progress p;
	struct cache_rows w;
	int n;

	if (ledger_record(db, trainee, c, &p, err) < 0)
		return -1;
	rows_of_record(&p, last_index_about(db, trainee, err), &w);
	n = err->status ? -1 : judge_rows(db, trainee, c, &w, out, err);
	cache_rows_free(&w);
	rl_progress_release(&p);
	return n;
}

/* A seal found broken while writing: recompute the trainee now and say what differed (rl_progress_drift_hook). */
static int repair_now(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	json_t *out = json_array(), *v;
	size_t i;
	int n = check_one(db, trainee, c, out, err);

	if (n > 0 && rl_progress_drift_hook)
		json_array_foreach(out, i, v)
			rl_progress_drift_hook(v);
	json_decref(out);
	return n < 0 ? -1 : 0;
}

int rl_progress_verify(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);
	struct sealed s;
	int64_t last;
	int rc, bad;

	if (!c)
		return err->status ? -1 : 0;
	if ((rc = read_sealed(db, trainee, &s, err)) == 0) {
		last = last_index_about(db, trainee, err);
		bad = !s.row || !s.status_ok || !s.tally_ok || s.through != last;
		rc = err->status ? -1 : bad ? repair_now(db, trainee, c, err) : 0;
	}
	sealed_release(&s);
	return rc;
}

int rl_progress_repair(struct rl_db *db, int64_t trainee, json_t *out, struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);

	if (!c)
		return err->status ? -1 : 0;
	return check_one(db, trainee, c, out, err);
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

/*
 * The caches after a change: the ledger entries appended since fold into
 * the tallies (tally.c) and the status row is evaluated from them, or,
 * for a change that is not a plain sum, everything is recomputed.
 */
static int refresh_sealed(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err);

static int refresh(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	int rc = seals_hold(db, trainee, err);

	/* Deltas fold into rows only while their seals hold: a tampered row is recomputed, not carried on. */
	if (rc != 1)
		return rc < 0 ? -1 : rc == 0 ? repair_now(db, trainee, c, err) : refresh_full(db, trainee, c, err);
	return refresh_sealed(db, trainee, c, err);
}

/* refresh() once the seals were checked (the caller may have folded a claim in since: they are resealed here). */
static int refresh_sealed(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	struct cache_row r;
	int64_t through = -1;
	char until[32];
	json_t *t;
	int rc;

	if ((rc = rl_tally_catch_up(db, trainee, c, &through, err)) < 0)
		return -1;
	if (rc == 1)
		return refresh_full(db, trainee, c, err);
	if ((rc = read_status(db, trainee, &r, until, err)) != 0)
		return rc < 0 ? -1 : refresh_full(db, trainee, c, err);
	if (!(t = rl_tally_load(db, trainee, err)))
		return -1;
	/* The list's row alone: rl_curriculum_summary(rl_curriculum_evaluate()) without building the report. */
	r.summary = rl_curriculum_quick_summary(c, rl_tally_lookup, t, &r.met, err);
	if (!r.summary) {
		json_decref(t);
		return -1;
	}
	r.total = (int)json_array_size(r.summary);
	r.status = r.acc_index >= 0 ? "accredited" : r.met == r.total ? "eligible" : "in_training";
	r.through = through;
	/* The tallies just read are what the tally seal covers: no second read. */
	rc = write_status(db, trainee, c, t, &r, err);
	json_decref(t);
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

/*
 * The seals bind the trainee's pending claims (claims_of), so a change to
 * their session records is checked against the seals before it is made:
 * 1 the rows hold (or were just repaired), 2 there are none yet, -1.
 */
static int hold(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	int rc = seals_hold(db, trainee, err);

	if (rc == 0)
		return repair_now(db, trainee, c, err) < 0 ? -1 : 1;
	return rc;
}

int rl_progress_hold(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);

	if (!c)
		return err->status ? -1 : 0;
	return hold(db, trainee, c, err) < 0 ? -1 : 0;
}

int rl_progress_refresh_held(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);

	if (!c)
		return err->status ? -1 : 0;
	return refresh_sealed(db, trainee, c, err);
}

int rl_progress_claim_before(struct rl_db *db, int64_t trainee, int64_t session, struct rl_tally_delta *d,
			     struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);
	int rc;

	if (!c)
		return err->status ? -1 : 0;
	if ((rc = hold(db, trainee, c, err)) < 0)
		return -1;
	d->held = rc;
	return session > 0 ? rl_tally_claim(db, c, session, -1, d, NULL, err) : 0;
}

int rl_progress_claim_after(struct rl_db *db, int64_t trainee, int64_t session, struct rl_tally_delta *d,
			    struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);
	int rc;

	if (!c)
		return err->status ? -1 : 0;
	/* Checked before the records changed (claim_before), since the seals bind them. */
	if ((rc = d->held ? d->held : seals_hold(db, trainee, err)) != 1)
		return rc < 0 ? -1 : rc == 0 ? repair_now(db, trainee, c, err) : refresh_full(db, trainee, c, err);
	if (rl_tally_claim(db, c, session, +1, d, NULL, err) < 0 || rl_tally_apply(db, trainee, d, err) < 0)
		return -1;
	return refresh_sealed(db, trainee, c, err);
}

/* Every enrolled trainee, ascending. */
static json_t *enrolled_trainees(struct rl_db *db, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM users WHERE (roles & 1 <> 0) AND curriculum_id IS NOT NULL "
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
	return write_cache(db, it->trainee, it->c, &it->w, err);
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
	int64_t want_cid = 0;
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
	if (rl_enrolled_curriculum(db, trainee, &want_cid, err) < 0 ||
	    !(st = rl_db_stmt(db, "SELECT status, modules_met, modules_total, summary, accredited_until, "
				  "accreditation_index, ledger_through, coalesce(curriculum_id, 0), curriculum_id "
				  "FROM trainee_status WHERE trainee_id = ?1", err))) {
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
		if (rl_col_int64(st, 7) != want_cid)
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

static int check_swept(struct rl_db *db, struct sweep_item *it, void *ctx, struct rl_error *err)
{
	struct check_ctx *cc = ctx;
	int n = judge_rows(db, it->trainee, it->c, &it->w, cc->out, err);

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

int rl_progress_record(struct rl_db *db, int64_t trainee, struct rl_progress *out, struct rl_error *err)
{
	json_t *report = rl_progress_report(db, trainee, err);
	int rc;

	memset(out, 0, sizeof(*out));
	out->acc_index = -1;
	if (!report)
		return -1;
	rc = rl_progress_read(report, out, err);
	json_decref(report);
	return rc;
}

/*
 * The progress reply from tallies (key -> [signed, pending]) and the live
 * accreditation (acc_index -1: none): rl_curriculum_evaluate, O(requirements).
 */
static json_t *summary_from(const struct rl_curriculum *c, json_t *tallies, int64_t acc_index, const char *until,
			    const struct rl_user *u, struct rl_error *err)
{
	struct rl_progress p;
	char today[11];
	json_t *ev;

	if (rl_curriculum_assess(c, rl_tally_lookup, tallies, &p, err) < 0)
		return NULL;
	rl_format_date(rl_today(), today);
	rl_progress_set_accreditation(&p, acc_index, until, today);
	rl_progress_set_trainee(&p, u->id, u->name, u->site);
	ev = rl_progress_to_json(&p, err);
	rl_progress_release(&p);
	return ev;
}

/* The same reply from the ledger's figures (what the rows would hold once rebuilt): O(the trainee's entries). */
static json_t *summary_from_ledger(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c,
				   const struct rl_user *u, struct rl_error *err)
{
	struct rl_progress p;
	json_t *tallies, *out;

	if (ledger_record(db, trainee, c, &p, err) < 0)
		return NULL;
	tallies = tallies_of(&p);
	out = summary_from(c, tallies, p.acc_index, p.acc_until, u, err);
	json_decref(tallies);
	rl_progress_release(&p);
	return out;
}

json_t *rl_progress_summary(struct rl_db *db, int64_t trainee, int *stale, struct rl_error *err)
{
	const struct rl_curriculum *c;
	struct sealed s;
	struct rl_user u;
	json_t *ev = NULL;
	int64_t last;
	int bad;

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
	if (read_sealed(db, trainee, &s, err) < 0)
		goto out;
	last = last_index_about(db, trainee, err);
	if (err->status)
		goto out;
	/* A row edited, added, removed, copied or replayed from an older state: the ledger's figures instead. */
	bad = !s.row || !s.status_ok || !s.tally_ok || s.through != last;
	if (stale)
		*stale = bad;
	if (bad) {
		ev = summary_from_ledger(db, trainee, c, &u, err);
	} else if (s.through < 0) {
		/* Nothing about the trainee in the ledger yet: the report, less the evidence. */
		json_t *mod, *req;
		size_t i, j;
		if (!(ev = rl_progress_report(db, trainee, err)))
			goto out;
		json_array_foreach(json_object_get(ev, "modules"), i, mod)
			json_array_foreach(json_object_get(mod, "requirements"), j, req)
				json_object_del(req, "evidence");
		json_object_del(ev, "assessments");
		json_object_del(ev, "pending");
	} else {
		/* The tallies the seal was checked on, not a second read of them. */
		ev = summary_from(c, s.tallies, s.acc_index, s.until, &u, err);
	}
out:
	sealed_release(&s);
	return ev;
}

/* ------------------------------------------------------- accreditation list */

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
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT u.id, CASE WHEN t.trainee_id IS NULL THEN 1 ELSE 0 END, " STATUS_COLS ", t.mac, "
		"(SELECT coalesce(max(l.idx), -1) FROM ledger l WHERE l.subject_id = u.id), "
		"coalesce(p.n, 0), coalesce(p.ids, 0), coalesce(p.revs, 0) "
		"FROM users u LEFT JOIN trainee_status t ON t.trainee_id = u.id "
		/* every trainee's claims as claims_of() gives them, in one pass over the pending records */
		"LEFT JOIN (SELECT trainee_id, count(*) AS n, sum(id) AS ids, sum(revision) AS revs FROM sessions "
		"WHERE status = 'pending' GROUP BY trainee_id) p ON p.trainee_id = u.id "
		"WHERE (u.roles & 1 <> 0) AND (u.curriculum_id IS NOT NULL OR t.trainee_id IS NOT NULL) "
		"AND (CAST(?2 AS TEXT) IS NULL OR u.site = ?2) "
		"AND (CAST(?5 AS TEXT) IS NULL OR replace(lower(u.name), lower(?5), '') <> lower(u.name)) "
		"AND (?8 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ")", err);
	const uint8_t *key = cache_key(db, err);
	uint8_t want[32];
	int rc;

	if (!st || !key)
		return -1;
	rl_db_bind_text(st, 2, f->site);
	rl_db_bind_text(st, 5, f->search);
	rl_bind_int(st, 8, f->scope != NULL);
	if (f->scope)
		rl_scope_bind(st, f->scope);
	while ((rc = rl_step(st)) == RL_ROW) {
		int64_t trainee = rl_col_int64(st, 0);
		int ok = !rl_col_int(st, 1);

		if (ok) {
			struct claims c = { rl_col_int64(st, 4 + STATUS_NCOLS), rl_col_int64(st, 5 + STATUS_NCOLS),
					    rl_col_int64(st, 6 + STATUS_NCOLS) };
			status_mac(key, trainee, st, 2, &c, want);
			ok = rl_col_bytes(st, 2 + STATUS_NCOLS) == 32 &&
			     sodium_memcmp(rl_col_blob(st, 2 + STATUS_NCOLS), want, 32) == 0 &&
			     !rl_col_is_null(st, 8) && rl_col_int64(st, 8) == rl_col_int64(st, 3 + STATUS_NCOLS);
		}
		if (!ok)
			json_array_append_new(stale, json_integer(trainee));
	}
	rl_reset(st);
	return rc == RL_DONE ? 0 : rl_db_fail(db, err, "checking the trainees' cached status");
}

int rl_progress_stale_rows(struct rl_db *db, const struct rl_accreditation_filter *f, json_t *stale,
			   struct rl_error *err)
{
	static const struct rl_accreditation_filter all = { 0 };

	return check_list_rows(db, f ? f : &all, stale, err);
}

/*
 * What the list computed from every trainee's row, kept per thread (each
 * server thread reads on its own connection) and reused while the data
 * version (store/db.h rl_db_data_version) is the one it was computed at:
 * that every cached status row passed the list's check, the header's
 * counts for one filter and day, and the trainees' sites.  Any commit,
 * by this process or any other (a shell editing a row included), moves
 * the version on, and the next request checks and counts again.  Kept as
 * text in fixed buffers, so a thread that ends leaves nothing allocated.
 */
#define LIST_MEMO_COUNTS 512
#define LIST_MEMO_SITES 8192
static _Thread_local struct {
	int checked;                 /* every row passed at checked_v */
	uint64_t checked_v;
	int counts_ok;
	uint64_t counts_v;
	uint8_t counts_key[16];      /* the filter and day the counts are for */
	char counts[LIST_MEMO_COUNTS];
	int sites_ok;
	uint64_t sites_v;
	char sites[LIST_MEMO_SITES];
} list_memo;

/* What one pass of the list used from, and computed for, list_memo. */
struct list_io {
	int have_v;                  /* v is the data version of this transaction */
	uint64_t v;
	uint8_t key[16];
	int used;                    /* something came from list_memo */
	char *counts, *sites;        /* computed this pass (malloc'd JSON text) */
};

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

static json_t *list_rows(struct rl_db *db, const struct rl_accreditation_filter *f, struct list_io *io,
			 struct rl_error *err);

/* One pass of rl_accreditation_list; *retry set when it reused list_memo and the data moved meanwhile. */
static json_t *list_once(struct rl_db *db, const struct rl_accreditation_filter *f, json_t *stale, int use_memo,
			 int *retry, struct rl_error *err)
{
	static const struct rl_accreditation_filter all = { 0 };
	struct list_io io = { 0 };
	json_t *out = NULL;
	size_t before = json_array_size(stale);
	int checked_now = 0, rc = 0;
	uint64_t v1;

	*retry = 0;
	/* One read transaction: the rows listed and counted are the rows checked. */
	if (rl_db_exec(db, "BEGIN", err) < 0)
		return NULL;
	io.have_v = use_memo && rl_db_data_version(db, &io.v) == 0;
	if (io.have_v && list_memo.checked && list_memo.checked_v == io.v) {
		io.used = 1;
	} else if (io.have_v) {
		/* Every row (a superset of f's), so the result holds for any filter until the next commit. */
		json_t *bad = json_array();
		if ((rc = check_list_rows(db, &all, bad, err)) == 0) {
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
		if (json_array_size(stale) > before)
			rl_error_set(err, RL_E_UNAVAILABLE, "cache-drift", "Cached figures differ from the ledger",
				     "the cached figures of %zu trainee%s (the first is %lld) do not match the signed "
				     "ledger; they are recomputed from it, try again", json_array_size(stale) - before,
				     json_array_size(stale) - before == 1 ? "" : "s",
				     (long long)json_integer_value(json_array_get(stale, before)));
		else
			out = list_rows(db, f, &io, err);
	}
	if (io.have_v) {
		if (rl_db_data_version(db, &v1) == 0 && v1 == io.v) {
			/* Nothing committed while this pass read: what it computed holds at io.v. */
			if (checked_now) {
				list_memo.checked = 1;
				list_memo.checked_v = io.v;
			}
			if (io.counts && strlen(io.counts) < LIST_MEMO_COUNTS) {
				memcpy(list_memo.counts, io.counts, strlen(io.counts) + 1);
				memcpy(list_memo.counts_key, io.key, sizeof(io.key));
				list_memo.counts_v = io.v;
				list_memo.counts_ok = 1;
			}
			if (io.sites && strlen(io.sites) < LIST_MEMO_SITES) {
				memcpy(list_memo.sites, io.sites, strlen(io.sites) + 1);
				list_memo.sites_v = io.v;
				list_memo.sites_ok = 1;
			}
		} else if (io.used && out) {
			/* A commit landed between the version and the rows (PostgreSQL): do it again, reusing nothing. */
			json_decref(out);
			out = NULL;
			*retry = 1;
		}
	}
	free(io.counts);
	free(io.sites);
	{
		/* A read transaction: ending it cannot undo anything, so its failure is not the reply's. */
		struct rl_error e = RL_ERROR_INIT;
		if (rl_db_exec(db, "COMMIT", &e) < 0) {
			rl_error_clear(&e);
			rl_db_exec(db, "ROLLBACK", &e);
		}
		rl_error_clear(&e);
	}
	return out;
}

json_t *rl_accreditation_list(struct rl_db *db, const struct rl_accreditation_filter *f, json_t *stale,
			      struct rl_error *err)
{
	int retry;
	json_t *out = list_once(db, f, stale, 1, &retry, err);

	return retry ? list_once(db, f, stale, 0, &retry, err) : out;
}

static json_t *list_rows(struct rl_db *db, const struct rl_accreditation_filter *f, struct list_io *io,
			 struct rl_error *err)
{
	/* One statement per sort order, so each is a static string the cache can keep. */
#define ACC_STATUS \
	"CASE WHEN t.status = 'accredited' AND t.accredited_until IS NOT NULL AND t.accredited_until < ?1 " \
	"THEN 'lapsed' ELSE coalesce(t.status, 'in_training') END"
#define ACC_PROGRESS \
	"coalesce(t.modules_met, 0) * 1.0 / CASE WHEN coalesce(t.modules_total, 0) > 1 THEN t.modules_total ELSE 1 END"
#define ACC_SELECT \
	"SELECT u.id, u.name, coalesce(u.site, ''), c.code, c.version, " ACC_STATUS " AS st, " \
	"coalesce(t.modules_met, 0) AS met, coalesce(t.modules_total, 0) AS total, coalesce(t.summary, '[]'), t.accredited_until " \
	"FROM users u JOIN trainee_status t ON t.trainee_id = u.id JOIN curricula c ON c.id = t.curriculum_id " \
	"WHERE (u.roles & 1 <> 0) AND (CAST(?2 AS TEXT) IS NULL OR u.site = ?2) AND (CAST(?3 AS TEXT) IS NULL OR c.code = ?3) " \
	"AND (CAST(?4 AS TEXT) IS NULL OR " ACC_STATUS " = ?4) AND (CAST(?5 AS TEXT) IS NULL OR replace(lower(u.name), lower(?5), '') <> lower(u.name)) " \
	"AND (?8 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ") "
	static const char *const by_name = ACC_SELECT "ORDER BY u.name, u.id LIMIT ?6 OFFSET ?7";
	static const char *const by_name_desc = ACC_SELECT "ORDER BY u.name DESC, u.id DESC LIMIT ?6 OFFSET ?7";
	static const char *const by_progress = ACC_SELECT "ORDER BY " ACC_PROGRESS ", u.id LIMIT ?6 OFFSET ?7";
	static const char *const by_progress_desc = ACC_SELECT "ORDER BY " ACC_PROGRESS " DESC, u.id LIMIT ?6 OFFSET ?7";
	static const char *const by_status = ACC_SELECT "ORDER BY st, u.name, u.id LIMIT ?6 OFFSET ?7";
	static const char *const counts_sql =
		"SELECT " ACC_STATUS " AS st, count(*) "
		"FROM users u JOIN trainee_status t ON t.trainee_id = u.id JOIN curricula c ON c.id = t.curriculum_id "
		"WHERE (u.roles & 1 <> 0) AND (CAST(?2 AS TEXT) IS NULL OR u.site = ?2) AND (CAST(?3 AS TEXT) IS NULL OR c.code = ?3) "
		"AND (CAST(?5 AS TEXT) IS NULL OR replace(lower(u.name), lower(?5), '') <> lower(u.name)) "
		"AND (?8 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ") GROUP BY st";
	const char *sql = by_name;
	const char *sort = f->sort ? f->sort : "name";
	char today[11];
	struct rl_stmt *st;
	json_t *items = json_array(), *counts, *sites, *out;
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
	counts_key(f, today, io->key);
	if (io->have_v && list_memo.counts_ok && list_memo.counts_v == io->v &&
	    memcmp(list_memo.counts_key, io->key, sizeof(io->key)) == 0 &&
	    (counts = json_loads(list_memo.counts, 0, NULL))) {
		io->used = 1;
	} else if ((counts = json_pack("{s:i,s:i,s:i,s:i}", "in_training", 0, "eligible", 0, "accredited", 0, "lapsed", 0)) &&
		   (st = rl_db_stmt(db, counts_sql, err))) {
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
		if (io->have_v)
			io->counts = json_dumps(counts, JSON_COMPACT);
	}
	json_object_set_new(out, "counts", counts);
	/* The values the site filter matches (trainees' home sites), for the page's site options. */
	if (io->have_v && list_memo.sites_ok && list_memo.sites_v == io->v &&
	    (sites = json_loads(list_memo.sites, 0, NULL))) {
		io->used = 1;
	} else if ((sites = rl_trainee_sites(db, err)) && io->have_v) {
		io->sites = json_dumps(sites, JSON_COMPACT);
	}
	if (!sites) {
		json_decref(out);
		return NULL;
	}
	json_object_set_new(out, "sites", sites);
	return out;
fail:
	json_decref(items);
	return NULL;
}
