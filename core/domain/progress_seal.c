/*
 * progress_seal.c - the rows the progress caches hold (trainee_tally and
 * trainee_status, computed from a trainee's figures), their seals (BLAKE2b
 * MACs keyed by the cache key, schema/018) and the one place they are
 * written; see progress_impl.h.
 */
#include "base/prelude.h"

#include "domain/progress_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/util.h"
#include "domain/enrolled.h"
#include "domain/tally.h"
#include "store/secrets.h"

/*
 * A MAC's input gathered in a buffer and hashed a block at a time: the
 * same bytes as one update per field (BLAKE2b's output does not depend on
 * how its input is cut), for a fraction of the calls; the seals are
 * computed for every trainee the writer's batch changed.
 */
struct mac {
	crypto_generichash_state h;
	size_t n;
	uint8_t b[1024];
};

static void mac_init(struct mac *m, const uint8_t *key)
{
	crypto_generichash_init(&m->h, key, 32, 32);
	m->n = 0;
}

static void mac_put(struct mac *m, const void *p, size_t n)
{
	if (m->n + n > sizeof(m->b)) {
		crypto_generichash_update(&m->h, m->b, m->n);
		m->n = 0;
	}
	if (n > sizeof(m->b)) {
		crypto_generichash_update(&m->h, p, n);
		return;
	}
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void mac_final(struct mac *m, uint8_t out[32])
{
	crypto_generichash_update(&m->h, m->b, m->n);
	crypto_generichash_final(&m->h, out, 32);
}

/* One field, length-prefixed so no two rows give the same input; NULL is its own length. */
static void mac_bytes(struct mac *h, const void *p, size_t n, int is_null)
{
	uint64_t len = is_null ? UINT64_MAX : (uint64_t)n;
	uint8_t le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(len >> (8 * i));
	mac_put(h, le, sizeof(le));
	if (!is_null && n)
		mac_put(h, p, n);
}

static void mac_text(struct mac *h, const char *s)
{
	mac_bytes(h, s, s ? strlen(s) : 0, s == NULL);
}

/* v in decimal, as "%lld" writes it. */
static void mac_int(struct mac *h, long long v)
{
	char b[24], *e = b + sizeof(b), *p = e;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	mac_bytes(h, p, (size_t)(e - p), 0);
}

const uint8_t *prog_cache_key(struct rl_db *db, struct rl_error *err)
{
	return rl_secret_get(db, RL_SECRET_CACHE, err);
}

/*
 * The trainee's pending claims as the seals bind them (docs/ledger.md,
 * "replay"): how many session records wait, the sum of their ids and the
 * sum of their revisions (store/progress_rows.h rl_rows_progress_claims).
 * While the ledger stands still for the trainee (ledger_through, also
 * sealed), their claims change only by a new record (a fresh id, above
 * every id there was), an edit or a withdrawal (each one more revision),
 * so no later set of claims gives the same three numbers as an earlier
 * different one: an old sealed row put back fails its seal as soon as
 * anything it counted has changed.  O(the trainee's pending claims), by
 * the sessions_pending index.
 */
static void mac_claims(struct mac *h, const struct rl_row_progress_claims *c)
{
	mac_int(h, c->n);
	mac_int(h, c->ids);
	mac_int(h, c->revs);
}

/* Which status columns are integers (RL_STATUS_* order); the others are text. */
static const int status_is_int[RL_STATUS_NCOLS] = { 0, 1, 1, 0, 0, 1, 1, 1 };

void prog_status_mac(const uint8_t *key, int64_t trainee, const struct rl_row_progress_status *row,
		     const struct rl_row_progress_claims *c, uint8_t out[32])
{
	struct mac h;

	mac_init(&h, key);
	mac_text(&h, c ? "raslog-cache-status-v2" : "raslog-cache-status-v1");
	mac_int(&h, trainee);
	for (int i = 0; i < RL_STATUS_NCOLS; i++) {
		const struct rl_row_progress_cell *cell = &row->col[i];

		if (cell->is_null)
			mac_bytes(&h, NULL, 0, 1);
		else if (status_is_int[i])
			mac_int(&h, cell->i);
		else
			mac_bytes(&h, cell->text, cell->len, 0);
	}
	if (c)
		mac_claims(&h, c);
	mac_final(&h, out);
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
		     const struct rl_row_progress_claims *c, uint8_t out[32])
{
	struct mac h;
	size_t n = json_object_size(tallies), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys)), *k;
	json_t *v;

	if (!keys)
		return -1;
	json_object_foreach((json_t *)tallies, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), by_key);
	mac_init(&h, key);
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
	mac_final(&h, out);
	free(keys);
	return 0;
}

