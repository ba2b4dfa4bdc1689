/*
 * curriculum_rules.c - the pure rules over a parsed curriculum: which
 * requirements a piece of evidence counts towards (contributions), and
 * where a trainee stands given their totals (evaluation, summaries); see
 * curriculum.h.  Parsing is in curriculum_parse.c.
 */
#include "base/prelude.h"

#include "domain/curriculum.h"
#include "domain/curriculum_impl.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------- contributions */

static int in_list(const struct strlist *l, const char *s)
{
	if (!s)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int rl_curriculum_counts_step(const struct rl_curriculum *c, const char *step)
{
	for (size_t m = 0; c && m < c->nmodules; m++)
		for (size_t r = 0; r < c->modules[m].nreqs; r++)
			if (c->modules[m].reqs[r].kind == KIND_STEPS && in_list(&c->modules[m].reqs[r].steps, step))
				return 1;
	return 0;
}

/* An empty list restricts nothing; a non-empty one must contain the value. */
static int session_matches(const struct req *r, const struct rl_evidence *ev)
{
	if (r->activities.n && !in_list(&r->activities, ev->activity))
		return 0;
	if (r->platforms.n && !in_list(&r->platforms, ev->platform))
		return 0;
	if (r->roles.n && !in_list(&r->roles, ev->role))
		return 0;
	return 1;
}

static int assessment_qualifies(const struct req *r, const struct rl_tools *tools,
				const struct rl_evidence *ev)
{
	const struct rl_tool *t;
	long long total = 0;

	if (!ev->tool || strcmp(ev->tool, r->tool) != 0)
		return 0;
	t = rl_tool_find(tools, r->tool);
	if (!t || !ev->scores || ev->nscores != t->ndomains)
		return 0;
	for (size_t i = 0; i < ev->nscores; i++) {
		int s = ev->scores[i];

		if (s < t->min || s > t->max || s < r->domain_min)
			return 0;
		total += s;
	}
	return total >= r->total_min;
}

/* 1 if the attempts at one exercise (oldest first) reach the requirement's run of scores. */
static int simulator_qualifies(const struct req *r, const struct rl_evidence *ev)
{
	long long run = 0;

	if (!ev->exercise || !in_list(&r->exercises, ev->exercise))
		return 0;
	for (size_t i = 0; i < ev->nattempts; i++) {
		if (r->platforms.n && !in_list(&r->platforms, ev->attempt_platforms ? ev->attempt_platforms[i] : NULL))
			continue;
		run = ev->attempt_scores[i] >= r->min_score * 100 ? run + 1 : 0;
		if (run >= r->consecutive)
			return 1;
	}
	return 0;
}

static long long contribution(const struct req *r, const struct module *m,
			      const struct rl_tools *tools, const struct rl_evidence *ev)
{
	long long n = 0;

	switch (r->kind) {
	case KIND_MINUTES:
		if (ev->kind == RL_EV_SESSION && ev->minutes > 0 && session_matches(r, ev))
			return ev->minutes;
		return 0;
	case KIND_CASES:
		return ev->kind == RL_EV_SESSION && session_matches(r, ev);
	case KIND_STEPS:
		if (ev->kind != RL_EV_SESSION || !ev->steps || !session_matches(r, ev))
			return 0;
		for (size_t i = 0; i < ev->nsteps; i++)
			n += in_list(&r->steps, ev->steps[i]);
		return n;
	case KIND_ASSESSMENTS:
		return ev->kind == RL_EV_ASSESSMENT && assessment_qualifies(r, tools, ev);
	case KIND_SIGNOFF:
		return ev->kind == RL_EV_MODULE && ev->module && strcmp(ev->module, m->id) == 0;
	case KIND_SIMULATOR:
		return ev->kind == RL_EV_SIMULATOR && ev->attempt_scores && simulator_qualifies(r, ev);
	case KIND_ELEARNING:
		return ev->kind == RL_EV_ELEARNING && ev->issuer && ev->achievement && strcmp(ev->issuer, r->issuer) == 0 &&
		       strcmp(ev->achievement, r->achievement) == 0;
	}
	return 0;
}

void rl_curriculum_contributions(const struct rl_curriculum *c, const struct rl_tools *tools,
				 const struct rl_evidence *ev, rl_contribution_fn fn, void *ctx)
{
	if (!c || !ev || !fn)
		return;
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct module *m = &c->modules[i];

		for (size_t j = 0; j < m->nreqs; j++) {
			long long amount = contribution(&m->reqs[j], m, tools, ev);

			if (amount > 0)
				fn(ctx, m->reqs[j].key, amount);
		}
	}
}

