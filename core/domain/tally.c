/*
 * tally.c - trainee_tally kept up to date by deltas; see tally.h.
 */
#include "base/prelude.h"

#include "domain/tally.h"


#include "domain/catalog.h"
#include "ledger/kinds.h"
#include "ledger/ledger.h"

#define MAX_STEPS 64 /* as rl_figures reads steps */

static const char *mstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_int_t mint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

void rl_tally_delta_init(struct rl_tally_delta *d)
{
	d->sig = json_object();
	d->pen = json_object();
	d->held = 0;
}

void rl_tally_delta_free(struct rl_tally_delta *d)
{
	json_decref(d->sig);
	json_decref(d->pen);
	d->sig = d->pen = NULL;
}

struct bump_ctx {
	json_t *obj;
	int sign;
};

static void bump(void *ctx, const char *key, long long amount)
{
	struct bump_ctx *b = ctx;
	json_t *v = json_object_get(b->obj, key);

	if (v)
		json_integer_set(v, json_integer_value(v) + b->sign * amount);
	else
		json_object_set_new(b->obj, key, json_integer(b->sign * amount));
}

static size_t steps_of(const json_t *arr, const char *out[], size_t max)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (n < max && json_is_string(v))
			out[n++] = json_string_value(v);
	return n;
}

/* A session's contributions (the claim's, or the trainer's signed view) into obj, times sign. */
static void add_session(const struct rl_curriculum *c, const struct rl_tools *tools, const char *activity,
			const char *platform, long long minutes, const char *role, const json_t *steps, json_t *obj,
			int sign)
{
	const char *sv[MAX_STEPS];
	struct rl_evidence x = { 0 };
	struct bump_ctx b = { obj, sign };

	if (!activity)
		return;
	x.kind = RL_EV_SESSION;
	x.activity = activity;
	x.platform = platform;
	x.minutes = minutes;
	x.role = role;
	x.nsteps = steps_of(steps, sv, MAX_STEPS);
	x.steps = sv;
	rl_curriculum_contributions(c, tools, &x, bump, &b);
}

int rl_tally_claim(struct rl_db *db, const struct rl_curriculum *c, int64_t session, int sign,
		   struct rl_tally_delta *d, int64_t *trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT trainee_id, status, activity, platform, minutes, role, steps "
					  "FROM sessions WHERE id = ?", err);
	const struct rl_tools *tools = rl_tools_default(err);

	if (!st || !tools)
		return -1;
	rl_bind_int64(st, 1, session);
	if (rl_step(st) == RL_ROW) {
		if (trainee)
			*trainee = rl_col_int64(st, 0);
		if (c && strcmp(rl_db_col_text(st, 1), "pending") == 0) {
			json_t *steps = rl_col_is_null(st, 6) ? NULL
					: json_loads(rl_db_col_text(st, 6), 0, NULL);
			add_session(c, tools, rl_db_col_text(st, 2),
				    rl_col_is_null(st, 3) ? NULL : rl_db_col_text(st, 3),
				    rl_col_int64(st, 4),
				    rl_col_is_null(st, 5) ? NULL : rl_db_col_text(st, 5), steps,
				    d->pen, sign);
			json_decref(steps);
		}
	}
	rl_reset(st);
	return 0;
}

static int upsert(struct rl_db *db, int64_t trainee, const char *key, long long s, long long p, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO trainee_tally(trainee_id, requirement, signed, pending) "
					  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (trainee_id, requirement) DO UPDATE "
					  "SET signed = trainee_tally.signed + ?3, pending = trainee_tally.pending + ?4", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, key, -1);
	rl_bind_int64(st, 3, s);
	rl_bind_int64(st, 4, p);
	rc = rl_step(st);
	rl_reset(st);
	return rc == RL_DONE ? 0 : rl_db_fail(db, err, "updating progress totals");
}

