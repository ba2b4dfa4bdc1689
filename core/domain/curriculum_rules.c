/*
 * curriculum_rules.c - the pure rules over a parsed curriculum: which
 * requirements a piece of evidence counts towards (contributions), and
 * where a trainee stands given their totals (evaluation, summaries); see
 * curriculum.h.  Parsing is in curriculum_parse.c.
 */
#include "base/prelude.h"

#include "domain/curriculum.h"
#include "domain/curriculum_impl.h"
#include "domain/progress_record.h"

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

/* Reads every requirement's totals into the record's requirements. */
static int read_totals(const struct rl_curriculum *c, rl_tally_fn tally, void *ctx, struct rl_progress *p,
		       struct rl_error *err)
{
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct module *m = &c->modules[i];

		for (size_t j = 0; j < m->nreqs; j++) {
			struct rl_progress_req *r = &p->modules[i].reqs[j];
			int rc = tally(ctx, m->reqs[j].key, &r->signed_amount, &r->pending);

			if (rc == 1) {
				r->signed_amount = r->pending = 0;
			} else if (rc != 0) {
				if (err && err->status == RL_OK)
					rl_error_internal(err, "could not read the progress totals");
				return -1;
			} else if (r->signed_amount < 0 || r->pending < 0) {
				return rl_error_set(err, RL_E_INTERNAL, "internal", NULL,
						    "negative progress total for requirement %s",
						    m->reqs[j].key);
			}
		}
	}
	return 0;
}

/*
 * Decides every module's verdict, prerequisites first so each module sees
 * its prerequisites' verdicts, then every requirement's status.  met and
 * blocked start zeroed.  Returns how many modules are met.
 */
static size_t verdicts(const struct rl_curriculum *c, struct rl_progress *p, int *met, int *blocked)
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
			if (p->modules[i].reqs[j].signed_amount < m->reqs[j].target)
				all_met = 0;
		met[i] = !blocked[i] && all_met;
		nmet += (size_t)met[i];
	}
	for (size_t i = 0; i < c->nmodules; i++) {
		struct rl_progress_module *pm = &p->modules[i];
		int any = 0;

		for (size_t j = 0; j < pm->nreqs; j++) {
			struct rl_progress_req *r = &pm->reqs[j];

			r->status = req_status(blocked[i], r->signed_amount, r->pending, r->target);
			pm->reqs_met += r->signed_amount >= r->target;
			if (r->signed_amount > 0 || r->pending > 0)
				any = 1;
		}
		pm->status = met[i] ? "met" : blocked[i] ? "blocked" : any ? "in_progress" : "not_started";
	}
	return nmet;
}

int rl_curriculum_assess(const struct rl_curriculum *c, rl_tally_fn tally, void *ctx, struct rl_progress *out,
			 struct rl_error *err)
{
	int *met = NULL, *blocked = NULL, rc = -1;

	memset(out, 0, sizeof(*out));
	out->acc_index = -1;
	out->def = c;
	out->code = c->code;
	out->version = c->version;
	out->title = c->title;
	out->nmodules = c->nmodules;
	out->modules = calloc(c->nmodules ? c->nmodules : 1, sizeof(*out->modules));
	met = calloc(c->nmodules ? c->nmodules : 1, sizeof(*met));
	blocked = calloc(c->nmodules ? c->nmodules : 1, sizeof(*blocked));
	if (!out->modules || !met || !blocked) {
		out->nmodules = 0;
		rl_error_internal(err, "out of memory evaluating progress");
		goto out;
	}
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct module *m = &c->modules[i];
		struct rl_progress_module *pm = &out->modules[i];

		pm->id = m->id;
		pm->title = m->title;
		pm->nreqs = m->nreqs;
		if (m->nreqs && !(pm->reqs = calloc(m->nreqs, sizeof(*pm->reqs)))) {
			pm->nreqs = 0;
			rl_error_internal(err, "out of memory evaluating progress");
			goto out;
		}
		for (size_t j = 0; j < m->nreqs; j++) {
			const struct req *r = &m->reqs[j];

			pm->reqs[j].id = r->id;
			pm->reqs[j].key = r->key;
			pm->reqs[j].kind = rl_req_kind_names[r->kind];
			pm->reqs[j].description = r->description;
			pm->reqs[j].target = r->target;
		}
	}
	if (read_totals(c, tally, ctx, out, err) < 0)
		goto out;
	out->modules_met = verdicts(c, out, met, blocked);
	out->status = out->modules_met == c->nmodules ? "eligible" : "in_training";
	rc = 0;
out:
	if (rc < 0)
		rl_progress_release(out);
	free(met);
	free(blocked);
	return rc;
}

json_t *rl_curriculum_evaluate(const struct rl_curriculum *c, rl_tally_fn tally, void *ctx,
			       struct rl_error *err)
{
	struct rl_progress p;
	json_t *doc;

	if (rl_curriculum_assess(c, tally, ctx, &p, err) < 0)
		return NULL;
	doc = rl_progress_to_json(&p, err);
	rl_progress_release(&p);
	return doc;
}

json_t *rl_curriculum_quick_summary(const struct rl_curriculum *c, rl_tally_fn tally, void *ctx,
				    int *modules_met, struct rl_error *err)
{
	struct rl_progress p;
	json_t *out;

	if (rl_curriculum_assess(c, tally, ctx, &p, err) < 0)
		return NULL;
	out = rl_progress_summary_json(&p);
	if (!out)
		rl_error_internal(err, "out of memory summarising progress");
	else
		*modules_met = (int)p.modules_met;
	rl_progress_release(&p);
	return out;
}

json_t *rl_curriculum_summary(const json_t *evaluation)
{
	struct rl_progress p;
	struct rl_error err = RL_ERROR_INIT;
	json_t *out;

	/* rl_progress_read takes a reference; the evaluation is not changed. */
	if (rl_progress_read((json_t *)evaluation, &p, &err) < 0) {
		rl_error_clear(&err);
		return NULL;
	}
	out = rl_progress_summary_json(&p);
	rl_progress_release(&p);
	return out;
}
