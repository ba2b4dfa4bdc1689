/*
 * progress_record.c - the typed progress record's renderers (the API's
 * progress JSON, the accreditation list's summary) and its one reader of
 * a progress report; see progress_record.h.  The record is filled by
 * rl_curriculum_assess (curriculum_rules.c).
 */
#include "base/prelude.h"

#include "domain/progress_record.h"
#include "domain/curriculum_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ setters */

void rl_progress_set_accreditation(struct rl_progress *p, int64_t acc_index, const char *until, const char *today)
{
	const char *evaluated = p->evaluated_status ? p->evaluated_status : p->status ? p->status : "in_training";

	p->evaluated_status = evaluated;
	p->acc_index = acc_index < 0 ? -1 : acc_index;
	p->acc_until = acc_index >= 0 && until && until[0] ? until : NULL;
	if (acc_index < 0)
		p->status = evaluated;
	else
		p->status = p->acc_until && strcmp(p->acc_until, today) < 0 ? "lapsed" : "accredited";
}

void rl_progress_set_trainee(struct rl_progress *p, int64_t id, const char *name, const char *site)
{
	p->has_trainee = 1;
	p->trainee_id = id;
	p->trainee_name = name;
	p->trainee_site = site;
}

/* ---------------------------------------------------------------- JSON */

/* Sets a member, remembering any failure (a NULL value included). */
static void put(json_t *obj, const char *key, json_t *value, int *failed)
{
	if (json_object_set_new(obj, key, value) < 0)
		*failed = 1;
}

