/*
 * evidence_report.c - the evidence report's renderer and release; see
 * evidence_report.h.  rl_figures (figures.c) fills the report.
 */
#include "base/prelude.h"

#include "domain/evidence_report.h"

#include <stdlib.h>
#include <string.h>

/* Sets a member, remembering any failure (a NULL value included). */
static void put(json_t *obj, const char *key, json_t *value, int *failed)
{
	if (json_object_set_new(obj, key, value) < 0)
		*failed = 1;
}

static void append(json_t *arr, json_t *value, int *failed)
{
	if (json_array_append_new(arr, value) < 0)
		*failed = 1;
}

/* A string member, JSON null when absent. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *scores_json(const struct rl_progress_item *it, int *failed)
{
	json_t *arr;

	if (!it->has_scores)
		return json_null();
	arr = json_array();
	for (size_t i = 0; arr && i < it->nscores; i++)
		append(arr, json_integer(it->scores[i]), failed);
	return arr;
}

/* The item, then, as evidence (with_amount), the amount it adds, then its assessment record when named. */
static json_t *item_json(const struct rl_progress_item *it, int with_amount, long long amount)
{
	json_t *o = json_object();
	int failed = 0;

	if (!o)
		return NULL;
	switch (it->kind) {
	case RL_ITEM_SESSION:
		put(o, "type", json_string("session"), &failed);
		put(o, "session", json_integer(it->session), &failed);
		put(o, "ledger_index", json_integer(it->ledger_index), &failed);
		put(o, "date", str_or_null(it->date), &failed);
		put(o, "signed_by", json_integer(it->signed_by), &failed);
		put(o, "signed_at", str_or_null(it->signed_at), &failed);
		if (it->claimed_role)
			put(o, "claimed_role", json_string(it->claimed_role), &failed);
		if (it->signed_role)
			put(o, "signed_role", json_string(it->signed_role), &failed);
		break;
	case RL_ITEM_ASSESSMENT:
		put(o, "type", json_string("assessment"), &failed);
		put(o, "tool", str_or_null(it->tool), &failed);
		put(o, "scores", scores_json(it, &failed), &failed);
		put(o, "total", json_integer(it->total), &failed);
		put(o, "ledger_index", json_integer(it->ledger_index), &failed);
		put(o, "signed_by", json_integer(it->signed_by), &failed);
		put(o, "session", json_integer(it->session), &failed);
		put(o, "date", str_or_null(it->date), &failed);
		break;
	case RL_ITEM_MODULE:
		put(o, "type", json_string("module_completion"), &failed);
		put(o, "module", str_or_null(it->module), &failed);
		put(o, "ledger_index", json_integer(it->ledger_index), &failed);
		put(o, "signed_by", json_integer(it->signed_by), &failed);
		put(o, "date", str_or_null(it->date), &failed);
		break;
	case RL_ITEM_SIMULATOR:
		put(o, "type", json_string("simulator"), &failed);
		put(o, "exercise", str_or_null(it->exercise), &failed);
		put(o, "ledger_index", json_integer(it->ledger_index), &failed);
		put(o, "attempts", json_integer(it->attempts), &failed);
		put(o, "best_score_bp", json_integer(it->best_score_bp), &failed);
		put(o, "date", str_or_null(it->date), &failed);
		put(o, "signed_by", json_integer(it->signed_by), &failed);
		break;
	case RL_ITEM_ELEARNING:
		put(o, "type", json_string("elearning"), &failed);
		put(o, "import", json_integer(it->import), &failed);
		put(o, "issuer", str_or_null(it->issuer), &failed);
		put(o, "achievement", str_or_null(it->achievement), &failed);
		put(o, "ledger_index", json_integer(it->ledger_index), &failed);
		put(o, "signed_by", json_integer(it->signed_by), &failed);
		put(o, "date", str_or_null(it->date), &failed);
		put(o, "verified", json_boolean(it->verified), &failed);
		break;
	}
	if (with_amount)
		put(o, "amount", json_integer(amount), &failed);
	if (it->assessment)
		put(o, "assessment", json_integer(it->assessment), &failed);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *rl_evidence_item_json(const struct rl_progress_item *it)
{
	return item_json(it, 0, 0);
}

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int rl_evidence_report_indexes(const struct rl_evidence_report *r, int64_t **out, size_t *n)
{
	const struct rl_progress *p = &r->progress;
	size_t total = 0, k = 0;
	int64_t *v;

	for (size_t i = 0; i < p->nmodules; i++)
		for (size_t j = 0; j < p->modules[i].nreqs; j++)
			total += p->modules[i].reqs[j].nevidence;
	*out = NULL;
	*n = 0;
	if (!(v = calloc(total ? total : 1, sizeof(*v))))
		return -1;
	for (size_t i = 0; i < p->nmodules; i++)
		for (size_t j = 0; j < p->modules[i].nreqs; j++)
			for (size_t e = 0; e < p->modules[i].reqs[j].nevidence; e++)
				v[k++] = p->modules[i].reqs[j].evidence[e].ledger_index;
	qsort(v, total, sizeof(*v), by_value);
	for (size_t i = 0; i < total; i++)
		if (!*n || v[*n - 1] != v[i])
			v[(*n)++] = v[i];
	*out = v;
	return 0;
}

/* A requirement's evidence: its items, each with the amount it adds there. */
static json_t *evidence_json(const struct rl_progress_req *r, int *failed)
{
	json_t *arr = json_array();

	for (size_t k = 0; arr && k < r->nevidence; k++) {
		const struct rl_progress_evidence *e = &r->evidence[k];
		append(arr, e->item ? item_json(e->item, 1, e->amount) : NULL, failed);
	}
	return arr;
}

json_t *rl_evidence_report_to_json(const struct rl_evidence_report *r, int what, struct rl_error *err)
{
	const struct rl_progress *p = &r->progress;
	struct rl_progress figures = *p; /* the progress members; the trainee comes last */
	json_t *doc, *mods, *arr, *cur;
	int64_t *idx = NULL;
	size_t n = 0;
	int failed = 0, full = what != RL_REPORT_NO_EVIDENCE;

	figures.has_trainee = 0;
	if (!(doc = rl_progress_to_json(&figures, err)))
		return NULL;
	/* Each requirement's evidence, after what the progress JSON says of it. */
	mods = json_object_get(doc, "modules");
	for (size_t i = 0; full && !failed && i < p->nmodules; i++) {
		json_t *reqs = json_object_get(json_array_get(mods, i), "requirements");

		for (size_t j = 0; !failed && j < p->modules[i].nreqs; j++) {
			json_t *req = json_array_get(reqs, j);

			if (!req)
				failed = 1;
			else
				put(req, "evidence", evidence_json(&p->modules[i].reqs[j], &failed), &failed);
		}
	}
	if (full)
		put(doc, "pending", arr = json_array(), &failed);
	for (size_t i = 0; full && arr && i < r->npending; i++) {
		const struct rl_progress_claim *c = &r->pending[i];
		json_t *o = json_object();

		append(arr, o, &failed);
		if (!o)
			break;
		put(o, "session", json_integer(c->session), &failed);
		put(o, "date", str_or_null(c->date), &failed);
		put(o, "activity", str_or_null(c->activity), &failed);
		put(o, "minutes", json_integer(c->minutes), &failed);
		put(o, "trainer", json_integer(c->trainer), &failed);
	}
	if (full)
		put(doc, "assessments", arr = json_array(), &failed);
	for (size_t i = 0; full && arr && i < r->nassessments; i++)
		append(arr, rl_evidence_item_json(r->assessments[i]), &failed);
	/* The corrections, so a checker can see what no longer counts and why (verify.js checkCorrections). */
	put(doc, "corrections", arr = json_array(), &failed);
	for (size_t i = 0; arr && i < r->ncorrections; i++) {
		json_t *o = json_object();

		append(arr, o, &failed);
		if (!o)
			break;
		put(o, "ledger_index", json_integer(r->corrections[i].ledger_index), &failed);
		put(o, "retires", json_integer(r->corrections[i].retires), &failed);
	}
	/* What an accreditation signed now names: its evidence and the curriculum content hash. */
	if (rl_evidence_report_indexes(r, &idx, &n) < 0)
		failed = 1;
	put(doc, "accreditation_evidence", arr = json_array(), &failed);
	for (size_t i = 0; arr && i < n; i++)
		append(arr, json_integer(idx[i]), &failed);
	free(idx);
	if (r->sha256 && (cur = json_object_get(doc, "curriculum")))
		put(cur, "sha256", json_string(r->sha256), &failed);
	rl_progress_trainee_json(p, doc, &failed);
	if (failed) {
		json_decref(doc);
		rl_error_internal(err, "out of memory building the evidence report");
		return NULL;
	}
	return doc;
}

void rl_evidence_report_release(struct rl_evidence_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->items && i < r->nitems; i++)
		free(r->items[i].scores);
	free(r->items);
	free(r->assessments);
	free(r->pending);
	free(r->corrections);
	rl_progress_release(&r->progress);
	memset(r, 0, sizeof(*r));
	r->progress.acc_index = -1;
}
