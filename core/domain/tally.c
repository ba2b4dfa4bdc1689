/*
 * tally.c - trainee_tally kept up to date by deltas; see tally.h.  The
 * ledger entries folded in are read as typed statements (ledger/stmt.h);
 * the rows come from store/tally_rows.h and store/ledger_lookup.h.
 */
#include "base/prelude.h"

#include "domain/tally.h"

#include "domain/catalog.h"
#include "domain/sessions.h"
#include "ledger/kinds.h"
#include "ledger/ledger.h"
#include "ledger/stmt.h"
#include "store/ledger_lookup.h"
#include "store/tally_rows.h"

#define MAX_STEPS 64 /* as rl_figures reads steps */

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

void rl_tally_add(struct rl_tally_delta *d, const char *key, long long signed_amount, long long pending_amount)
{
	struct bump_ctx sig = { d->sig, +1 }, pen = { d->pen, +1 };

	if (signed_amount)
		bump(&sig, key, signed_amount);
	if (pending_amount)
		bump(&pen, key, pending_amount);
}

/* A list of step codes: the strings of arr, at most MAX_STEPS. */
struct steps {
	const char *v[MAX_STEPS];
	size_t n;
};

static void steps_of(const json_t *arr, struct steps *out)
{
	size_t i;
	json_t *v;

	out->n = 0;
	json_array_foreach(arr, i, v)
		if (out->n < MAX_STEPS && json_is_string(v))
			out->v[out->n++] = json_string_value(v);
}

/* What a session claims, or what its trainer signed: the evidence a tally counts. */
struct claim {
	const char *activity, *platform, *role;
	long long minutes;
	struct steps steps;
};

/* A session's contributions (the claim's, or the trainer's signed view) into obj, times sign. */
static void add_session(const struct rl_curriculum *c, const struct rl_tools *tools, const struct claim *cl,
			json_t *obj, int sign)
{
	struct rl_evidence x = { 0 };
	struct bump_ctx b = { obj, sign };

	if (!cl->activity)
		return;
	x.kind = RL_EV_SESSION;
	x.activity = cl->activity;
	x.platform = cl->platform;
	x.minutes = cl->minutes;
	x.role = cl->role;
	x.nsteps = cl->steps.n;
	x.steps = cl->steps.v;
	rl_curriculum_contributions(c, tools, &x, bump, &b);
}

/* The session row's claim (its steps column parsed into *steps_json, the caller's to release). */
static void row_claim(const struct rl_row_tally_session *r, struct claim *cl, json_t **steps_json)
{
	*steps_json = r->steps_json ? json_loads(r->steps_json, 0, NULL) : NULL;
	cl->activity = r->activity;
	cl->platform = r->platform;
	cl->minutes = r->minutes;
	cl->role = r->role;
	steps_of(*steps_json, &cl->steps);
}

int rl_tally_claim(struct rl_db *db, const struct rl_curriculum *c, int64_t session, int sign,
		   struct rl_tally_delta *d, int64_t *trainee, struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	struct rl_row_tally_session r;
	int rc;

	if (!tools || (rc = rl_rows_tally_session(db, session, &r, err)) < 0)
		return -1;
	if (rc) {
		if (trainee)
			*trainee = r.trainee;
		if (c && strcmp(r.status, "pending") == 0) {
			struct claim cl;
			json_t *steps;

			row_claim(&r, &cl, &steps);
			add_session(c, tools, &cl, d->pen, sign);
			json_decref(steps);
		}
	}
	rl_row_tally_session_release(&r);
	return 0;
}

int rl_tally_claim_fields(const struct rl_curriculum *c, const struct rl_session_new *s,
			  rl_contribution_fn fn, void *ctx, struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	struct rl_evidence x = { 0 };
	struct steps steps;

	if (!tools)
		return -1;
	if (!c || !s->activity)
		return 0;
	/* The row's steps column is json_dumps of s->steps (NULL when none): the same strings in the same order. */
	steps_of(s->steps, &steps);
	x.kind = RL_EV_SESSION;
	x.activity = s->activity;
	x.platform = s->platform;
	x.minutes = s->minutes;
	x.role = s->role;
	x.nsteps = steps.n;
	x.steps = steps.v;
	rl_curriculum_contributions(c, tools, &x, fn, ctx);
	return 0;
}

