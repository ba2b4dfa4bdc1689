/*
 * progress_list.c - the accreditation list (GET /accreditation): every
 * trainee's cached status row, checked against its seal and the ledger
 * before it is listed or counted, the header's counts and the trainees'
 * sites, with the per-thread memo that spares the O(trainees) part while
 * the database's data version stands; see progress.h.
 */
#include "base/prelude.h"

#include "domain/progress_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/util.h"
#include "domain/users.h"

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
	if (rl_db_begin_read(db, err) < 0)
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
	/* A read transaction: ending it cannot undo anything, so its failure is not the reply's. */
	rl_db_end_read(db);
	return out;
}

json_t *rl_accreditation_list(struct rl_db *db, const struct rl_accreditation_filter *f, json_t *stale,
			      struct rl_error *err)
{
	int retry;
	json_t *out = list_once(db, f, stale, 1, &retry, err);

	return retry ? list_once(db, f, stale, 0, &retry, err) : out;
}

struct page_ctx {
	json_t *items;
	int n, limit;
};

/* One row of the page; 1 (stop) at the row past the page, which says there is a next one. */
static int page_row(void *ctx, const struct rl_row_accreditation *r)
{
	struct page_ctx *x = ctx;
	json_t *summary, *row;

	if (x->n == x->limit)
		return 1;
	summary = r->summary ? json_loads(r->summary, 0, NULL) : NULL;
	row = json_pack("{s:I,s:s,s:s,s:{s:s,s:i},s:s,s:i,s:i,s:o}",
			"id", (json_int_t)r->id, "name", r->name, "site", r->site, "curriculum", "code", r->code,
			"version", r->version, "status", r->status, "modules_met", r->met, "modules_total", r->total,
			"modules", summary ? summary : json_array());
	if (r->until)
		json_object_set_new(row, "accredited_until", json_string(r->until));
	json_array_append_new(x->items, row);
	x->n++;
	return 0;
}

static void count_row(void *ctx, const char *status, int64_t n)
{
	json_object_set_new(ctx, status, json_integer(n));
}

static json_t *list_rows(struct rl_db *db, const struct rl_accreditation_filter *f, struct list_io *io,
			 struct rl_error *err)
{
	struct page_ctx page = { json_array(), 0, f->limit };
	struct rl_rows_acc_query q;
	char today[11];
	json_t *counts, *sites, *out;
	int rc;

	rl_format_date(rl_today(), today);
	query_of(f, today, &q);
	if ((rc = rl_rows_accreditation_page(db, &q, page_row, &page, err)) < 0) {
		json_decref(page.items);
		return NULL;
	}
	out = json_pack("{s:o}", "items", page.items);
	if (rc == 1) {
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
		   rl_rows_accreditation_counts(db, &q, count_row, counts, err) == 0) {
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
}
