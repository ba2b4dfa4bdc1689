/*
 * progress.c - running totals, progress reports, the accreditation list
 * and the curriculum cache; see progress.h.
 */
#include "base/prelude.h"

#include "domain/progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "domain/sessions.h"
#include "domain/users.h"
#include "base/util.h"

/* ------------------------------------------------------------ curricula */

#define MAX_CURRICULA 64

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rl_tools *tools_cache;
static struct {
	char db[256];
	int64_t id;
	struct rl_curriculum *c;
} curricula[MAX_CURRICULA];
static int ncurricula;

const struct rl_tools *rl_tools_default(struct rl_error *err)
{
	const struct rl_embedded *e;

	pthread_mutex_lock(&cache_lock);
	if (!tools_cache && (e = rl_embedded_find("schema/tools.json")))
		rl_tools_parse(e->data, e->len, &tools_cache, err);
	pthread_mutex_unlock(&cache_lock);
	if (!tools_cache && !err->status)
		rl_error_internal(err, "this build carries no assessment tool table");
	return tools_cache;
}

const struct rl_curriculum *rl_curriculum_by_id(struct rl_db *db, int64_t id, struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	struct rl_curriculum *c = NULL;
	sqlite3_stmt *st;

	if (!tools)
		return NULL;
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < ncurricula; i++) {
		if (curricula[i].id == id && strcmp(curricula[i].db, db->path) == 0) {
			c = curricula[i].c;
			pthread_mutex_unlock(&cache_lock);
			return c;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	st = rl_db_stmt(db, "SELECT definition FROM curricula WHERE id = ?", err);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		rl_error_set(err, RL_E_INTERNAL, "no-curriculum", NULL, "curriculum %lld is missing", (long long)id);
		return NULL;
	}
	rl_curriculum_parse((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0),
			    tools, &c, err);
	sqlite3_reset(st);
	if (!c)
		return NULL;
	pthread_mutex_lock(&cache_lock);
	if (ncurricula < MAX_CURRICULA) {
		snprintf(curricula[ncurricula].db, sizeof(curricula[ncurricula].db), "%s", db->path);
		curricula[ncurricula].id = id;
		curricula[ncurricula].c = c;
		ncurricula++;
	} else {
		/* More curricula than slots: a long-lived leak of one parse is better than a dangling pointer. */
	}
	pthread_mutex_unlock(&cache_lock);
	return c;
}

/* Frees the caches at exit so leak checkers see a clean process. */
__attribute__((destructor)) static void free_caches(void)
{
	for (int i = 0; i < ncurricula; i++)
		rl_curriculum_free(curricula[i].c);
	ncurricula = 0;
	rl_tools_free(tools_cache);
	tools_cache = NULL;
}

/* --------------------------------------------------------------- tallies */

struct tally_ctx {
	struct rl_db *db;
	int64_t trainee;
	int sign;          /* +1 or -1 */
	int pending;       /* 1: the pending column, 0: signed */
	struct rl_error *err;
	int failed;
};

static void add_tally(void *vctx, const char *key, long long amount)
{
	struct tally_ctx *t = vctx;
	sqlite3_stmt *st;

	if (t->failed)
		return;
	st = rl_db_stmt(t->db, t->pending
		? "INSERT INTO trainee_tally(trainee_id, requirement, pending) VALUES (?1, ?2, ?3) "
		  "ON CONFLICT DO UPDATE SET pending = pending + ?3"
		: "INSERT INTO trainee_tally(trainee_id, requirement, signed) VALUES (?1, ?2, ?3) "
		  "ON CONFLICT DO UPDATE SET signed = signed + ?3", t->err);
	if (!st) {
		t->failed = 1;
		return;
	}
	sqlite3_bind_int64(st, 1, t->trainee);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, t->sign * amount);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rl_db_fail(t->db, t->err, "updating progress totals");
		t->failed = 1;
	}
	sqlite3_reset(st);
}

/* The trainee's curriculum, or NULL (and no error) when not enrolled. */
static const struct rl_curriculum *trainee_curriculum(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db, "SELECT curriculum_id FROM users WHERE id = ?", err);
	int64_t cid = 0;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, trainee);
	if (sqlite3_step(st) == SQLITE_ROW)
		cid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return cid ? rl_curriculum_by_id(db, cid, err) : NULL;
}

