/*
 * curriculum_parse.c - reading and validating the tool table and curricula
 * (JSON -> the structs of curriculum_impl.h), the generated requirement
 * descriptions, and the accessors; see curriculum.h and docs/curricula.md.
 * The rules that read the parsed structs are in curriculum_rules.c.
 *
 * Both parsed objects keep the jansson document they came from and borrow
 * their strings from it, so there is one owner and one free.  Validation
 * collects every problem it can find (up to RL_ERROR_MAX_FIELDS in the
 * error) rather than stopping at the first, so a programme editing a
 * curriculum sees all of its mistakes at once; the prerequisite graph is
 * only checked for cycles once every id resolves.
 */
#include "base/prelude.h"

#include "domain/curriculum.h"
#include "domain/curriculum_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/codes.h"

/* Size limits: far above any real curriculum, low enough to bound work. */
#define MAX_TOOLS 64
#define MAX_DOMAINS 32
#define MAX_MODULES 64
#define MAX_REQUIREMENTS 32
#define MAX_LIST 64
#define MAX_ID 64
#define MAX_TITLE 200
#define MAX_SOURCE 2000
#define MAX_TARGET 10000000LL
#define MAX_VERSION 1000000LL
#define MAX_SCORE 1000LL

const char *const rl_req_kind_names[] = {
	NULL, "minutes", "cases", "steps", "assessments", "module_signoff", "simulator", "elearning",
};

/* ---------------------------------------------- validation helpers */

struct pctx {
	struct rl_error *err;
	int bad; /* problems found so far */
};