int rl_tally_apply(struct rl_db *db, int64_t trainee, const struct rl_tally_delta *d, struct rl_error *err)
{
	const char *key;
	json_t *v;
	struct rl_stmt *st;
	int touched = 0, rc;

	json_object_foreach(d->sig, key, v) {
		json_int_t p = json_integer_value(json_object_get(d->pen, key));
		if (!json_integer_value(v) && !p)
			continue;
		if (upsert(db, trainee, key, json_integer_value(v), p, err) < 0)
			return -1;
		touched = 1;
	}
	json_object_foreach(d->pen, key, v) {
		if (json_object_get(d->sig, key) || !json_integer_value(v))
			continue;
		if (upsert(db, trainee, key, 0, json_integer_value(v), err) < 0)
			return -1;
		touched = 1;
	}
	if (!touched)
		return 0;
	/* A rebuild writes no row for a requirement with nothing signed or pending. */
	if (!(st = rl_db_stmt(db, "DELETE FROM trainee_tally WHERE trainee_id = ? AND signed = 0 AND pending = 0", err)))
		return -1;
	rl_bind_int64(st, 1, trainee);
	rc = rl_step(st);
	rl_reset(st);
	return rc == RL_DONE ? 0 : rl_db_fail(db, err, "updating progress totals");
}

/*
 * A confirmed or rejected session_signoff at index idx: the signed view
 * counts (when confirmed) and the claim leaves pending, if this is the
 * decision the session's record names; a later decision on a decided
 * session counts nowhere (rl_figures keeps the first).  1: not placeable.
 */
static int fold_signoff(struct rl_db *db, const struct rl_curriculum *c, const struct rl_tools *tools,
			int64_t trainee, json_int_t idx, const json_t *stmt, struct rl_tally_delta *d,
			struct rl_error *err)
{
	const json_t *s = json_object_get(stmt, "session");
	const char *decision = mstr(stmt, "decision");
	struct rl_stmt *st = rl_db_stmt(db, "SELECT trainee_id, status, signoff_index, activity, platform, minutes, "
					  "role, steps FROM sessions WHERE id = ?", err);
	int rc = 1;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, mint(s, "id"));
	if (rl_step(st) == RL_ROW && rl_col_int64(st, 0) == trainee &&
	    !rl_col_is_null(st, 2)) {
		int64_t decided = rl_col_int64(st, 2);
		const char *status = rl_db_col_text(st, 1);

		if (decided < idx) {
			rc = 0; /* decided before: this one counts nowhere */
		} else if (decided == idx && (strcmp(status, "signed") == 0 || strcmp(status, "rejected") == 0)) {
			json_t *steps = rl_col_is_null(st, 7) ? NULL
					: json_loads(rl_db_col_text(st, 7), 0, NULL);
			/* The claim was pending until this decision. */
			add_session(c, tools, rl_db_col_text(st, 3),
				    rl_col_is_null(st, 4) ? NULL : rl_db_col_text(st, 4),
				    rl_col_int64(st, 5),
				    rl_col_is_null(st, 6) ? NULL : rl_db_col_text(st, 6), steps,
				    d->pen, -1);
			json_decref(steps);
			if (decision && strcmp(decision, "confirmed") == 0)
				add_session(c, tools, mstr(s, "activity"), mstr(s, "platform"), mint(s, "minutes"),
					    mstr(stmt, "role"), json_object_get(stmt, "steps"), d->sig, +1);
			rc = 0;
		}
	}
	rl_reset(st);
	return rc;
}

static void fold_assessment(const struct rl_curriculum *c, const struct rl_tools *tools, const json_t *stmt,
			    struct rl_tally_delta *d)
{
	const json_t *scores = json_object_get(stmt, "scores"), *v;
	struct rl_evidence x = { 0 };
	struct bump_ctx b = { d->sig, +1 };
	int sc[32];
	size_t n = 0, j;

	json_array_foreach(scores, j, v)
		if (n < 32)
			sc[n++] = (int)json_integer_value(v);
	x.kind = RL_EV_ASSESSMENT;
	x.tool = mstr(stmt, "tool");
	x.scores = sc;
	x.nscores = n;
	if (x.tool && n == json_array_size(scores))
		rl_curriculum_contributions(c, tools, &x, bump, &b);
}

static void fold_module(const struct rl_curriculum *c, const struct rl_tools *tools, const json_t *stmt,
			struct rl_tally_delta *d)
{
	const json_t *cur = json_object_get(stmt, "curriculum");
	struct rl_evidence x = { 0 };
	struct bump_ctx b = { d->sig, +1 };