/* Collects step codes of a JSON array text into a fixed array of pointers into arr. */
static size_t steps_of(json_t *arr, const char *out[], size_t max)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(arr, i, v) {
		if (n < max && json_is_string(v))
			out[n++] = json_string_value(v);
	}
	return n;
}

/* Applies one session's contributions in the view its status calls for. */
static int apply_session(struct rl_db *db, const struct rl_curriculum *c, const json_t *s, const char *status,
			 int sign, struct rl_error *err)
{
	const char *steps[64];
	struct rl_evidence ev = { 0 };
	struct tally_ctx t = { db, 0, sign, 0, err, 0 };
	const json_t *so = json_object_get(s, "signoff");
	const json_t *step_arr;

	if (strcmp(status, "rejected") == 0 || strcmp(status, "withdrawn") == 0)
		return 0;
	t.trainee = json_integer_value(json_object_get(s, "trainee"));
	t.pending = strcmp(status, "pending") == 0;
	ev.kind = RL_EV_SESSION;
	ev.activity = json_string_value(json_object_get(s, "activity"));
	ev.platform = json_string_value(json_object_get(s, "platform"));
	ev.minutes = json_integer_value(json_object_get(s, "minutes"));
	if (t.pending) {
		ev.role = json_string_value(json_object_get(s, "role"));
		step_arr = json_object_get(s, "steps");
	} else {
		ev.role = json_string_value(json_object_get(so, "role"));
		step_arr = json_object_get(so, "steps");
	}
	ev.nsteps = steps_of((json_t *)step_arr, steps, 64);
	ev.steps = steps;
	rl_curriculum_contributions(c, rl_tools_default(err), &ev, add_tally, &t);
	return t.failed ? -1 : 0;
}

int rl_progress_session_changed(struct rl_db *db, int64_t session_id, const char *old_status,
				struct rl_error *err)
{
	json_t *s = rl_session_load(db, session_id, err);
	const struct rl_curriculum *c;
	int64_t trainee;
	int rc = -1;

	if (!s)
		return -1;
	trainee = json_integer_value(json_object_get(s, "trainee"));
	c = trainee_curriculum(db, trainee, err);
	if (!c) {
		rc = err->status ? -1 : 0;
		goto out;
	}
	if (old_status && apply_session(db, c, s, old_status, -1, err) < 0)
		goto out;
	if (apply_session(db, c, s, json_string_value(json_object_get(s, "status")), +1, err) < 0)
		goto out;
	/* The status row depends on signed totals only: a new pending session leaves it as it is. */
	if (!old_status && strcmp(json_string_value(json_object_get(s, "status")), "pending") == 0) {
		rc = 0;
		goto out;
	}
	rc = rl_progress_refresh(db, trainee, err);
out:
	json_decref(s);
	return rc;
}

int rl_progress_session_decided(struct rl_db *db, const json_t *before, const char *decision,
				const char *role, const json_t *steps, struct rl_error *err)
{
	int64_t trainee = json_integer_value(json_object_get(before, "trainee"));
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);
	int confirmed = strcmp(decision, "confirmed") == 0;
	json_t *after, *so;
	int rc;

	if (!c)
		return err->status ? -1 : 0;
	/* The record as it now stands, built from what was just written rather than read back. */
	after = json_deep_copy(before);
	so = json_object();
	if (role)
		json_object_set_new(so, "role", json_string(role));
	if (steps)
		json_object_set(so, "steps", (json_t *)steps);
	json_object_set_new(after, "signoff", so);
	json_object_set_new(after, "status", json_string(confirmed ? "signed" : "rejected"));
	rc = apply_session(db, c, before, "pending", -1, err);
	if (rc == 0)
		rc = apply_session(db, c, after, confirmed ? "signed" : "rejected", +1, err);
	json_decref(after);
	if (rc == 0 && confirmed)
		rc = rl_progress_refresh(db, trainee, err);
	return rc;
}

int rl_progress_session_edited(struct rl_db *db, const json_t *before, const json_t *after, struct rl_error *err)
{
	int64_t trainee = json_integer_value(json_object_get(before, "trainee"));
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);

	if (!c)
		return err->status ? -1 : 0;
	/* Pending claims only: the status row depends on signed totals, which neither version has. */
	if (apply_session(db, c, before, json_string_value(json_object_get(before, "status")), -1, err) < 0)
		return -1;
	return apply_session(db, c, after, json_string_value(json_object_get(after, "status")), +1, err);
}