/* ------------------------------------------------------- evaluation */

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

static json_t *strlist_json(const struct strlist *l, int *failed)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < l->n; i++)
		append(arr, json_string(l->v[i]), failed);
	return arr;
}

static const char *req_status(int blocked, long long s, long long pending, long long target)
{
	if (blocked)
		return "blocked";
	if (s >= target)
		return "met";
	if (s > 0 || pending > 0)
		return "in_progress";
	return "not_started";
}

static json_t *requirement_json(const struct req *r, long long s, long long pending,
				const char *status, int *failed)
{
	json_t *o = json_object();

	if (!o) {
		*failed = 1;
		return NULL;
	}
	put(o, "id", json_string(r->id), failed);
	put(o, "key", json_string(r->key), failed);
	put(o, "kind", json_string(rl_req_kind_names[r->kind]), failed);
	if (r->title)
		put(o, "title", json_string(r->title), failed);
	put(o, "description", json_string(r->description), failed);
	put(o, "target", json_integer(r->target), failed);
	put(o, "signed", json_integer(s), failed);
	put(o, "pending", json_integer(pending), failed);
	put(o, "status", json_string(status), failed);
	if (r->activities.n)
		put(o, "activity", strlist_json(&r->activities, failed), failed);
	if (r->platforms.n)
		put(o, "platform", strlist_json(&r->platforms, failed), failed);
	if (r->roles.n)
		put(o, "roles", strlist_json(&r->roles, failed), failed);
	if (r->steps.n)
		put(o, "steps", strlist_json(&r->steps, failed), failed);
	if (r->kind == KIND_SIMULATOR) {
		put(o, "exercises", strlist_json(&r->exercises, failed), failed);
		put(o, "min_score", json_integer(r->min_score), failed);
		put(o, "consecutive", json_integer(r->consecutive), failed);
	}
	if (r->kind == KIND_ELEARNING) {
		put(o, "issuer", json_string(r->issuer), failed);
		put(o, "achievement", json_string(r->achievement), failed);
	}
	if (r->kind == KIND_ASSESSMENTS) {
		put(o, "tool", json_string(r->tool), failed);
		put(o, "total_min", json_integer(r->total_min), failed);
		put(o, "domain_min", json_integer(r->domain_min), failed);
	}
	if (r->source)
		put(o, "source", json_string(r->source), failed);
	return o;
}

struct totals {
	long long s;   /* signed */
	long long p;   /* pending */
};

/* Reads every requirement's totals; per[i] points at module i's slice. */
static int read_totals(const struct rl_curriculum *c, rl_tally_fn tally, void *ctx,
		       struct totals **per, struct rl_error *err)
{
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct module *m = &c->modules[i];

		for (size_t j = 0; j < m->nreqs; j++) {
			struct totals *t = &per[i][j];
			int rc = tally(ctx, m->reqs[j].key, &t->s, &t->p);

			if (rc == 1) {
				t->s = t->p = 0;
			} else if (rc != 0) {
				if (err && err->status == RL_OK)
					rl_error_internal(err, "could not read the progress totals");
				return -1;
			} else if (t->s < 0 || t->p < 0) {
				return rl_error_set(err, RL_E_INTERNAL, "internal", NULL,
						    "negative progress total for requirement %s",
						    m->reqs[j].key);
			}
		}
	}
	return 0;
}

/*
 * Decides met[] and blocked[] for every module (met/blocked start zeroed),
 * prerequisites first so each module sees its prerequisites' verdicts.
 * Returns how many modules are met.
 */