	if (!mstr(cur, "code") || strcmp(mstr(cur, "code"), rl_curriculum_code(c)) != 0 ||
	    mint(cur, "version") != rl_curriculum_version(c))
		return;
	x.kind = RL_EV_MODULE;
	x.module = mstr(stmt, "module");
	if (x.module)
		rl_curriculum_contributions(c, tools, &x, bump, &b);
}

int rl_tally_catch_up(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, int64_t *through,
		      struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	struct rl_stmt *st;
	struct rl_tally_delta d;
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	int64_t from;
	int rc, full = 0;

	if (!tools || !(st = rl_db_stmt(db, "SELECT ledger_through FROM trainee_status WHERE trainee_id = ?", err)))
		return -1;
	rl_bind_int64(st, 1, trainee);
	rc = rl_step(st);
	if (rc != RL_ROW || rl_col_is_null(st, 0)) {
		rl_reset(st);
		return rc == RL_ROW || rc == RL_DONE ? 1 : rl_db_fail(db, err, "reading a trainee's status");
	}
	from = *through = rl_col_int64(st, 0);
	rl_reset(st);

	if (!(st = rl_db_stmt(db, "SELECT idx, kind, message FROM ledger WHERE subject_id = ? AND idx > ? ORDER BY idx",
			      err)))
		return -1;
	rl_tally_delta_init(&d);
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, from);
	while (!full && (rc = rl_step(st)) == RL_ROW) {
		json_int_t idx = rl_col_int64(st, 0);
		const char *kind = rl_db_col_text(st, 1), *m = rl_col_text(st, 2);
		size_t len = (size_t)rl_col_bytes(st, 2);
		const struct rl_kind *k = rl_kind_find(kind);
		json_t *stmt;

		*through = idx;
		if (strcmp(kind, "session_signoff") && strcmp(kind, "assessment") && strcmp(kind, "module_completion")) {
			/* Kinds rl_figures reads that are not a plain sum: recompute. */
			if (!strcmp(kind, "enrolment") || !strcmp(kind, "accreditation") || !strcmp(kind, "revocation") ||
			    (k && k->figures))
				full = 1;
			continue;
		}
		if (!m || len < plen || memcmp(m, RL_STATEMENT_PREFIX, plen) != 0 ||
		    !(stmt = json_loadb(m + plen, len - plen, 0, NULL))) {
			full = 1;
			continue;
		}
		if (!mstr(stmt, "type") || strcmp(mstr(stmt, "type"), kind) != 0 ||
		    rl_kind_subject(rl_kind_find(mstr(stmt, "type")), stmt) != trainee) {
			full = 1; /* not what the row says: let rl_figures read it */
		} else if (!strcmp(kind, "session_signoff")) {
			int r = fold_signoff(db, c, tools, trainee, idx, stmt, &d, err);
			if (r < 0) {
				json_decref(stmt);
				rl_reset(st);
				rl_tally_delta_free(&d);
				return -1;
			}
			full = r;
		} else if (!strcmp(kind, "assessment")) {
			fold_assessment(c, tools, stmt, &d);
		} else {
			fold_module(c, tools, stmt, &d);
		}
		json_decref(stmt);
	}
	rl_reset(st);
	if (!full && rc != RL_DONE) {
		rl_tally_delta_free(&d);
		return rl_db_fail(db, err, "reading the trainee's new ledger entries");
	}
	rc = full ? 1 : rl_tally_apply(db, trainee, &d, err);
	rl_tally_delta_free(&d);
	return rc;
}

json_t *rl_tally_load(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT requirement, signed, pending FROM trainee_tally WHERE trainee_id = ?",
				      err);
	json_t *out;
	int rc;

	if (!st)
		return NULL;
	out = json_object();
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW)
		json_object_set_new(out, rl_db_col_text(st, 0), json_pack("[I,I]", (json_int_t)rl_col_int64(st, 1),
									  (json_int_t)rl_col_int64(st, 2)));
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(out);
		rl_db_fail(db, err, "reading progress totals");
		return NULL;
	}
	return out;
}

int rl_tally_lookup(void *ctx, const char *key, long long *signed_amount, long long *pending_amount)
{
	const json_t *v = json_object_get(ctx, key);

	*signed_amount = v ? json_integer_value(json_array_get(v, 0)) : 0;
	*pending_amount = v ? json_integer_value(json_array_get(v, 1)) : 0;
	return v ? 0 : 1;
}