void rl_progress_trainee_json(const struct rl_progress *p, json_t *doc, int *failed)
{
	json_t *t;

	if (!p->has_trainee)
		return;
	t = json_object();
	put(doc, "trainee", t, failed);
	if (t) {
		put(t, "id", json_integer(p->trainee_id), failed);
		put(t, "name", json_string(p->trainee_name), failed);
		put(t, "site", json_string(p->trainee_site), failed);
	}
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

/* One requirement: its figures from the record, what it asks for from its definition. */
static json_t *requirement_json(const struct req *r, const struct rl_progress_req *pr, int *failed)
{
	json_t *o = json_object();

	if (!o) {
		*failed = 1;
		return NULL;
	}
	put(o, "id", json_string(pr->id), failed);
	put(o, "key", json_string(pr->key), failed);
	put(o, "kind", json_string(pr->kind), failed);
	if (r->title)
		put(o, "title", json_string(r->title), failed);
	put(o, "description", json_string(pr->description), failed);
	put(o, "target", json_integer(pr->target), failed);
	put(o, "signed", json_integer(pr->signed_amount), failed);
	put(o, "pending", json_integer(pr->pending), failed);
	put(o, "status", json_string(pr->status), failed);
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

static json_t *module_json(const struct module *m, const struct rl_progress_module *pm, json_t *unmet, int *failed)
{
	json_t *mo = json_object(), *reqs = json_array();

	if (!mo || !reqs) {
		json_decref(mo);
		json_decref(reqs);
		*failed = 1;
		return NULL;
	}
	put(mo, "id", json_string(pm->id), failed);
	put(mo, "title", json_string(pm->title), failed);
	for (size_t j = 0; j < pm->nreqs; j++) {
		const struct rl_progress_req *pr = &pm->reqs[j];
		json_t *u;

		append(reqs, requirement_json(&m->reqs[j], pr, failed), failed);
		if (strcmp(pr->status, "met") == 0)
			continue;
		u = json_object();
		append(unmet, u, failed);
		if (!u)
			continue;
		put(u, "module", json_string(pm->id), failed);
		put(u, "requirement", json_string(pr->id), failed);
		put(u, "key", json_string(pr->key), failed);
		put(u, "description", json_string(pr->description), failed);
		put(u, "target", json_integer(pr->target), failed);
		put(u, "signed", json_integer(pr->signed_amount), failed);
	}
	put(mo, "status", json_string(pm->status), failed);
	put(mo, "prerequisites", strlist_json(&m->prereqs, failed), failed);
	if (m->source)
		put(mo, "source", json_string(m->source), failed);
	put(mo, "requirements", reqs, failed);
	return mo;
}

json_t *rl_progress_to_json(const struct rl_progress *p, struct rl_error *err)
{
	const struct rl_curriculum *c = p->def;
	json_t *doc, *cur, *mods, *unmet;
	int failed = 0;

	if (!c || c->nmodules != p->nmodules) {
		rl_error_internal(err, "a progress record without its curriculum cannot be rendered as JSON");
		return NULL;
	}
	doc = json_object();
	cur = json_object();
	mods = json_array();
	unmet = json_array();
	if (!doc) {
		json_decref(cur);
		json_decref(mods);
		json_decref(unmet);
		rl_error_internal(err, "out of memory building the progress document");
		return NULL;
	}
	put(doc, "curriculum", cur, &failed);
	if (cur) {
		put(cur, "code", json_string(p->code), &failed);
		put(cur, "version", json_integer(p->version), &failed);
		put(cur, "title", json_string(p->title), &failed);
	}
	put(doc, "status", json_string(p->status), &failed);
	put(doc, "modules_met", json_integer((json_int_t)p->modules_met), &failed);
	put(doc, "modules_total", json_integer((json_int_t)p->nmodules), &failed);
	put(doc, "modules", mods, &failed);
	put(doc, "unmet", unmet, &failed);
	for (size_t i = 0; !failed && i < p->nmodules; i++)
		append(mods, module_json(&c->modules[i], &p->modules[i], unmet, &failed), &failed);
	if (p->evaluated_status) {
		put(doc, "evaluated_status", json_string(p->evaluated_status), &failed);
		if (p->acc_index >= 0) {
			json_t *a = json_object();

			put(doc, "accreditation", a, &failed);
			if (a) {
				put(a, "ledger_index", json_integer(p->acc_index), &failed);
				if (p->acc_until)
					put(a, "valid_until", json_string(p->acc_until), &failed);
			}
		}
	}
	rl_progress_trainee_json(p, doc, &failed);
	if (failed) {
		json_decref(doc);
		rl_error_internal(err, "out of memory building the progress document");
		return NULL;
	}
	return doc;
}

json_t *rl_progress_summary_json(const struct rl_progress *p)
{
	json_t *out = json_array();
	int failed = 0;

	for (size_t i = 0; out && !failed && i < p->nmodules; i++) {
		const struct rl_progress_module *m = &p->modules[i];
		json_t *row = json_object();

		append(out, row, &failed);
		if (!row)
			break;
		put(row, "module", json_string(m->id), &failed);
		put(row, "title", json_string(m->title), &failed);
		put(row, "status", json_string(m->status), &failed);
		put(row, "met_requirements", json_integer((json_int_t)m->reqs_met), &failed);
		put(row, "total_requirements", json_integer((json_int_t)m->nreqs), &failed);
	}
	if (failed) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* ------------------------------------------------------------- reading */

/* The reader's position, for the error that names the first bad member. */
struct reader {
	struct rl_error *err;
	int bad;
};

static void missing(struct reader *rd, const char *path, const char *name, const char *want)
{
	if (!rd->bad)
		rl_error_set(rd->err, RL_E_INTERNAL, "internal", NULL, "the progress report has no %s %s%s%s", want, path,
			     path[0] ? "." : "", name);
	rd->bad = 1;
}

static const char *str_of(struct reader *rd, json_t *obj, const char *path, const char *name, int required)
{
	json_t *v = json_object_get(obj, name);

	if (json_is_string(v))
		return json_string_value(v);
	if (required || v)
		missing(rd, path, name, "string");
	return NULL;
}

static long long int_of(struct reader *rd, json_t *obj, const char *path, const char *name, int required,
			long long dflt)
{
	json_t *v = json_object_get(obj, name);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (required || v)
		missing(rd, path, name, "integer");
	return dflt;
}

static json_t *arr_of(struct reader *rd, json_t *obj, const char *path, const char *name, int required)
{
	json_t *v = json_object_get(obj, name);

	if (json_is_array(v))
		return v;
	if (required || v)
		missing(rd, path, name, "array");
	return NULL;
}

static json_t *obj_of(struct reader *rd, json_t *obj, const char *path, const char *name, int required)
{
	json_t *v = json_object_get(obj, name);

	if (json_is_object(v))
		return v;
	if (required || (v && !json_is_null(v)))
		missing(rd, path, name, "object");
	return NULL;
}

static void read_evidence(struct reader *rd, json_t *arr, const char *path, struct rl_progress_req *r)
{
	json_t *it;
	size_t k;
	char at[128];

	r->nevidence = json_array_size(arr);
	if (!r->nevidence)
		return;
	if (!(r->evidence = calloc(r->nevidence, sizeof(*r->evidence)))) {
		r->nevidence = 0;
		missing(rd, path, "evidence", "memory for");
		return;
	}
	json_array_foreach(arr, k, it) {
		struct rl_progress_evidence *e = &r->evidence[k];

		snprintf(at, sizeof(at), "%s.evidence[%zu]", path, k);
		e->ledger_index = int_of(rd, it, at, "ledger_index", 1, 0);
		e->amount = int_of(rd, it, at, "amount", 1, 0);
		e->type = str_of(rd, it, at, "type", 1);
		e->date = str_of(rd, it, at, "date", 0);
		e->signed_by = int_of(rd, it, at, "signed_by", 0, 0);
	}
}

static void read_module(struct reader *rd, json_t *mo, size_t i, struct rl_progress_module *m)
{
	char path[48], rpath[96];
	json_t *reqs, *rq;
	size_t j;

	snprintf(path, sizeof(path), "modules[%zu]", i);
	m->id = str_of(rd, mo, path, "id", 1);
	m->title = str_of(rd, mo, path, "title", 1);
	m->status = str_of(rd, mo, path, "status", 1);
	if (!(reqs = arr_of(rd, mo, path, "requirements", 1)) || !(m->nreqs = json_array_size(reqs)))
		return;
	if (!(m->reqs = calloc(m->nreqs, sizeof(*m->reqs)))) {
		m->nreqs = 0;
		missing(rd, path, "requirements", "memory for");
		return;
	}
	json_array_foreach(reqs, j, rq) {
		struct rl_progress_req *r = &m->reqs[j];
		json_t *ev;

		snprintf(rpath, sizeof(rpath), "%s.requirements[%zu]", path, j);
		r->id = str_of(rd, rq, rpath, "id", 1);
		r->key = str_of(rd, rq, rpath, "key", 1);
		r->kind = str_of(rd, rq, rpath, "kind", 1);
		r->description = str_of(rd, rq, rpath, "description", 1);
		r->status = str_of(rd, rq, rpath, "status", 1);
		r->target = int_of(rd, rq, rpath, "target", 1, 0);
		r->signed_amount = int_of(rd, rq, rpath, "signed", 1, 0);
		r->pending = int_of(rd, rq, rpath, "pending", 1, 0);
		m->reqs_met += r->signed_amount >= r->target;
		if ((ev = arr_of(rd, rq, rpath, "evidence", 0)))
			read_evidence(rd, ev, rpath, r);
	}
}

int rl_progress_read(json_t *report, struct rl_progress *out, struct rl_error *err)
{
	struct reader rd = { err, 0 };
	json_t *cur, *mods, *mo, *acc, *tr;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->acc_index = -1;
	if (!json_is_object(report)) {
		rl_error_internal(err, "the progress report is not a JSON object");
		return -1;
	}
	out->doc = json_incref(report);
	if ((cur = obj_of(&rd, report, "", "curriculum", 1))) {
		out->code = str_of(&rd, cur, "curriculum", "code", 1);
		out->version = (int)int_of(&rd, cur, "curriculum", "version", 1, 0);
		out->title = str_of(&rd, cur, "curriculum", "title", 1);
	}
	out->status = str_of(&rd, report, "", "status", 1);
	out->evaluated_status = str_of(&rd, report, "", "evaluated_status", 0);
	out->modules_met = (size_t)int_of(&rd, report, "", "modules_met", 1, 0);
	if ((mods = arr_of(&rd, report, "", "modules", 1)) && (out->nmodules = json_array_size(mods))) {
		if (!(out->modules = calloc(out->nmodules, sizeof(*out->modules)))) {
			out->nmodules = 0;
			missing(&rd, "", "modules", "memory for");
		}
		json_array_foreach(mods, i, mo) {
			if (!out->modules || rd.bad)
				break;
			read_module(&rd, mo, i, &out->modules[i]);
		}
	}
	if ((acc = obj_of(&rd, report, "", "accreditation", 0))) {
		out->acc_index = int_of(&rd, acc, "accreditation", "ledger_index", 1, -1);
		out->acc_until = str_of(&rd, acc, "accreditation", "valid_until", 0);
	}
	if ((tr = obj_of(&rd, report, "", "trainee", 0))) {
		out->has_trainee = 1;
		out->trainee_id = int_of(&rd, tr, "trainee", "id", 1, 0);
		out->trainee_name = str_of(&rd, tr, "trainee", "name", 1);
		out->trainee_site = str_of(&rd, tr, "trainee", "site", 1);
	}
	if (rd.bad) {
		rl_progress_release(out);
		return -1;
	}
	return 0;
}

void rl_progress_release(struct rl_progress *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->modules && i < p->nmodules; i++) {
		for (size_t j = 0; p->modules[i].reqs && j < p->modules[i].nreqs; j++)
			free(p->modules[i].reqs[j].evidence);
		free(p->modules[i].reqs);
	}
	free(p->modules);
	json_decref(p->doc);
	memset(p, 0, sizeof(*p));
	p->acc_index = -1;
}