int rl_tally_apply(struct rl_db *db, int64_t trainee, const struct rl_tally_delta *d, struct rl_error *err)
{
	const char *key;
	json_t *v;
	int lowered = 0;

	json_object_foreach(d->sig, key, v) {
		json_int_t p = json_integer_value(json_object_get(d->pen, key));
		if (!json_integer_value(v) && !p)
			continue;
		if (rl_rows_tally_upsert(db, trainee, key, json_integer_value(v), p, err) < 0)
			return -1;
		lowered |= json_integer_value(v) < 0 || p < 0;
	}
	json_object_foreach(d->pen, key, v) {
		if (json_object_get(d->sig, key) || !json_integer_value(v))
			continue;
		if (rl_rows_tally_upsert(db, trainee, key, 0, json_integer_value(v), err) < 0)
			return -1;
		lowered |= json_integer_value(v) < 0;
	}
	/*
	 * A rebuild writes no row for a requirement with nothing signed or
	 * pending.  Only an amount taken away can bring a row to 0 and 0 (no
	 * write leaves one there), so a delta that only adds (a session
	 * logged) needs no DELETE.
	 */
	return lowered ? rl_rows_tally_prune(db, trainee, err) : 0;
}

/*
 * A confirmed or rejected session_signoff at index idx: the signed view
 * counts (when confirmed) and the claim leaves pending, if this is the
 * decision the session's record names; a later decision on a decided
 * session counts nowhere (rl_figures keeps the first).  1: not placeable.
 */
static int fold_signoff(struct rl_db *db, const struct rl_curriculum *c, const struct rl_tools *tools,
			int64_t trainee, int64_t idx, const struct rl_statement *st, struct rl_tally_delta *d,
			struct rl_error *err)
{
	struct rl_row_tally_session r;
	int rc = 1, found = rl_rows_tally_session(db, st->u.session.session.id, &r, err);

	if (found < 0)
		return -1;
	if (found && r.trainee == trainee && r.signoff_index >= 0) {
		if (r.signoff_index < idx) {
			rc = 0; /* decided before: this one counts nowhere */
		} else if (r.signoff_index == idx && (strcmp(r.status, "signed") == 0 || strcmp(r.status, "rejected") == 0)) {
			const struct rl_stmt_session *s = &st->u.session.session;
			struct claim cl;
			json_t *steps;

			/* The claim was pending until this decision. */
			row_claim(&r, &cl, &steps);
			add_session(c, tools, &cl, d->pen, -1);
			json_decref(steps);
			if (st->decision == RL_DECISION_CONFIRMED) {
				struct claim view = { s->activity, s->platform, st->u.session.role, s->minutes, { { 0 }, 0 } };

				steps_of(st->u.session.steps, &view.steps);
				add_session(c, tools, &view, d->sig, +1);
			}
			rc = 0;
		}
	}
	rl_row_tally_session_release(&r);
	return rc;
}

static void fold_assessment(const struct rl_curriculum *c, const struct rl_tools *tools, const struct rl_statement *st,
			    struct rl_tally_delta *d)
{
	const json_t *scores = st->u.assessment.scores, *v;
	struct rl_evidence x = { 0 };
	struct bump_ctx b = { d->sig, +1 };
	int sc[32];
	size_t n = 0, j;

	json_array_foreach(scores, j, v)
		if (n < 32)
			sc[n++] = (int)json_integer_value(v);
	x.kind = RL_EV_ASSESSMENT;
	x.tool = st->u.assessment.tool;
	x.scores = sc;
	x.nscores = n;
	if (x.tool && n == json_array_size(scores))
		rl_curriculum_contributions(c, tools, &x, bump, &b);
}

static void fold_module(const struct rl_curriculum *c, const struct rl_tools *tools, const struct rl_statement *st,
			struct rl_tally_delta *d)
{
	const struct rl_stmt_curriculum *cur = &st->u.module.curriculum;
	struct rl_evidence x = { 0 };
	struct bump_ctx b = { d->sig, +1 };

	if (!cur->code || strcmp(cur->code, rl_curriculum_code(c)) != 0 || cur->version != rl_curriculum_version(c))
		return;
	x.kind = RL_EV_MODULE;
	x.module = st->u.module.module;
	if (x.module)
		rl_curriculum_contributions(c, tools, &x, bump, &b);
}

/* rl_tally_catch_up's walk over the trainee's new entries. */
struct catch_up {
	struct rl_db *db;
	const struct rl_curriculum *c;
	const struct rl_tools *tools;
	int64_t trainee, *through;
	struct rl_tally_delta d;
	struct rl_error *err;
};

