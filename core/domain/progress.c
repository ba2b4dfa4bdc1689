/*
 * progress.c - where a trainee stands: their figures from the ledger
 * (rl_figures over their signed entries and pending claims), the full
 * report with its evidence, and the progress reply from the sealed caches
 * (falling back to the ledger when a seal fails); see progress.h.  The
 * caches themselves are progress_seal.c's and progress_cache.c's, the
 * sweep over every trainee progress_check.c's and the accreditation list
 * progress_list.c's (progress_impl.h).
 */
#include "base/prelude.h"

#include "domain/progress_impl.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/buf.h"
#include "domain/catalog.h"
#include "domain/enrolled.h"
#include "domain/tally.h"
#include "domain/users.h"
#include "ledger/ledger.h"

/* ------------------------------------------------------ the ledger's view */

const struct rl_curriculum *prog_curriculum(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	int64_t cid = 0;

	if (rl_enrolled_curriculum(db, trainee, &cid, err) < 0)
		return NULL;
	return cid ? rl_curriculum_by_id(db, cid, err) : NULL;
}

json_t *prog_entry_of(int64_t idx, const char *m, size_t len)
{
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	json_t *stmt;

	if (!m || len < plen || memcmp(m, RL_STATEMENT_PREFIX, plen) != 0 ||
	    !(stmt = json_loadb(m + plen, len - plen, 0, NULL)))
		return NULL;
	return json_pack("{s:I,s:o}", "index", (json_int_t)idx, "statement", stmt);
}

struct entries_ctx {
	json_t *out;
	uint64_t *count;
};

static int add_entry(void *ctx, const struct rl_row_progress_entry *row)
{
	struct entries_ctx *x = ctx;
	json_t *entry = prog_entry_of(row->idx, row->message, row->len);

	if (entry) {
		json_array_append_new(x->out, entry);
		if (x->count)
			(*x->count)++;
	}
	return 0;
}

/*
 * The ledger entries about the trainee, parsed: [{"index","statement"}].
 * subject_id only narrows the read; rl_figures checks every statement
 * names the trainee, so a changed subject_id can hide evidence, never add
 * any (and the ledger's rows cannot be changed: schema/004).
 */
static json_t *trainee_entries(struct rl_db *db, int64_t trainee, uint64_t *count, struct rl_error *err)
{
	struct entries_ctx x = { json_array(), count };

	if (rl_rows_progress_entries(db, trainee, add_entry, &x, err) < 0) {
		json_decref(x.out);
		return NULL;
	}
	return x.out;
}

struct pending_ctx {
	json_t *out;
	int64_t trainee;
};

static int add_pending(void *ctx, const struct rl_row_progress_pending *row)
{
	struct pending_ctx *x = ctx;
	json_t *s = json_pack("{s:I,s:I,s:I,s:s,s:I,s:s,s:s}", "id", (json_int_t)row->id,
			      "trainee", (json_int_t)x->trainee, "trainer", (json_int_t)row->trainer_id,
			      "date", row->date, "minutes", (json_int_t)row->minutes,
			      "activity", row->activity, "status", "pending");

	if (row->platform)
		json_object_set_new(s, "platform", json_string(row->platform));
	if (row->role)
		json_object_set_new(s, "role", json_string(row->role));
	if (row->steps)
		json_object_set_new(s, "steps", json_loads(row->steps, 0, NULL));
	json_array_append_new(x->out, s);
	return 0;
}

json_t *prog_pending(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct pending_ctx x = { json_array(), trainee };

	if (rl_rows_progress_pending(db, trainee, add_pending, &x, err) < 0) {
		json_decref(x.out);
		return NULL;
	}
	return x.out;
}

static json_t *figures_of(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, uint64_t *count,
			  struct rl_error *err)
{
	json_t *entries = trainee_entries(db, trainee, count, err), *pending = NULL, *ev = NULL;
	const struct rl_tools *tools = rl_tools_default(err);
	char today[11];

	if (entries && tools && (pending = prog_pending(db, trainee, err))) {
		rl_format_date(rl_today(), today);
		ev = rl_figures(c, tools, trainee, entries, pending, today, err);
	}
	json_decref(entries);
	json_decref(pending);
	return ev;
}

int prog_ledger_record(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_progress *p,
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
	const struct rl_curriculum *c = prog_curriculum(db, trainee, err);

	if (!c) {
		if (!err->status)
			rl_error_set(err, RL_E_CONFLICT, "not-enrolled", NULL, "trainee %lld is not enrolled on a curriculum",
				     (long long)trainee);
		return NULL;
	}
	return figures_of(db, trainee, c, statements, err);
}