static void problem(struct pctx *p, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct pctx *p, const char *field, const char *fmt, ...)
{
	char msg[sizeof(p->err->fields[0].message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->bad++;
	rl_error_field(p->err, field, "%s", msg);
}

/* "path.name", or "name" at the top. */
static void join(char *out, size_t size, const char *path, const char *name)
{
	/* Paths are for messages: a truncated one is still useful. */
	if (snprintf(out, size, *path ? "%s.%s" : "%s%s", path, name) < 0)
		out[0] = '\0';
}

static void at(char *out, size_t size, const char *path, size_t i)
{
	if (snprintf(out, size, "%s[%zu]", path, i) < 0)
		out[0] = '\0';
}

static int id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > MAX_ID)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int check_members(struct pctx *p, json_t *obj, const char *path,
			 const char *const *allowed, const char *what)
{
	const char *key;
	json_t *value;
	char f[128];
	int ok = 0;

	json_object_foreach(obj, key, value) {
		size_t i;

		for (i = 0; allowed[i] && strcmp(allowed[i], key) != 0; i++)
			;
		if (!allowed[i]) {
			join(f, sizeof(f), path, key);
			problem(p, f, "is not a field of %s", what);
			ok = -1;
		}
	}
	return ok;
}

/* Any C0 control or DEL (jansson has already checked the UTF-8). */
static int has_controls(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * Reads string member name.  Absent, null or "": NULL, a problem only if
 * required.  Returns NULL after reporting anything else wrong.
 */
static const char *get_str(struct pctx *p, json_t *obj, const char *path,
			   const char *name, int required, size_t max)
{
	json_t *v = json_object_get(obj, name);
	char f[128];
	const char *s;
	size_t n;

	join(f, sizeof(f), path, name);
	if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
		if (required)
			problem(p, f, "is required");
		return NULL;
	}
	if (!json_is_string(v)) {
		problem(p, f, "must be a string");
		return NULL;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n > max) {
		problem(p, f, "must be at most %zu bytes", max);
		return NULL;
	}
	if (has_controls(s, n)) {
		problem(p, f, "must not contain control characters");
		return NULL;
	}
	return s;
}

/* Reads an id member: required, 1-64 of [a-z0-9_-]. */
static const char *get_id(struct pctx *p, json_t *obj, const char *path, const char *name)
{
	const char *s = get_str(p, obj, path, name, 1, 1000);
	char f[128];

	if (s && !id_valid(s)) {
		join(f, sizeof(f), path, name);
		problem(p, f, "\"%.64s\" is not an id: use 1-64 characters of a-z, 0-9, '_' and '-'", s);
		return NULL;
	}
	return s;
}

/*
 * Reads integer member name into *out.  Returns 1 if present and valid, 0
 * if absent (a problem if required), -1 after reporting a problem.
 */
static int get_int(struct pctx *p, json_t *obj, const char *path, const char *name,
		   int required, long long min, long long max, long long *out)
{
	json_t *v = json_object_get(obj, name);
	char f[128];
	long long x;

	join(f, sizeof(f), path, name);
	if (!v || json_is_null(v)) {
		if (required) {
			problem(p, f, "is required");
			return -1;
		}
		return 0;
	}
	if (!json_is_integer(v)) {
		problem(p, f, "must be an integer");
		return -1;
	}
	x = json_integer_value(v);
	if (x < min || x > max) {
		problem(p, f, "must be between %lld and %lld, not %lld", min, max, x);
		return -1;
	}
	*out = x;
	return 1;
}

typedef int (*item_check_fn)(struct pctx *p, const char *field, const char *s);

/*
 * Reads member name as one string or an array of strings into *out (each
 * checked by check, no repeats, at most MAX_LIST).  Absent or null: an
 * empty list, a problem if required.  An empty array is refused unless
 * allow_empty.  Returns 0, or -1 after reporting (out is then empty).
 */
static int get_list(struct pctx *p, json_t *obj, const char *path, const char *name,
		    int required, int allow_empty, item_check_fn check, struct strlist *out)
{
	json_t *v = json_object_get(obj, name);
	char f[128], fi[140];
	size_t n, i;
	int before = p->bad;

	memset(out, 0, sizeof(*out));
	join(f, sizeof(f), path, name);
	if (!v || json_is_null(v)) {
		if (required) {
			problem(p, f, "is required");
			return -1;
		}
		return 0;
	}
	if (json_is_string(v)) {
		n = 1;
	} else if (json_is_array(v)) {
		n = json_array_size(v);
		out->from_array = 1;
		if (n == 0 && !allow_empty) {
			problem(p, f, "must list at least one code");
			return -1;
		}
		if (n > MAX_LIST) {
			problem(p, f, "must list at most %d entries", MAX_LIST);
			return -1;
		}
	} else {
		problem(p, f, "must be a string or an array of strings");
		return -1;
	}
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v) {
		problem(p, f, "could not be stored (out of memory)");
		return -1;
	}
	for (i = 0; i < n; i++) {
		json_t *item = out->from_array ? json_array_get(v, i) : v;
		const char *s;

		if (out->from_array)
			at(fi, sizeof(fi), f, i);
		else
			snprintf(fi, sizeof(fi), "%s", f);
		if (!json_is_string(item) || json_string_length(item) == 0) {
			problem(p, fi, "must be a non-empty string");
			continue;
		}
		s = json_string_value(item);
		if (strlen(s) != json_string_length(item)) {
			problem(p, fi, "must not contain NUL characters");
			continue;
		}
		if (check(p, fi, s) < 0)
			continue;
		for (size_t k = 0; k < out->n; k++) {
			if (strcmp(out->v[k], s) == 0) {
				problem(p, fi, "repeats \"%.64s\"", s);
				s = NULL;
				break;
			}
		}
		if (s)
			out->v[out->n++] = s;
	}
	if (p->bad != before) {
		free(out->v);
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

static int check_activity(struct pctx *p, const char *field, const char *s)
{
	if (rl_code_find(rl_activities, s))
		return 0;
	problem(p, field, "unknown activity \"%.40s\"; expected %s", s, rl_code_list(rl_activities));
	return -1;
}

static int check_platform(struct pctx *p, const char *field, const char *s)
{
	const struct rl_code *near;

	if (rl_code_find(rl_platforms, s))
		return 0;
	near = rl_platform_lookup(s);
	if (near)
		problem(p, field, "unknown platform \"%.40s\"; the code is \"%s\"", s, near->code);
	else
		problem(p, field, "unknown platform \"%.40s\"; expected %s", s, rl_code_list(rl_platforms));
	return -1;
}

static int check_role(struct pctx *p, const char *field, const char *s)
{
	if (rl_code_find(rl_case_roles, s))
		return 0;
	problem(p, field, "unknown role \"%.40s\"; expected %s", s, rl_code_list(rl_case_roles));
	return -1;
}

static int check_step(struct pctx *p, const char *field, const char *s)
{
	if (strlen(s) <= 64 && rl_step_code_valid(s))
		return 0;
	problem(p, field, "\"%.64s\" is not a step code: use 1-64 characters of a-z, 0-9, '_', '.' and '-'", s);
	return -1;
}

static int check_module_id(struct pctx *p, const char *field, const char *s)
{
	if (id_valid(s))
		return 0;
	problem(p, field, "\"%.64s\" is not a module id", s);
	return -1;
}

static json_t *load(const char *json, size_t len, struct rl_error *err)
{
	json_error_t jerr;
	json_t *root;

	if (!json) {
		rl_error_set(err, RL_E_MALFORMED, "malformed-json", NULL, "no JSON text was given");
		return NULL;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		rl_error_set(err, RL_E_MALFORMED, "malformed-json", NULL,
			     "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
	return root;
}

/* ------------------------------------------------------------ tools */

static const char *const tool_fields[] = { "id", "title", "source", "min", "max", "domains", NULL };
static const char *const domain_fields[] = { "id", "title", NULL };

static void parse_tool(struct pctx *p, json_t *obj, const char *path, struct rl_tool *t)
{
	long long min = 0, max = 0;
	json_t *domains;
	char f[128], fd[140];
	int have_min, have_max;

	check_members(p, obj, path, tool_fields, "a tool");
	t->id = get_id(p, obj, path, "id");
	t->title = get_str(p, obj, path, "title", 1, MAX_TITLE);
	get_str(p, obj, path, "source", 0, MAX_SOURCE);
	have_min = get_int(p, obj, path, "min", 1, 0, MAX_SCORE, &min);
	have_max = get_int(p, obj, path, "max", 1, 0, MAX_SCORE, &max);
	if (have_min == 1 && have_max == 1 && max <= min) {
		join(f, sizeof(f), path, "max");
		problem(p, f, "must be above min (%lld)", min);
	}
	t->min = (int)min;
	t->max = (int)max;

	join(f, sizeof(f), path, "domains");
	domains = json_object_get(obj, "domains");
	if (!json_is_array(domains) || json_array_size(domains) == 0) {
		problem(p, f, "must be a non-empty array of {\"id\",\"title\"}");
		return;
	}
	if (json_array_size(domains) > MAX_DOMAINS) {
		problem(p, f, "must list at most %d domains", MAX_DOMAINS);
		return;
	}
	t->ndomains = json_array_size(domains);
	t->domain_ids = calloc(t->ndomains, sizeof(*t->domain_ids));
	t->domain_titles = calloc(t->ndomains, sizeof(*t->domain_titles));
	if (!t->domain_ids || !t->domain_titles) {
		problem(p, f, "could not be stored (out of memory)");
		return;
	}
	for (size_t i = 0; i < t->ndomains; i++) {
		json_t *d = json_array_get(domains, i);

		at(fd, sizeof(fd), f, i);
		if (!json_is_object(d)) {
			problem(p, fd, "must be an object {\"id\",\"title\"}");
			continue;
		}
		check_members(p, d, fd, domain_fields, "a domain");
		t->domain_ids[i] = get_id(p, d, fd, "id");
		t->domain_titles[i] = get_str(p, d, fd, "title", 1, MAX_TITLE);
		for (size_t k = 0; k < i && t->domain_ids[i]; k++) {
			if (t->domain_ids[k] && strcmp(t->domain_ids[k], t->domain_ids[i]) == 0) {
				char fid[150];

				join(fid, sizeof(fid), fd, "id");
				problem(p, fid, "repeats the domain id \"%s\" of domains[%zu]", t->domain_ids[i], k);
				break;
			}
		}
	}
}

int rl_tools_parse(const char *json, size_t len, struct rl_tools **out, struct rl_error *err)
{
	struct pctx p = { err, 0 };
	struct rl_tools *tools;
	char path[32];

	*out = NULL;
	tools = calloc(1, sizeof(*tools));
	if (!tools)
		return rl_error_internal(err, "out of memory reading the tool table");
	tools->root = load(json, len, err);
	if (!tools->root)
		goto fail;
	if (!json_is_array(tools->root)) {
		rl_error_set(err, RL_E_MALFORMED, "not-an-array", NULL,
			     "the tool table must be a JSON array of tools");
		goto fail;
	}
	tools->n = json_array_size(tools->root);
	if (tools->n == 0 || tools->n > MAX_TOOLS) {
		rl_error_set(err, RL_E_INVALID, "validation", NULL,
			     "the tool table must list between 1 and %d tools", MAX_TOOLS);
		goto fail;
	}
	tools->tools = calloc(tools->n, sizeof(*tools->tools));
	if (!tools->tools) {
		rl_error_internal(err, "out of memory reading the tool table");
		goto fail;
	}
	for (size_t i = 0; i < tools->n; i++) {
		json_t *obj = json_array_get(tools->root, i);
		struct rl_tool *t = &tools->tools[i];

		at(path, sizeof(path), "", i);
		if (!json_is_object(obj)) {
			problem(&p, path, "must be an object describing a tool");
			continue;
		}
		parse_tool(&p, obj, path, t);
		for (size_t k = 0; k < i && t->id; k++) {
			if (tools->tools[k].id && strcmp(tools->tools[k].id, t->id) == 0) {
				char f[64];

				join(f, sizeof(f), path, "id");
				problem(&p, f, "repeats the tool id \"%s\" of [%zu]", t->id, k);
				break;
			}
		}
	}
	if (p.bad)
		goto fail;
	*out = tools;
	return 0;
fail:
	rl_tools_free(tools);
	return -1;
}

void rl_tools_free(struct rl_tools *tools)
{
	if (!tools)
		return;
	for (size_t i = 0; tools->tools && i < tools->n; i++) {
		free(tools->tools[i].domain_ids);
		free(tools->tools[i].domain_titles);
	}
	free(tools->tools);
	json_decref(tools->root);
	free(tools);
}

size_t rl_tools_count(const struct rl_tools *tools)
{
	return tools ? tools->n : 0;
}

const struct rl_tool *rl_tools_at(const struct rl_tools *tools, size_t i)
{
	return tools && i < tools->n ? &tools->tools[i] : NULL;
}

const struct rl_tool *rl_tool_find(const struct rl_tools *tools, const char *id)
{
	if (!tools || !id)
		return NULL;
	for (size_t i = 0; i < tools->n; i++)
		if (strcmp(tools->tools[i].id, id) == 0)
			return &tools->tools[i];
	return NULL;
}

const char *rl_tool_id(const struct rl_tool *tool) { return tool->id; }
const char *rl_tool_title(const struct rl_tool *tool) { return tool->title; }
size_t rl_tool_domain_count(const struct rl_tool *tool) { return tool->ndomains; }
int rl_tool_min(const struct rl_tool *tool) { return tool->min; }
int rl_tool_max(const struct rl_tool *tool) { return tool->max; }

const char *rl_tool_domain_id(const struct rl_tool *tool, size_t i)
{
	return i < tool->ndomains ? tool->domain_ids[i] : NULL;
}

const char *rl_tool_domain_title(const struct rl_tool *tool, size_t i)
{
	return i < tool->ndomains ? tool->domain_titles[i] : NULL;
}

int rl_tool_check_scores(const struct rl_tool *tool, const int *scores, size_t nscores,
			 struct rl_error *err)
{
	int bad = 0;

	if (nscores != tool->ndomains)
		return rl_error_field(err, "scores", "must have %zu scores for %s (one per domain), not %zu",
				      tool->ndomains, tool->id, nscores);
	for (size_t i = 0; i < nscores; i++) {
		if (scores[i] < tool->min || scores[i] > tool->max) {
			char f[32];

			at(f, sizeof(f), "scores", i);
			rl_error_field(err, f, "%s (%s) must be between %d and %d, not %d",
				       tool->domain_ids[i], tool->domain_titles[i],
				       tool->min, tool->max, scores[i]);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* -------------------------------------------------- curriculum parse */

static const char *const curriculum_fields[] = {
	"code", "version", "title", "source", "modules", NULL,
};
static const char *const module_fields[] = {
	"id", "title", "source", "prerequisites", "requirements", NULL,
};
/* Members every requirement may have, then those of each kind. */
#define COMMON_FIELDS "id", "kind", "title", "source", "target"
static const char *const minutes_fields[] = { COMMON_FIELDS, "activity", "platform", "roles", NULL };
static const char *const cases_fields[] = { COMMON_FIELDS, "activity", "platform", "roles", NULL };
static const char *const steps_fields[] = { COMMON_FIELDS, "step", "activity", "platform", "roles", NULL };
static const char *const assessments_fields[] = { COMMON_FIELDS, "tool", "total_min", "domain_min", NULL };
static const char *const signoff_fields[] = { COMMON_FIELDS, NULL };
static const char *const simulator_fields[] = { COMMON_FIELDS, "exercises", "platform", "min_score", "consecutive", NULL };
static const char *const elearning_fields[] = { COMMON_FIELDS, "issuer", "achievement", NULL };
static const char *const *const kind_fields[] = {
	NULL, minutes_fields, cases_fields, steps_fields, assessments_fields, signoff_fields, simulator_fields,
	elearning_fields,
};

static void parse_assessment(struct pctx *p, json_t *obj, const char *path,
			     const struct rl_tools *tools, struct req *r)
{
	const struct rl_tool *t;
	char f[128];
	long long x;
	int rc;

	r->tool = get_id(p, obj, path, "tool");
	if (!r->tool)
		return;
	t = rl_tool_find(tools, r->tool);
	if (!t) {
		struct rl_buf ids = RL_BUF_INIT;

		for (size_t i = 0; i < rl_tools_count(tools); i++)
			rl_buf_printf(&ids, "%s%s", i ? ", " : "", tools->tools[i].id);
		join(f, sizeof(f), path, "tool");
		problem(p, f, "unknown tool \"%s\"; the tool table has %s", r->tool,
			ids.len ? ids.data : "no tools");
		rl_buf_release(&ids);
		return;
	}
	r->total_min = 0;
	rc = get_int(p, obj, path, "total_min", 0, 0, MAX_TARGET, &x);
	if (rc == 1) {
		long long most = (long long)t->ndomains * t->max;

		if (x > most) {
			join(f, sizeof(f), path, "total_min");
			problem(p, f, "%lld can never be reached: the highest %s total is %lld (%zu domains x %d)",
				x, t->id, most, t->ndomains, t->max);
		}
		r->total_min = x;
	}
	r->domain_min = t->min;
	rc = get_int(p, obj, path, "domain_min", 0, -MAX_TARGET, MAX_TARGET, &x);
	if (rc == 1) {
		if (x < t->min || x > t->max) {
			join(f, sizeof(f), path, "domain_min");
			problem(p, f, "must be within the %s score range %d to %d, not %lld",
				t->id, t->min, t->max, x);
		}
		r->domain_min = x;
	}
}

/* An exercise name as a simulator vendor writes it: 1-120 bytes (get_list has checked it is a string). */
static int check_exercise(struct pctx *p, const char *field, const char *s)
{
	if (strlen(s) <= 120)
		return 0;
	problem(p, field, "must be at most 120 bytes (an exercise name as the simulator writes it)");
	return -1;
}

static int check_sim_platform(struct pctx *p, const char *field, const char *s)
{
	if (check_platform(p, field, s) < 0)
		return -1;
	if (strncmp(s, "sim_", 4) == 0)
		return 0;
	problem(p, field, "\"%.40s\" is not a simulator; a simulator requirement names sim_ platforms", s);
	return -1;
}

/* A simulator proficiency requirement: exercises, min_score, consecutive, platform; the target defaults to all. */
static void parse_simulator(struct pctx *p, json_t *obj, const char *path, struct req *r)
{
	char f[128];
	long long x;

	get_list(p, obj, path, "exercises", 1, 0, check_exercise, &r->exercises);
	get_list(p, obj, path, "platform", 0, 0, check_sim_platform, &r->platforms);
	r->min_score = 0;
	get_int(p, obj, path, "min_score", 1, 1, 100, &r->min_score);
	r->consecutive = 1;
	if (get_int(p, obj, path, "consecutive", 0, 1, 100, &x) == 1)
		r->consecutive = x;
	if (!r->target)
		r->target = (long long)r->exercises.n;
	else if (r->exercises.n && r->target > (long long)r->exercises.n) {
		join(f, sizeof(f), path, "target");
		problem(p, f, "%lld can never be reached: the requirement lists %zu exercise%s", r->target,
			r->exercises.n, r->exercises.n == 1 ? "" : "s");
	}
}

static void parse_requirement(struct pctx *p, json_t *obj, const char *path,
			      const struct rl_tools *tools, struct req *r)
{
	const char *kind;
	char f[128];
	long long target = 1;

	r->id = get_id(p, obj, path, "id");
	r->title = get_str(p, obj, path, "title", 0, MAX_TITLE);
	r->source = get_str(p, obj, path, "source", 0, MAX_SOURCE);
	kind = get_str(p, obj, path, "kind", 1, 64);
	if (!kind)
		return;
	for (int k = 1; k <= NKINDS; k++)
		if (strcmp(kind, rl_req_kind_names[k]) == 0)
			r->kind = k;
	if (!r->kind) {
		join(f, sizeof(f), path, "kind");
		problem(p, f, "unknown kind \"%.40s\"; expected minutes, cases, steps, assessments, module_signoff, "
			"simulator or elearning", kind);
		return;
	}
	{
		char what[64];

		snprintf(what, sizeof(what), "a %s requirement", rl_req_kind_names[r->kind]);
		check_members(p, obj, path, kind_fields[r->kind], what);
	}

	/* A bad target is reported and the rest still checked. */
	if (r->kind == KIND_SIGNOFF) {
		if (get_int(p, obj, path, "target", 0, -MAX_TARGET, MAX_TARGET, &target) == 1 &&
		    target != 1) {
			join(f, sizeof(f), path, "target");
			problem(p, f, "must be 1 (or left out) for a module_signoff requirement, not %lld", target);
		}
	} else if (r->kind == KIND_SIMULATOR) {
		target = 0; /* by default every exercise listed; checked in parse_simulator */
		get_int(p, obj, path, "target", 0, 1, MAX_TARGET, &target);
	} else if (r->kind == KIND_ELEARNING) {
		get_int(p, obj, path, "target", 0, 1, MAX_TARGET, &target); /* 1 unless given */
	} else {
		get_int(p, obj, path, "target", 1, 1, MAX_TARGET, &target);
	}
	r->target = target;

	switch (r->kind) {
	case KIND_MINUTES:
	case KIND_CASES:
	case KIND_STEPS:
		if (r->kind == KIND_STEPS)
			get_list(p, obj, path, "step", 1, 0, check_step, &r->steps);
		get_list(p, obj, path, "activity", r->kind != KIND_STEPS, 0, check_activity, &r->activities);
		get_list(p, obj, path, "platform", 0, 0, check_platform, &r->platforms);
		get_list(p, obj, path, "roles", r->kind == KIND_CASES, 0, check_role, &r->roles);
		break;
	case KIND_ASSESSMENTS:
		parse_assessment(p, obj, path, tools, r);
		break;
	case KIND_SIMULATOR:
		parse_simulator(p, obj, path, r);
		break;
	case KIND_ELEARNING:
		/* The issuer and achievement as a certificate names them (certificates.h: 1-300 bytes). */
		r->issuer = get_str(p, obj, path, "issuer", 1, 300);
		r->achievement = get_str(p, obj, path, "achievement", 1, 300);
		break;
	default:
		break;
	}
}

static void parse_module(struct pctx *p, json_t *obj, const char *path,
			 const struct rl_tools *tools, struct module *m)
{
	json_t *reqs;
	char f[128], fr[160];

	check_members(p, obj, path, module_fields, "a module");
	m->id = get_id(p, obj, path, "id");
	m->title = get_str(p, obj, path, "title", 1, MAX_TITLE);
	m->source = get_str(p, obj, path, "source", 0, MAX_SOURCE);
	get_list(p, obj, path, "prerequisites", 0, 1, check_module_id, &m->prereqs);

	join(f, sizeof(f), path, "requirements");
	reqs = json_object_get(obj, "requirements");
	if (!json_is_array(reqs) || json_array_size(reqs) == 0) {
		problem(p, f, "must be a non-empty array of requirements");
		return;
	}
	if (json_array_size(reqs) > MAX_REQUIREMENTS) {
		problem(p, f, "must list at most %d requirements", MAX_REQUIREMENTS);
		return;
	}
	m->reqs = calloc(json_array_size(reqs), sizeof(*m->reqs));
	if (!m->reqs) {
		problem(p, f, "could not be stored (out of memory)");
		return;
	}
	m->nreqs = json_array_size(reqs);
	for (size_t j = 0; j < m->nreqs; j++) {
		json_t *robj = json_array_get(reqs, j);
		struct req *r = &m->reqs[j];

		at(fr, sizeof(fr), f, j);
		if (!json_is_object(robj)) {
			problem(p, fr, "must be an object describing a requirement");
			continue;
		}
		parse_requirement(p, robj, fr, tools, r);
		for (size_t k = 0; k < j && r->id; k++) {
			if (m->reqs[k].id && strcmp(m->reqs[k].id, r->id) == 0) {
				char fid[170];

				join(fid, sizeof(fid), fr, "id");
				problem(p, fid, "repeats the id \"%s\" of requirements[%zu] in module \"%s\"",
					r->id, k, m->id ? m->id : "?");
				break;
			}
		}
	}
}

static size_t module_index(const struct rl_curriculum *c, const char *id)
{
	for (size_t i = 0; i < c->nmodules; i++)
		if (c->modules[i].id && strcmp(c->modules[i].id, id) == 0)
			return i;
	return (size_t)-1;
}

/* Resolves every prerequisite id to a module index; reports unknown ids. */
static void resolve_prereqs(struct pctx *p, struct rl_curriculum *c)
{
	char f[128];

	for (size_t i = 0; i < c->nmodules; i++) {
		struct module *m = &c->modules[i];

		m->prereq_index = calloc(m->prereqs.n ? m->prereqs.n : 1, sizeof(size_t));
		if (!m->prereq_index) {
			snprintf(f, sizeof(f), "modules[%zu].prerequisites", i);
			problem(p, f, "could not be stored (out of memory)");
			continue;
		}
		for (size_t k = 0; k < m->prereqs.n; k++) {
			size_t idx = module_index(c, m->prereqs.v[k]);

			if (m->prereqs.from_array)
				snprintf(f, sizeof(f), "modules[%zu].prerequisites[%zu]", i, k);
			else
				snprintf(f, sizeof(f), "modules[%zu].prerequisites", i);
			if (idx == (size_t)-1)
				problem(p, f, "unknown module \"%s\"", m->prereqs.v[k]);
			m->prereq_index[k] = idx;
		}
	}
}

/*
 * Depth-first search over prerequisites, appending each module to
 * c->order after all its prerequisites.  state: 0 unseen, 1 on the
 * current path, 2 done.  A prerequisite already on the path closes a
 * cycle, which is reported as "a -> b -> a" (each needs the next).
 */
static int visit(struct pctx *p, struct rl_curriculum *c, size_t i, int *state,
		 size_t *path, size_t depth, size_t *norder)
{
	struct module *m = &c->modules[i];

	state[i] = 1;
	path[depth] = i;
	for (size_t k = 0; k < m->prereqs.n; k++) {
		size_t next = m->prereq_index[k];

		if (state[next] == 1) {
			struct rl_buf cycle = RL_BUF_INIT;
			char f[128];
			size_t from = 0;

			while (path[from] != next)
				from++;
			for (size_t d = from; d <= depth; d++)
				rl_buf_printf(&cycle, "%s -> ", c->modules[path[d]].id);
			rl_buf_puts(&cycle, c->modules[next].id);
			if (m->prereqs.from_array)
				snprintf(f, sizeof(f), "modules[%zu].prerequisites[%zu]", i, k);
			else
				snprintf(f, sizeof(f), "modules[%zu].prerequisites", i);
			problem(p, f, "prerequisites form a cycle: %s", cycle.data);
			rl_buf_release(&cycle);
			return -1;
		}
		if (state[next] == 0 && visit(p, c, next, state, path, depth + 1, norder) < 0)
			return -1;
	}
	state[i] = 2;
	c->order[(*norder)++] = i;
	return 0;
}

static void order_modules(struct pctx *p, struct rl_curriculum *c)
{
	int *state = calloc(c->nmodules, sizeof(*state));
	size_t *path = calloc(c->nmodules, sizeof(*path));
	size_t norder = 0;

	c->order = calloc(c->nmodules, sizeof(*c->order));
	if (!state || !path || !c->order) {
		problem(p, "modules", "could not be stored (out of memory)");
	} else {
		for (size_t i = 0; i < c->nmodules; i++)
			if (state[i] == 0 && visit(p, c, i, state, path, 0, &norder) < 0)
				break;
	}
	free(state);
	free(path);
}

/* ------------------------------------------------------ descriptions */

/* Appends "a, b or c" from a list, using each code's label if table is given. */
static void put_list(struct rl_buf *b, const struct strlist *l, const struct rl_code *table,
		     int lower_first)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct rl_code *code = table ? rl_code_find(table, l->v[i]) : NULL;
		const char *text = code ? code->label : l->v[i];

		if (i > 0)
			rl_buf_puts(b, i + 1 == l->n ? " or " : ", ");
		if (lower_first && text[0] >= 'A' && text[0] <= 'Z') {
			rl_buf_putc(b, (char)(text[0] - 'A' + 'a'));
			rl_buf_puts(b, text + 1);
		} else {
			rl_buf_puts(b, text);
		}
	}
}

static void put_platforms(struct rl_buf *b, const struct strlist *platforms)
{
	rl_buf_puts(b, " on ");
	if (platforms->n)
		put_list(b, platforms, rl_platforms, 0);
	else
		rl_buf_puts(b, "any platform");
}

static void put_roles(struct rl_buf *b, const struct strlist *roles)
{
	if (!roles->n)
		return;
	rl_buf_puts(b, roles->n == 1 ? " with signed role " : " with a signed role of ");
	put_list(b, roles, NULL, 0);
}

/*
 * The sentence a person reads, built from the requirement itself so that
 * it can never disagree with the numbers.
 */
static char *describe(const struct req *r, const struct module *m, const struct rl_tools *tools)
{
	struct rl_buf b = RL_BUF_INIT;
	const struct rl_tool *t;

	switch (r->kind) {
	case KIND_MINUTES:
		rl_buf_printf(&b, "%lld signed minute%s of ", r->target, r->target == 1 ? "" : "s");
		put_list(&b, &r->activities, rl_activities, 1);
		put_platforms(&b, &r->platforms);
		put_roles(&b, &r->roles);
		break;
	case KIND_CASES:
		rl_buf_printf(&b, "%lld signed ", r->target);
		put_list(&b, &r->activities, rl_activities, 1);
		rl_buf_printf(&b, " session%s", r->target == 1 ? "" : "s");
		put_roles(&b, &r->roles);
		rl_buf_putc(&b, ',');
		put_platforms(&b, &r->platforms);
		break;
	case KIND_STEPS:
		rl_buf_printf(&b, "%lld signed occurrence%s of ", r->target, r->target == 1 ? "" : "s");
		rl_buf_puts(&b, r->steps.n == 1 ? "the step " : "any of the steps ");
		put_list(&b, &r->steps, NULL, 0);
		if (r->activities.n) {
			rl_buf_puts(&b, " in ");
			put_list(&b, &r->activities, rl_activities, 1);
			rl_buf_puts(&b, " sessions");
		}
		if (r->platforms.n)
			put_platforms(&b, &r->platforms);
		put_roles(&b, &r->roles);
		break;
	case KIND_ASSESSMENTS:
		t = rl_tool_find(tools, r->tool);
		rl_buf_printf(&b, "%lld signed assessment%s with %s (%s)", r->target, r->target == 1 ? "" : "s",
			      t->title, t->id);
		if (r->total_min > (long long)t->ndomains * t->min)
			rl_buf_printf(&b, " scoring a total of at least %lld of %lld", r->total_min,
				      (long long)t->ndomains * t->max);
		if (r->domain_min > t->min)
			rl_buf_printf(&b, "%s at least %lld in every domain",
				      r->total_min > (long long)t->ndomains * t->min ? " and" : " scoring",
				      r->domain_min);
		break;
	case KIND_SIGNOFF:
		rl_buf_printf(&b, "A trainer's signed completion of the module \"%s\"", m->title);
		break;
	case KIND_SIMULATOR:
		rl_buf_printf(&b, "%lld of the simulator exercise%s ", r->target, r->exercises.n == 1 ? "" : "s");
		put_list(&b, &r->exercises, NULL, 0);
		if (r->consecutive > 1)
			rl_buf_printf(&b, " scored at least %lld%% on %lld attempts in a row", r->min_score, r->consecutive);
		else
			rl_buf_printf(&b, " with a best score of at least %lld%%", r->min_score);
		if (r->platforms.n)
			put_platforms(&b, &r->platforms);
		rl_buf_puts(&b, ", in countersigned imports");
		break;
	case KIND_ELEARNING:
		rl_buf_printf(&b, "%lld confirmed e-learning certificate%s of \"%s\" issued by %s", r->target,
			      r->target == 1 ? "" : "s", r->achievement, r->issuer);
		break;
	}
	if (b.len && b.data[0] >= 'a' && b.data[0] <= 'z')
		b.data[0] = (char)(b.data[0] - 'a' + 'A');
	return rl_buf_detach(&b, NULL);
}

/* Keys and descriptions, once everything is known to be valid. */
static int finish(struct rl_curriculum *c, const struct rl_tools *tools, struct rl_error *err)
{
	for (size_t i = 0; i < c->nmodules; i++) {
		struct module *m = &c->modules[i];

		for (size_t j = 0; j < m->nreqs; j++) {
			struct req *r = &m->reqs[j];
			struct rl_buf key = RL_BUF_INIT;

			if (rl_buf_printf(&key, "%s/%s", m->id, r->id) < 0)
				return rl_error_internal(err, "out of memory building requirement keys");
			r->key = rl_buf_detach(&key, NULL);
			r->description = describe(r, m, tools);
			if (!r->key || !r->description)
				return rl_error_internal(err, "out of memory building requirement keys");
		}
	}
	return 0;
}

int rl_curriculum_parse(const char *json, size_t len, const struct rl_tools *tools,
			struct rl_curriculum **out, struct rl_error *err)
{
	struct pctx p = { err, 0 };
	struct rl_curriculum *c;
	json_t *modules;
	long long version = 0;
	char path[32];

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return rl_error_internal(err, "out of memory reading a curriculum");
	c->root = load(json, len, err);
	if (!c->root)
		goto fail;
	if (!json_is_object(c->root)) {
		rl_error_set(err, RL_E_MALFORMED, "not-an-object", NULL,
			     "a curriculum must be a JSON object");
		goto fail;
	}
	check_members(&p, c->root, "", curriculum_fields, "a curriculum");
	c->code = get_id(&p, c->root, "", "code");
	if (get_int(&p, c->root, "", "version", 1, 1, MAX_VERSION, &version) == 1)
		c->version = (int)version;
	c->title = get_str(&p, c->root, "", "title", 1, MAX_TITLE);
	c->source = get_str(&p, c->root, "", "source", 0, MAX_SOURCE);

	modules = json_object_get(c->root, "modules");
	if (!json_is_array(modules) || json_array_size(modules) == 0) {
		problem(&p, "modules", "must be a non-empty array of modules");
		goto fail;
	}
	if (json_array_size(modules) > MAX_MODULES) {
		problem(&p, "modules", "must list at most %d modules", MAX_MODULES);
		goto fail;
	}
	c->modules = calloc(json_array_size(modules), sizeof(*c->modules));
	if (!c->modules) {
		rl_error_internal(err, "out of memory reading a curriculum");
		goto fail;
	}
	c->nmodules = json_array_size(modules);
	for (size_t i = 0; i < c->nmodules; i++) {
		json_t *obj = json_array_get(modules, i);
		struct module *m = &c->modules[i];

		at(path, sizeof(path), "modules", i);
		if (!json_is_object(obj)) {
			problem(&p, path, "must be an object describing a module");
			continue;
		}
		parse_module(&p, obj, path, tools, m);
		for (size_t k = 0; k < i && m->id; k++) {
			if (c->modules[k].id && strcmp(c->modules[k].id, m->id) == 0) {
				char f[64];

				join(f, sizeof(f), path, "id");
				problem(&p, f, "repeats the module id \"%s\" of modules[%zu]", m->id, k);
				break;
			}
		}
	}
	if (p.bad)
		goto fail;
	resolve_prereqs(&p, c);
	if (p.bad)
		goto fail;
	order_modules(&p, c);
	if (p.bad)
		goto fail;
	if (finish(c, tools, err) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	rl_curriculum_free(c);
	return -1;
}

static void strlist_free(struct strlist *l)
{
	free(l->v);
}

void rl_curriculum_free(struct rl_curriculum *c)
{
	if (!c)
		return;
	rl_progress_frags_free(c->frags);
	for (size_t i = 0; c->modules && i < c->nmodules; i++) {
		struct module *m = &c->modules[i];

		for (size_t j = 0; m->reqs && j < m->nreqs; j++) {
			struct req *r = &m->reqs[j];

			strlist_free(&r->activities);
			strlist_free(&r->platforms);
			strlist_free(&r->roles);
			strlist_free(&r->steps);
			strlist_free(&r->exercises);
			free(r->key);
			free(r->description);
		}
		free(m->reqs);
		strlist_free(&m->prereqs);
		free(m->prereq_index);
	}
	free(c->modules);
	free(c->order);
	json_decref(c->root);
	free(c);
}

const char *rl_curriculum_code(const struct rl_curriculum *c) { return c->code; }
int rl_curriculum_version(const struct rl_curriculum *c) { return c->version; }
const char *rl_curriculum_title(const struct rl_curriculum *c) { return c->title; }

int rl_curriculum_has_module(const struct rl_curriculum *c, const char *id)
{
	return c && id && module_index(c, id) != (size_t)-1;
}