int rl_progress_assessment_added(struct rl_db *db, int64_t trainee, const char *tool,
				 const int *scores, size_t nscores, struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);
	struct rl_evidence ev = { 0 };
	struct tally_ctx t = { db, trainee, +1, 0, err, 0 };

	if (!c)
		return err->status ? -1 : 0;
	ev.kind = RL_EV_ASSESSMENT;
	ev.tool = tool;
	ev.scores = scores;
	ev.nscores = nscores;
	rl_curriculum_contributions(c, rl_tools_default(err), &ev, add_tally, &t);
	if (t.failed)
		return -1;
	return rl_progress_refresh(db, trainee, err);
}

int rl_progress_module_completed(struct rl_db *db, int64_t trainee, const char *module,
				 struct rl_error *err)
{
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);
	struct rl_evidence ev = { 0 };
	struct tally_ctx t = { db, trainee, +1, 0, err, 0 };

	if (!c)
		return err->status ? -1 : 0;
	ev.kind = RL_EV_MODULE;
	ev.module = module;
	rl_curriculum_contributions(c, rl_tools_default(err), &ev, add_tally, &t);
	if (t.failed)
		return -1;
	return rl_progress_refresh(db, trainee, err);
}

/* Tally rows of one trainee, loaded once per evaluation. */
struct tally_rows {
	int n;
	struct { char key[140]; long long s, p; } row[256];
};

static int load_tally(struct rl_db *db, int64_t trainee, struct tally_rows *rows, struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db, "SELECT requirement, signed, pending FROM trainee_tally WHERE trainee_id = ?", err);
	int rc;

	if (!st)
		return -1;
	rows->n = 0;
	sqlite3_bind_int64(st, 1, trainee);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && rows->n < 256) {
		snprintf(rows->row[rows->n].key, sizeof(rows->row[0].key), "%s", rl_db_col_text(st, 0));
		rows->row[rows->n].s = sqlite3_column_int64(st, 1);
		rows->row[rows->n].p = sqlite3_column_int64(st, 2);
		rows->n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rl_db_fail(db, err, "reading progress totals");
	return 0;
}

static int tally_lookup(void *ctx, const char *key, long long *s, long long *p)
{
	struct tally_rows *rows = ctx;

	for (int i = 0; i < rows->n; i++) {
		if (strcmp(rows->row[i].key, key) == 0) {
			*s = rows->row[i].s < 0 ? 0 : rows->row[i].s;
			*p = rows->row[i].p < 0 ? 0 : rows->row[i].p;
			return 0;
		}
	}
	return 1;
}

static json_t *evaluate(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_error *err)
{
	/* 40 KiB: per thread rather than malloc'd per call, which churned the allocator. */
	static _Thread_local struct tally_rows rows;
	json_t *ev = NULL;

	if (load_tally(db, trainee, &rows, err) == 0)
		ev = rl_curriculum_evaluate(c, tally_lookup, &rows, err);
	return ev;
}

/* The trainee's live accreditation, if any: 1 found (until may be ""), 0 none. */
static int accreditation_of(struct rl_db *db, int64_t trainee, int64_t *index, char until[11], struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db, "SELECT ledger_index, coalesce(valid_until, '') FROM trainee_accreditations "
					  "WHERE trainee_id = ? AND revoked_index IS NULL ORDER BY id DESC LIMIT 1", err);
	int found = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, trainee);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*index = sqlite3_column_int64(st, 0);
		snprintf(until, 11, "%s", rl_db_col_text(st, 1));
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

static const char *overall_status(const char *evaluated, int accredited, const char *until)
{
	char today[11];

	if (!accredited)
		return evaluated;
	rl_format_date(rl_today(), today);
	if (until[0] && strcmp(until, today) < 0)
		return "lapsed";
	return "accredited";
}