void prog_sealed_release(struct prog_sealed *s)
{
	json_decref(s->tallies);
	s->tallies = NULL;
}

/* What read_sealed takes from the status row while the statement holds it. */
struct sealed_read {
	const uint8_t *key;
	int64_t trainee;
	const struct rl_row_progress_claims *claims;
	struct prog_sealed *s;
	int tmac_ok, through_null;
	uint8_t tmac[32];
};

static void sealed_row(void *ctx, const struct rl_row_progress_status *row)
{
	struct sealed_read *r = ctx;
	struct prog_sealed *s = r->s;
	uint8_t want[32];

	s->row = 1;
	prog_status_mac(r->key, r->trainee, row, r->claims, want);
	s->sealed = row->mac != NULL;
	s->status_ok = s->sealed && row->mac_len == 32 && sodium_memcmp(row->mac, want, 32) == 0;
	if (s->sealed && !s->status_ok && row->mac_len == 32) {
		/* A version 1 seal that holds: sealed before the claims were bound, not tampered with. */
		prog_status_mac(r->key, r->trainee, row, NULL, want);
		if (sodium_memcmp(row->mac, want, 32) == 0)
			s->sealed = 0;
	}
	if (row->tally_mac && row->tally_mac_len == 32) {
		memcpy(r->tmac, row->tally_mac, 32);
		r->tmac_ok = 1;
	}
	if (!row->col[RL_STATUS_UNTIL].is_null)
		snprintf(s->until, sizeof(s->until), "%.*s", (int)row->col[RL_STATUS_UNTIL].len,
			 row->col[RL_STATUS_UNTIL].text ? row->col[RL_STATUS_UNTIL].text : "");
	if (!row->col[RL_STATUS_ACC_INDEX].is_null)
		s->acc_index = row->col[RL_STATUS_ACC_INDEX].i;
	if (!row->col[RL_STATUS_THROUGH].is_null) {
		s->through = row->col[RL_STATUS_THROUGH].i;
		r->through_null = 0;
	}
}

int prog_read_sealed(struct rl_db *db, int64_t trainee, struct prog_sealed *s, struct rl_error *err)
{
	const uint8_t *key = prog_cache_key(db, err);
	struct rl_row_progress_claims c;
	struct sealed_read r = { key, trainee, &c, s, 0, 1, { 0 } };
	uint8_t want[32];

	memset(s, 0, sizeof(*s));
	s->acc_index = s->through = -1;
	if (!key || prog_tally_settle(db, trainee, err) < 0 || rl_rows_progress_claims(db, trainee, &c, err) < 0 ||
	    rl_rows_progress_status(db, trainee, sealed_row, &r, err) < 0)
		return -1;
	s->claims = c;
	if (!(s->tallies = rl_tally_load(db, trainee, err)))
		return -1;
	if (s->row && r.tmac_ok) {
		if (tally_mac(key, trainee, r.through_null, s->through, s->tallies, &c, want) < 0)
			return rl_error_internal(err, "out of memory");
		s->tally_ok = sodium_memcmp(r.tmac, want, 32) == 0;
	}
	return 0;
}

/* ------------------------------------------------------------------- rows */

void prog_rows_free(struct prog_rows *w)
{
	json_decref(w->tally);
	json_decref(w->r.summary);
	w->tally = w->r.summary = NULL;
}

json_t *prog_tallies_of(const struct rl_progress *p)
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

void prog_rows_of_record(const struct rl_progress *p, int64_t through, struct prog_rows *w)
{
	struct prog_status *r = &w->r;

	w->tally = prog_tallies_of(p);
	r->status = p->acc_index >= 0 ? "accredited" : p->evaluated_status;
	r->met = (int)p->modules_met;
	r->total = (int)p->nmodules;
	r->summary = rl_progress_summary_json(p);
	r->summary_text = NULL;
	r->until = p->acc_index >= 0 ? p->acc_until : NULL;
	r->acc_index = p->acc_index;
	r->through = through;
}