static size_t module_verdicts(const struct rl_curriculum *c, struct totals **per, int *met, int *blocked)
{
	size_t nmet = 0;

	for (size_t o = 0; o < c->nmodules; o++) {
		size_t i = c->order[o];
		const struct module *m = &c->modules[i];
		int all_met = 1;

		for (size_t k = 0; k < m->prereqs.n; k++)
			if (!met[m->prereq_index[k]])
				blocked[i] = 1;
		for (size_t j = 0; j < m->nreqs; j++)
			if (per[i][j].s < m->reqs[j].target)
				all_met = 0;
		met[i] = !blocked[i] && all_met;
		nmet += (size_t)met[i];
	}
	return nmet;
}

json_t *rl_curriculum_evaluate(const struct rl_curriculum *c, rl_tally_fn tally, void *ctx,
			       struct rl_error *err)
{
	size_t nreqs = 0, used = 0, nmet = 0;
	struct totals *all = NULL, **per = NULL;
	int *met = NULL, *blocked = NULL, failed = 0, done = 0;
	json_t *doc = NULL, *cur, *mods, *unmet;

	for (size_t i = 0; i < c->nmodules; i++)
		nreqs += c->modules[i].nreqs;
	all = calloc(nreqs, sizeof(*all));
	per = calloc(c->nmodules, sizeof(*per));
	met = calloc(c->nmodules, sizeof(*met));
	blocked = calloc(c->nmodules, sizeof(*blocked));
	if (!all || !per || !met || !blocked) {
		rl_error_internal(err, "out of memory evaluating progress");
		goto out;
	}
	for (size_t i = 0; i < c->nmodules; i++) {
		per[i] = all + used;
		used += c->modules[i].nreqs;
	}
	if (read_totals(c, tally, ctx, per, err) < 0)
		goto out;

	nmet = module_verdicts(c, per, met, blocked);

	doc = json_object();
	cur = json_object();
	mods = json_array();
	unmet = json_array();
	put(doc, "curriculum", cur, &failed);
	if (cur) {
		put(cur, "code", json_string(c->code), &failed);
		put(cur, "version", json_integer(c->version), &failed);
		put(cur, "title", json_string(c->title), &failed);
	}
	put(doc, "status", json_string(nmet == c->nmodules ? "eligible" : "in_training"), &failed);
	put(doc, "modules_met", json_integer((json_int_t)nmet), &failed);
	put(doc, "modules_total", json_integer((json_int_t)c->nmodules), &failed);
	put(doc, "modules", mods, &failed);
	put(doc, "unmet", unmet, &failed);
	if (failed)
		goto out;

	for (size_t i = 0; i < c->nmodules; i++) {
		const struct module *m = &c->modules[i];
		json_t *mo = json_object(), *reqs = json_array();
		int any = 0;
		const char *mstatus;

		append(mods, mo, &failed);
		if (!mo || !reqs) {
			json_decref(reqs);
			failed = 1;
			break;
		}
		put(mo, "id", json_string(m->id), &failed);
		put(mo, "title", json_string(m->title), &failed);
		for (size_t j = 0; j < m->nreqs; j++) {
			const struct req *r = &m->reqs[j];
			struct totals t = per[i][j];
			const char *status = req_status(blocked[i], t.s, t.p, r->target);

			append(reqs, requirement_json(r, t.s, t.p, status, &failed), &failed);
			if (t.s > 0 || t.p > 0)
				any = 1;
			if (strcmp(status, "met") != 0) {
				json_t *u = json_object();

				append(unmet, u, &failed);
				if (!u)
					continue;
				put(u, "module", json_string(m->id), &failed);
				put(u, "requirement", json_string(r->id), &failed);
				put(u, "key", json_string(r->key), &failed);
				put(u, "description", json_string(r->description), &failed);
				put(u, "target", json_integer(r->target), &failed);
				put(u, "signed", json_integer(t.s), &failed);
			}
		}
		if (met[i])
			mstatus = "met";
		else if (blocked[i])
			mstatus = "blocked";
		else if (any)
			mstatus = "in_progress";
		else
			mstatus = "not_started";
		put(mo, "status", json_string(mstatus), &failed);
		put(mo, "prerequisites", strlist_json(&m->prereqs, &failed), &failed);
		if (m->source)
			put(mo, "source", json_string(m->source), &failed);
		put(mo, "requirements", reqs, &failed);
	}
	done = !failed;
out:
	if (!done) {
		if (failed)
			rl_error_internal(err, "out of memory building the progress document");
		json_decref(doc);
		doc = NULL;
	}
	free(all);
	free(per);
	free(met);
	free(blocked);
	return doc;
}