/* Whether entries of kind are folded from their statement (fold_statement); else fold_other says. */
static int kind_sums(const struct rl_kind *k)
{
	return k && (k->id == RL_K_SESSION || k->id == RL_K_ASSESSMENT || k->id == RL_K_MODULE);
}

/* An entry of another kind: 0 it counts nowhere, 1 rl_figures reads it and it is not a plain sum (recompute). */
static int fold_other(const struct rl_kind *k, const char *kind)
{
	return !strcmp(kind, "enrolment") || !strcmp(kind, "accreditation") || !strcmp(kind, "revocation") ||
	       (k && k->figures);
}

/* The typed statement of entry idx (of kind k, kind_sums) folded into the delta: 0 on, 1 recompute instead, -1. */
static int fold_statement(struct catch_up *cu, int64_t idx, const struct rl_kind *k, const struct rl_statement *st)
{
	/* Not what the row says: let rl_figures read it. */
	if (st->kind != (enum rl_kind_id)k->id || st->subject != cu->trainee)
		return 1;
	if (k->id == RL_K_SESSION)
		return fold_signoff(cu->db, cu->c, cu->tools, cu->trainee, idx, st, &cu->d, cu->err);
	if (k->id == RL_K_ASSESSMENT)
		fold_assessment(cu->c, cu->tools, st, &cu->d);
	else
		fold_module(cu->c, cu->tools, st, &cu->d);
	return 0;
}

/* One entry folded into the delta: 0 on, 1 recompute instead, -1 with err. */
static int fold_entry(void *ctx, int64_t idx, const char *kind, const char *m, size_t len)
{
	struct catch_up *cu = ctx;
	const struct rl_kind *k = rl_kind_find(kind);
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	struct rl_error ignored = RL_ERROR_INIT;
	struct rl_statement st;
	json_t *j;
	int rc;

	*cu->through = idx;
	if (!kind_sums(k))
		return fold_other(k, kind);
	if (!m || len < plen || memcmp(m, RL_STATEMENT_PREFIX, plen) != 0 ||
	    !(j = json_loadb(m + plen, len - plen, 0, NULL)))
		return 1;
	/* Not readable as a statement: let rl_figures read it. */
	rc = rl_statement_read(j, NULL, &st, &ignored) < 0 ? 1 : fold_statement(cu, idx, k, &st);
	rl_error_clear(&ignored);
	json_decref(j);
	return rc;
}

int rl_tally_catch_up(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, int64_t *through,
		      struct rl_error *err)
{
	int64_t from;
	int rc;

	if ((rc = rl_rows_tally_through(db, trainee, &from, err)) < 0)
		return -1;
	return rc ? rl_tally_catch_up_from(db, trainee, c, from, through, err) : 1;
}

int rl_tally_catch_up_from(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, int64_t from,
			   int64_t *through, struct rl_error *err)
{
	struct catch_up cu = { db, c, rl_tools_default(err), trainee, through, { NULL, NULL, 0 }, err };
	int rc;

	if (!cu.tools)
		return -1;
	*through = from;
	rl_tally_delta_init(&cu.d);
	rc = rl_rows_ledger_about_after(db, trainee, from, fold_entry, &cu, err);
	if (rc == 0)
		rc = rl_tally_apply(db, trainee, &cu.d, err);
	rl_tally_delta_free(&cu.d);
	return rc;
}

int rl_tally_fold_appended(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, int64_t idx,
			   const struct rl_statement *st, struct rl_error *err)
{
	int64_t through = -1;
	struct catch_up cu = { db, c, rl_tools_default(err), trainee, &through, { NULL, NULL, 0 }, err };
	const struct rl_kind *k = st->kind < RL_K_COUNT ? &rl_kinds[st->kind] : NULL;
	int rc;

	if (!cu.tools)
		return -1;
	if (!kind_sums(k))
		return fold_other(k, st->type ? st->type : "");
	rl_tally_delta_init(&cu.d);
	rc = fold_statement(&cu, idx, k, st);
	if (rc == 0)
		rc = rl_tally_apply(db, trainee, &cu.d, err);
	rl_tally_delta_free(&cu.d);
	return rc;
}

static int add_tally(void *ctx, const char *requirement, int64_t signed_amount, int64_t pending_amount)
{
	json_object_set_new(ctx, requirement, json_pack("[I,I]", (json_int_t)signed_amount, (json_int_t)pending_amount));
	return 0;
}

json_t *rl_tally_load(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	json_t *out = json_object();

	if (rl_rows_tally_list(db, trainee, add_tally, out, err) < 0) {
		json_decref(out);
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