int rl_progress_refresh(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	static _Thread_local struct tally_rows rows;
	const struct rl_curriculum *c = trainee_curriculum(db, trainee, err);
	json_t *summary;
	char *text, now[21], until[11] = "";
	int64_t idx;
	int acc, met = 0, total;
	sqlite3_stmt *st;

	if (!c)
		return err->status ? -1 : 0;
	if (load_tally(db, trainee, &rows, err) < 0)
		return -1;
	summary = rl_curriculum_quick_summary(c, tally_lookup, &rows, &met, err);
	if (!summary)
		return -1;
	total = (int)json_array_size(summary);
	acc = accreditation_of(db, trainee, &idx, until, err);
	if (acc < 0) {
		json_decref(summary);
		return -1;
	}
	text = json_dumps(summary, JSON_COMPACT);
	rl_now_rfc3339(now);
	st = rl_db_stmt(db, "INSERT OR REPLACE INTO trainee_status(trainee_id, status, modules_met, modules_total, "
			    "summary, accredited_until, updated_at) VALUES (?,?,?,?,?,?,?)", err);
	if (st) {
		sqlite3_bind_int64(st, 1, trainee);
		sqlite3_bind_text(st, 2, acc ? "accredited" : (met == total ? "eligible" : "in_training"), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int(st, 3, met);
		sqlite3_bind_int(st, 4, total);
		sqlite3_bind_text(st, 5, text ? text : "[]", -1, SQLITE_TRANSIENT);
		rl_db_bind_text(st, 6, acc ? until : NULL);
		sqlite3_bind_text(st, 7, now, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			rl_db_fail(db, err, "storing a trainee's status");
		sqlite3_reset(st);
	}
	free(text);
	json_decref(summary);
	return err->status ? -1 : 0;
}

/* ---------------------------------------------------------------- report */

struct evidence_ctx {
	json_t *by_key;      /* key -> array of evidence items */
	json_t *item;        /* the item being attributed */
};

static void collect(void *vctx, const char *key, long long amount)
{
	struct evidence_ctx *e = vctx;
	json_t *arr = json_object_get(e->by_key, key);
	json_t *item = json_deep_copy(e->item);

	if (!arr) {
		arr = json_array();
		json_object_set_new(e->by_key, key, arr);
	}
	json_object_set_new(item, "amount", json_integer(amount));
	json_array_append_new(arr, item);
}

struct session_walk {
	const struct rl_curriculum *c;
	struct evidence_ctx *e;
	json_t *pending;
	struct rl_error *err;
};

static int collect_one_session(void *vctx, json_t *s)
{
	struct session_walk *w = vctx;
	const json_t *so = json_object_get(s, "signoff");
	const char *steps[64];
	struct rl_evidence ev = { 0 };
	const char *status = json_string_value(json_object_get(s, "status"));
	json_int_t id = json_integer_value(json_object_get(s, "id"));

	if (strcmp(status, "rejected") == 0 || strcmp(status, "withdrawn") == 0)
		return 0;
	if (strcmp(status, "pending") == 0) {
		json_array_append_new(w->pending, json_pack("{s:I,s:s,s:s,s:I,s:I}", "session", id,
				"date", json_string_value(json_object_get(s, "date")),
				"activity", json_string_value(json_object_get(s, "activity")),
				"minutes", (json_int_t)json_integer_value(json_object_get(s, "minutes")),
				"trainer", (json_int_t)json_integer_value(json_object_get(s, "trainer"))));
		return 0;
	}
	ev.kind = RL_EV_SESSION;
	ev.activity = json_string_value(json_object_get(s, "activity"));
	ev.platform = json_string_value(json_object_get(s, "platform"));
	ev.minutes = json_integer_value(json_object_get(s, "minutes"));
	ev.role = json_string_value(json_object_get(so, "role"));
	ev.nsteps = steps_of(json_object_get(so, "steps"), steps, 64);
	ev.steps = steps;
	w->e->item = json_pack("{s:s,s:I,s:I,s:s,s:I,s:s}", "type", "session", "session", id,
			       "ledger_index", (json_int_t)json_integer_value(json_object_get(so, "ledger_index")),
			       "date", json_string_value(json_object_get(s, "date")),
			       "signed_by", (json_int_t)json_integer_value(json_object_get(so, "signed_by")),
			       "signed_at", json_string_value(json_object_get(so, "signed_at")));
	if (json_object_get(s, "role"))
		json_object_set(w->e->item, "claimed_role", json_object_get(s, "role"));
	if (ev.role)
		json_object_set_new(w->e->item, "signed_role", json_string(ev.role));
	rl_curriculum_contributions(w->c, rl_tools_default(w->err), &ev, collect, w->e);
	json_decref(w->e->item);
	return 0;
}

static int collect_sessions(struct rl_db *db, const struct rl_curriculum *c, int64_t trainee,
			    struct evidence_ctx *e, json_t *pending, struct rl_error *err)
{
	struct session_walk w = { c, e, pending, err };

	return rl_session_foreach_of_trainee(db, trainee, collect_one_session, &w, err);
}

static int collect_assessments(struct rl_db *db, const struct rl_curriculum *c, int64_t trainee,
			       struct evidence_ctx *e, json_t *assessments, struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db, "SELECT a.id, a.tool, a.scores, a.total, a.ledger_index, a.assessor_id, "
					  "a.session_id, s.date, a.created_at FROM assessments a JOIN sessions s "
					  "ON s.id = a.session_id WHERE a.trainee_id = ? ORDER BY s.date, a.id", err);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, trainee);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *scores = json_loads(rl_db_col_text(st, 2), 0, NULL);
		int sc[32];
		size_t n = 0, i;
		json_t *v;
		struct rl_evidence ev = { 0 };

		json_array_foreach(scores, i, v)
			if (n < 32)
				sc[n++] = (int)json_integer_value(v); /* stored only after the tool's range check */
		ev.kind = RL_EV_ASSESSMENT;
		ev.tool = rl_db_col_text(st, 1);
		ev.scores = sc;
		ev.nscores = n;
		e->item = json_pack("{s:s,s:I,s:s,s:O,s:I,s:I,s:I,s:I,s:s}", "type", "assessment",
				    "assessment", (json_int_t)sqlite3_column_int64(st, 0), "tool", ev.tool,
				    "scores", scores, "total", (json_int_t)sqlite3_column_int64(st, 3),
				    "ledger_index", (json_int_t)sqlite3_column_int64(st, 4),
				    "signed_by", (json_int_t)sqlite3_column_int64(st, 5),
				    "session", (json_int_t)sqlite3_column_int64(st, 6),
				    "date", rl_db_col_text(st, 7));
		json_array_append(assessments, e->item);
		rl_curriculum_contributions(c, rl_tools_default(err), &ev, collect, e);
		json_decref(e->item);
		json_decref(scores);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rl_db_fail(db, err, "reading assessments");
	return 0;
}