/* ---------------------------------------------------------------- report */

/* Assessment evidence names the assessment record too (GET /assessments); not a figure. */
static void name_assessments(struct rl_db *db, json_t *items, struct rl_error *err)
{
	size_t i;
	json_t *it;
	int64_t id;
	int rc;

	json_array_foreach(items, i, it) {
		if (!json_is_object(it) || !json_string_value(json_object_get(it, "type")) ||
		    strcmp(json_string_value(json_object_get(it, "type")), "assessment") != 0)
			continue;
		rc = rl_rows_progress_assessment_at(db, json_integer_value(json_object_get(it, "ledger_index")), &id, err);
		if (rc < 0)
			return;
		if (rc == 1)
			json_object_set_new(it, "assessment", json_integer(id));
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

/* --------------------------------------------------------------- summary */

/*
 * What a progress reply is made from: the typed record (from the tallies,
 * or the ledger's figures when the rows failed their check), with the
 * strings it borrows, or, for a trainee with nothing in the ledger yet,
 * the report as a document.
 */
struct reply_src {
	int have_record;          /* p is set (else doc) */
	struct rl_progress p;
	json_t *doc;
	int64_t curriculum_id;    /* the id p->def is known by (catalog.h), 0 if not known */
	struct rl_user u;         /* the trainee's name and site, which p borrows */
	char until[32];           /* the accreditation's valid_until, which p borrows */
};

static void reply_src_release(struct reply_src *src)
{
	if (src->have_record)
		rl_progress_release(&src->p);
	json_decref(src->doc);
	src->have_record = 0;
	src->doc = NULL;
}

/*
 * The reply's record from tallies (key -> [signed, pending]) and the live
 * accreditation (acc_index -1: none): rl_curriculum_assess, O(requirements).
 */
static int record_from(const struct rl_curriculum *c, json_t *tallies, int64_t acc_index, const char *until,
		       struct reply_src *src, struct rl_error *err)
{
	char today[11];

	snprintf(src->until, sizeof(src->until), "%s", until ? until : "");
	if (rl_curriculum_assess(c, rl_tally_lookup, tallies, &src->p, err) < 0)
		return -1;
	src->have_record = 1;
	rl_format_date(rl_today(), today);
	rl_progress_set_accreditation(&src->p, acc_index, until ? src->until : NULL, today);
	rl_progress_set_trainee(&src->p, src->u.id, src->u.name, src->u.site);
	return 0;
}

/* The same record from the ledger's figures (what the rows would hold once rebuilt): O(the trainee's entries). */
static int record_from_ledger(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c,
			      struct reply_src *src, struct rl_error *err)
{
	struct rl_progress p;
	json_t *tallies;
	int rc;

	if (prog_ledger_record(db, trainee, c, &p, err) < 0)
		return -1;
	tallies = prog_tallies_of(&p);
	rc = record_from(c, tallies, p.acc_index, p.acc_until, src, err);
	json_decref(tallies);
	rl_progress_release(&p);
	return rc;
}

static int summary(struct rl_db *db, int64_t trainee, int *stale, struct reply_src *src, struct rl_error *err);

/* A dozen reads: one read transaction on SQLite, not one each (issue 18's profile of this reply). */
static int summary_read(struct rl_db *db, int64_t trainee, int *stale, struct reply_src *src, struct rl_error *err)
{
	int rc;

	memset(src, 0, sizeof(*src));
	if (stale)
		*stale = 0;
	if (rl_db_begin_reads(db, err) < 0)
		return -1;
	rc = summary(db, trainee, stale, src, err);
	rl_db_finish_reads(db);
	if (rc < 0)
		reply_src_release(src);
	return rc;
}

json_t *rl_progress_summary(struct rl_db *db, int64_t trainee, int *stale, struct rl_error *err)
{
	struct reply_src src;
	json_t *ev;

	if (summary_read(db, trainee, stale, &src, err) < 0)
		return NULL;
	ev = src.have_record ? rl_progress_to_json(&src.p, err) : json_incref(src.doc);
	reply_src_release(&src);
	return ev;
}

/* The tag of a packed reply (rl_progress_reply's packed): a record, or the reply's bytes as they are. */
#define PACKED_RECORD 'R'
#define PACKED_TEXT 'T'

int rl_progress_reply(struct rl_db *db, int64_t trainee, struct rl_buf *json, struct rl_buf *packed, int *stale,
		      json_t **doc, struct rl_error *err)
{
	struct reply_src src;
	size_t mark = packed ? packed->len : 0;
	int rc = 0, bad = 0;

	*doc = NULL;
	if (summary_read(db, trainee, &bad, &src, err) < 0)
		return -1;
	if (stale)
		*stale = bad;
	if (bad) {
		/* The ledger's figures, as a document, for the caller to serve once the rows are repaired. */
		*doc = src.have_record ? rl_progress_to_json(&src.p, err) : json_incref(src.doc);
		rc = *doc ? 0 : -1;
	} else if (src.have_record) {
		rc = rl_progress_write_json(&src.p, json, err);
		if (rc == 0 && packed && src.curriculum_id > 0) {
			rl_buf_putc(packed, PACKED_RECORD);
			if (rl_progress_pack(&src.p, src.curriculum_id, packed) < 0)
				packed->len = mark; /* not a record that packs: left uncached */
		}
	} else {
		char *text = json_dumps(src.doc, JSON_COMPACT);

		if (!text) {
			rl_error_internal(err, "the progress report could not be encoded");
			rc = -1;
		} else {
			rl_buf_puts(json, text);
			if (packed) {
				rl_buf_putc(packed, PACKED_TEXT);
				rl_buf_puts(packed, text);
			}
			free(text);
		}
	}
	if (packed && rl_buf_failed(packed))
		rl_buf_reset(packed);
	if (rc == 0 && rl_buf_failed(json)) {
		rl_error_internal(err, "out of memory writing the progress reply");
		rc = -1;
	}
	reply_src_release(&src);
	return rc;
}

int rl_progress_reply_unpack(struct rl_db *db, const void *packed, size_t len, struct rl_buf *json,
			     struct rl_error *err)
{
	const char *tag = packed;
	const struct rl_curriculum *c;
	struct rl_progress p;
	int64_t cid;
	int rc;

	if (len >= 1 && tag[0] == PACKED_TEXT)
		return rl_buf_add(json, tag + 1, len - 1) < 0 ? (rl_error_internal(err, "out of memory"), -1) : 0;
	if (len < 1 || tag[0] != PACKED_RECORD || (cid = rl_progress_packed_curriculum(tag + 1, len - 1)) <= 0) {
		rl_error_internal(err, "a cached progress reply is not one");
		return -1;
	}
	if (!(c = rl_curriculum_by_id(db, cid, err)) || rl_progress_unpack(c, tag + 1, len - 1, &p, err) < 0)
		return -1;
	rc = rl_progress_write_json(&p, json, err);
	rl_progress_release(&p);
	return rc;
}

static int summary(struct rl_db *db, int64_t trainee, int *stale, struct reply_src *src, struct rl_error *err)
{
	const struct rl_curriculum *c;
	struct prog_sealed s;
	int64_t last;
	int bad, rc = -1;

	if (rl_user_get(db, trainee, &src->u, err) < 0 || !(src->u.roles & 1)) {
		rl_error_clear(err);
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no trainee %lld is visible to you", (long long)trainee);
		return -1;
	}
	if (!(c = prog_curriculum(db, trainee, err))) {
		if (!err->status)
			rl_error_set(err, RL_E_CONFLICT, "not-enrolled", NULL, "trainee %lld is not enrolled on a curriculum",
				     (long long)trainee);
		return -1;
	}
	src->curriculum_id = rl_curriculum_id_of(db, c);
	if (prog_read_sealed(db, trainee, &s, err) < 0)
		goto out;
	last = rl_rows_progress_last_index(db, trainee, err);
	if (err->status)
		goto out;
	/* A row edited, added, removed, copied or replayed from an older state: the ledger's figures instead. */
	bad = !s.row || !s.status_ok || !s.tally_ok || s.through != last;
	if (stale)
		*stale = bad;
	if (bad) {
		rc = record_from_ledger(db, trainee, c, src, err);
	} else if (s.through < 0) {
		/* Nothing about the trainee in the ledger yet: the report, less the evidence. */
		json_t *mod, *req;
		size_t i, j;
		if (!(src->doc = rl_progress_report(db, trainee, err)))
			goto out;
		json_array_foreach(json_object_get(src->doc, "modules"), i, mod)
			json_array_foreach(json_object_get(mod, "requirements"), j, req)
				json_object_del(req, "evidence");
		json_object_del(src->doc, "assessments");
		json_object_del(src->doc, "pending");
		rc = 0;
	} else {
		/* The tallies the seal was checked on, not a second read of them. */
		rc = record_from(c, s.tallies, s.acc_index, s.until, src, err);
	}
out:
	prog_sealed_release(&s);
	return rc;
}