json_t *rl_curriculum_quick_summary(const struct rl_curriculum *c, rl_tally_fn tally, void *ctx,
				    int *modules_met, struct rl_error *err)
{
	struct totals all[256], *per[64];
	int met[64], blocked[64];
	size_t nreqs = 0, used = 0, nmet = 0;
	json_t *out;
	int failed = 0;

	for (size_t i = 0; i < c->nmodules; i++)
		nreqs += c->modules[i].nreqs;
	if (c->nmodules > 64 || nreqs > 256) {
		/* A curriculum this large takes the general path. */
		json_t *ev = rl_curriculum_evaluate(c, tally, ctx, err);
		json_t *sum = ev ? rl_curriculum_summary(ev) : NULL;
		*modules_met = ev ? (int)json_integer_value(json_object_get(ev, "modules_met")) : 0;
		json_decref(ev);
		return sum;
	}
	memset(all, 0, sizeof(all));
	for (size_t i = 0; i < c->nmodules; i++) {
		per[i] = all + used;
		used += c->modules[i].nreqs;
		met[i] = blocked[i] = 0;
	}
	if (read_totals(c, tally, ctx, per, err) < 0)
		return NULL;
	/* The same verdicts as rl_curriculum_evaluate, without building its document. */
	nmet = module_verdicts(c, per, met, blocked);
	out = json_array();
	for (size_t i = 0; out && i < c->nmodules; i++) {
		const struct module *m = &c->modules[i];
		size_t reqs_met = 0;
		int any = 0;
		const char *mstatus;
		json_t *row;

		for (size_t j = 0; j < m->nreqs; j++) {
			reqs_met += per[i][j].s >= m->reqs[j].target;
			if (per[i][j].s > 0 || per[i][j].p > 0)
				any = 1;
		}
		mstatus = met[i] ? "met" : blocked[i] ? "blocked" : any ? "in_progress" : "not_started";
		row = json_object();
		append(out, row, &failed);
		if (!row)
			break;
		put(row, "module", json_string(m->id), &failed);
		put(row, "title", json_string(m->title), &failed);
		put(row, "status", json_string(mstatus), &failed);
		put(row, "met_requirements", json_integer((json_int_t)reqs_met), &failed);
		put(row, "total_requirements", json_integer((json_int_t)m->nreqs), &failed);
	}
	if (!out || failed) {
		json_decref(out);
		rl_error_internal(err, "out of memory summarising progress");
		return NULL;
	}
	*modules_met = (int)nmet;
	return out;
}

json_t *rl_curriculum_summary(const json_t *evaluation)
{
	json_t *mods = json_object_get(evaluation, "modules");
	json_t *out, *m;
	size_t i;
	int failed = 0;

	if (!json_is_array(mods))
		return NULL;
	out = json_array();
	if (!out)
		return NULL;
	json_array_foreach(mods, i, m) {
		json_t *reqs = json_object_get(m, "requirements"), *r, *row;
		json_t *id = json_object_get(m, "id"), *title = json_object_get(m, "title");
		json_t *status = json_object_get(m, "status");
		size_t k, nmet = 0;

		if (!json_is_string(id) || !json_is_string(title) || !json_is_string(status) ||
		    !json_is_array(reqs)) {
			failed = 1;
			break;
		}
		json_array_foreach(reqs, k, r) {
			json_t *s = json_object_get(r, "signed"), *t = json_object_get(r, "target");

			if (!json_is_integer(s) || !json_is_integer(t)) {
				failed = 1;
				break;
			}
			nmet += json_integer_value(s) >= json_integer_value(t);
		}
		if (failed)
			break;
		row = json_object();
		append(out, row, &failed);
		if (!row)
			break;
		put(row, "module", json_copy(id), &failed);
		put(row, "title", json_copy(title), &failed);
		put(row, "status", json_copy(status), &failed);
		put(row, "met_requirements", json_integer((json_int_t)nmet), &failed);
		put(row, "total_requirements", json_integer((json_int_t)json_array_size(reqs)), &failed);
	}
	if (failed) {
		json_decref(out);
		return NULL;
	}
	return out;
}