static int collect_modules(struct rl_db *db, const struct rl_curriculum *c, int64_t trainee,
			   struct evidence_ctx *e, struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db, "SELECT module, ledger_index, signer_id, created_at FROM module_completions "
					  "WHERE trainee_id = ? ORDER BY id", err);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, trainee);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rl_evidence ev = { 0 };

		ev.kind = RL_EV_MODULE;
		ev.module = rl_db_col_text(st, 0);
		e->item = json_pack("{s:s,s:s,s:I,s:I,s:s}", "type", "module_completion", "module", ev.module,
				    "ledger_index", (json_int_t)sqlite3_column_int64(st, 1),
				    "signed_by", (json_int_t)sqlite3_column_int64(st, 2), "date", rl_db_col_text(st, 3));
		rl_curriculum_contributions(c, rl_tools_default(err), &ev, collect, e);
		json_decref(e->item);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rl_db_fail(db, err, "reading module completions");
	return 0;
}

json_t *rl_progress_report(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct evidence_ctx e = { json_object(), NULL };
	const struct rl_curriculum *c;
	json_t *ev = NULL, *pending = json_array(), *assessments = json_array(), *mod, *req;
	size_t i, j;
	char until[11] = "";
	int64_t acc_index = 0;
	int acc;
	struct rl_user u;

	if (rl_user_get(db, trainee, &u, err) < 0 || !(u.roles & 1)) {
		rl_error_clear(err);
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no trainee %lld is visible to you", (long long)trainee);
		goto fail;
	}
	c = trainee_curriculum(db, trainee, err);
	if (!c) {
		if (!err->status)
			rl_error_set(err, RL_E_CONFLICT, "not-enrolled", NULL, "trainee %lld is not enrolled on a curriculum",
				     (long long)trainee);
		goto fail;
	}
	ev = evaluate(db, trainee, c, err);
	if (!ev || collect_sessions(db, c, trainee, &e, pending, err) < 0 ||
	    collect_assessments(db, c, trainee, &e, assessments, err) < 0 || collect_modules(db, c, trainee, &e, err) < 0)
		goto fail;
	json_array_foreach(json_object_get(ev, "modules"), i, mod) {
		json_array_foreach(json_object_get(mod, "requirements"), j, req) {
			json_t *items = json_object_get(e.by_key, json_string_value(json_object_get(req, "key")));
			json_object_set(req, "evidence", items ? items : json_array());
			if (!items)
				json_decref(json_object_get(req, "evidence"));
		}
	}
	acc = accreditation_of(db, trainee, &acc_index, until, err);
	if (acc < 0)
		goto fail;
	json_object_set_new(ev, "evaluated_status", json_string(json_string_value(json_object_get(ev, "status"))));
	json_object_set_new(ev, "status", json_string(overall_status(json_string_value(json_object_get(ev, "status")), acc, until)));
	if (acc) {
		json_t *a = json_pack("{s:I}", "ledger_index", (json_int_t)acc_index);
		if (until[0])
			json_object_set_new(a, "valid_until", json_string(until));
		json_object_set_new(ev, "accreditation", a);
	}
	json_object_set_new(ev, "trainee", json_pack("{s:I,s:s,s:s}", "id", (json_int_t)u.id, "name", u.name, "site", u.site));
	json_object_set_new(ev, "pending", pending);
	json_object_set_new(ev, "assessments", assessments);
	json_decref(e.by_key);
	return ev;
fail:
	json_decref(ev);
	json_decref(pending);
	json_decref(assessments);
	json_decref(e.by_key);
	return NULL;
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
	"FROM users u JOIN curricula c ON c.id = u.curriculum_id LEFT JOIN trainee_status t ON t.trainee_id = u.id " \
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
		"FROM users u JOIN curricula c ON c.id = u.curriculum_id LEFT JOIN trainee_status t ON t.trainee_id = u.id "
		"WHERE (u.roles & 1) AND (?2 IS NULL OR u.site = ?2) AND (?3 IS NULL OR c.code = ?3) "
		"AND (?5 IS NULL OR instr(lower(u.name), lower(?5)) > 0) "
		"AND (?8 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ") GROUP BY st";
	const char *sql = by_name;
	const char *sort = f->sort ? f->sort : "name";
	char today[11];
	sqlite3_stmt *st;
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
	sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
	rl_db_bind_text(st, 2, f->site);
	rl_db_bind_text(st, 3, f->curriculum);
	rl_db_bind_text(st, 4, f->status);
	rl_db_bind_text(st, 5, f->search);
	sqlite3_bind_int(st, 6, f->limit + 1);
	sqlite3_bind_int64(st, 7, f->after);
	sqlite3_bind_int(st, 8, f->scope != NULL);
	if (f->scope)
		rl_scope_bind(st, f->scope);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *summary;
		if (n == f->limit)
			break;
		summary = json_loads(rl_db_col_text(st, 8), 0, NULL);
		json_t *row = json_pack("{s:I,s:s,s:s,s:{s:s,s:i},s:s,s:i,s:i,s:o}",
			"id", (json_int_t)sqlite3_column_int64(st, 0), "name", rl_db_col_text(st, 1),
			"site", rl_db_col_text(st, 2), "curriculum", "code", rl_db_col_text(st, 3),
			"version", sqlite3_column_int(st, 4), "status", rl_db_col_text(st, 5),
			"modules_met", sqlite3_column_int(st, 6), "modules_total", sqlite3_column_int(st, 7),
			"modules", summary ? summary : json_array());
		if (sqlite3_column_type(st, 9) != SQLITE_NULL)
			json_object_set_new(row, "accredited_until", json_string(rl_db_col_text(st, 9)));
		json_array_append_new(items, row);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rl_db_fail(db, err, "listing trainees");
		goto fail;
	}
	out = json_pack("{s:o}", "items", items);
	if (rc == SQLITE_ROW) {
		char c[24];
		snprintf(c, sizeof(c), "%lld", (long long)(f->after + f->limit));
		json_object_set_new(out, "next_cursor", json_string(c));
	} else {
		json_object_set_new(out, "next_cursor", json_null());
	}
	counts = json_pack("{s:i,s:i,s:i,s:i}", "in_training", 0, "eligible", 0, "accredited", 0, "lapsed", 0);
	st = rl_db_stmt(db, counts_sql, err);
	if (st) {
		sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
		rl_db_bind_text(st, 2, f->site);
		rl_db_bind_text(st, 3, f->curriculum);
		rl_db_bind_text(st, 5, f->search);
		sqlite3_bind_int(st, 8, f->scope != NULL);
		if (f->scope)
			rl_scope_bind(st, f->scope);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_object_set_new(counts, rl_db_col_text(st, 0), json_integer(sqlite3_column_int64(st, 1)));
		sqlite3_reset(st);
	}
	json_object_set_new(out, "counts", counts);
	return out;
fail:
	json_decref(items);
	return NULL;
}