int prog_rows_of_tallies(const struct rl_curriculum *c, const struct rl_figures_tallies *f, int64_t through,
			 struct prog_rows *w, struct rl_error *err)
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
	w->r.summary_text = NULL;
	w->r.acc_index = f->acc_index;
	w->r.status = f->acc_index >= 0 ? "accredited" : w->r.met == w->r.total ? "eligible" : "in_training";
	w->r.until = f->acc_index >= 0 && f->has_until ? f->acc_until : NULL;
	w->r.through = through;
	return 0;
}

/* ---------------------------------------------------------------- writing */

static void cell_text(struct rl_row_progress_cell *c, const char *s)
{
	c->is_null = s == NULL;
	c->text = s;
	c->len = s ? strlen(s) : 0;
}

static void cell_int(struct rl_row_progress_cell *c, int is_null, int64_t v)
{
	c->is_null = is_null;
	c->i = v;
}

int prog_write_status(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const json_t *tallies,
		      const struct prog_status *r, struct rl_row_progress_claims *claims, int claims_known,
		      struct rl_error *err)
{
	/* No summary at all is stored as the empty list "[]" (no JSON made for it). */
	char *text = r->summary_text || !r->summary ? NULL : json_dumps(r->summary, JSON_COMPACT), now[21];
	const char *status = r->status ? r->status : "in_training";
	const char *summary = r->summary_text ? r->summary_text : text ? text : "[]";
	const uint8_t *key = prog_cache_key(db, err);
	json_t *loaded = NULL;
	struct rl_row_progress_claims cl;
	struct rl_row_progress_status row;
	struct rl_row_progress_status_put put;
	uint8_t smac[32], tmac[32];
	int64_t cid = rl_curriculum_id_of(db, c);
	int rc;

	rl_now_rfc3339(now);
	/* curriculum_id: what the figures were measured against, so the list need not look it up per trainee. */
	if (!key || (!cid && rl_enrolled_curriculum(db, trainee, &cid, err) < 0) ||
	    (!tallies && !(tallies = loaded = rl_tally_load(db, trainee, err))) ||
	    (claims && claims_known ? (cl = *claims, 0) : rl_rows_progress_claims(db, trainee, &cl, err)) < 0) {
		json_decref(loaded);
		free(text);
		return -1;
	}
	/*
	 * The seals cover the trainee's pending claims as they are now, in this
	 * transaction, and the values as stored, computed from the values bound
	 * (each column is served as it was bound) without reading them back.
	 */
	memset(&row, 0, sizeof(row));
	cell_text(&row.col[RL_STATUS_STATUS], status);
	cell_int(&row.col[RL_STATUS_MET], 0, r->met);
	cell_int(&row.col[RL_STATUS_TOTAL], 0, r->total);
	cell_text(&row.col[RL_STATUS_SUMMARY], summary);
	cell_text(&row.col[RL_STATUS_UNTIL], r->until);
	cell_int(&row.col[RL_STATUS_ACC_INDEX], r->acc_index < 0, r->acc_index);
	cell_int(&row.col[RL_STATUS_THROUGH], 0, r->through);
	cell_int(&row.col[RL_STATUS_CURRICULUM], cid == 0, cid);
	prog_status_mac(key, trainee, &row, &cl, smac);
	if (tally_mac(key, trainee, 0, r->through, tallies, &cl, tmac) < 0) {
		json_decref(loaded);
		free(text);
		return rl_error_internal(err, "out of memory");
	}
	if (claims && !claims_known)
		*claims = cl;
	put = (struct rl_row_progress_status_put){ trainee, status, r->met, r->total, summary, r->until, now,
						   r->through, r->acc_index, cid, smac, tmac };
	rc = rl_rows_progress_put_status(db, &put, err);
	if (rc == 0)
		prog_memo_row_written(db, trainee, status, r, tallies);
	json_decref(loaded);
	free(text);
	return rc;
}

int prog_write_cache(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct prog_rows *w,
		     struct rl_error *err)
{
	const char *key;
	json_t *v;

	/* (The claims waiting in a batch are in w already: settled so that none is added on top later.) */
	if (prog_tally_settle(db, trainee, err) < 0 || rl_rows_progress_clear_tallies(db, trainee, err) < 0)
		return -1;
	json_object_foreach(w->tally, key, v)
		if (rl_rows_progress_put_tally(db, trainee, key, json_integer_value(json_array_get(v, 0)),
					       json_integer_value(json_array_get(v, 1)), err) < 0)
			return -1;
	/* The tally rows are now exactly w->tally: their seal is computed from it. */
	return prog_write_status(db, trainee, c, w->tally, &w->r, NULL, 0, err);
}
