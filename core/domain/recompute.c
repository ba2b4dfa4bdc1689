/*
 * recompute.c - figures from a ledger export alone; see recompute.h.
 */
#include "base/prelude.h"

#include "domain/recompute.h"

#include "domain/catalog.h"
#include "domain/curriculum.h"
#include "domain/figures.h"
#include "base/pool.h"
#include "ledger/kinds.h"
#include "ledger/ledger.h"
#include "ledger/stmt.h"
#include "ledger/verify.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *mstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/*
 * The statement read (ledger/stmt.h).  An export's statements were
 * verified; one that was not is read as far as it goes, and a member that
 * is absent or of the wrong type is treated as absent.
 */
static void read_statement(const json_t *st, struct rl_statement *s)
{
	struct rl_error e = RL_ERROR_INIT;

	rl_statement_read(st, NULL, s, &e);
	rl_error_clear(&e);
}

/* The trainee a statement is about (0: nobody), as rl_figures reads it. */
static json_int_t subject_of(const struct rl_statement *s)
{
	/* Only kinds that move a trainee's figures (the enrolment included) are grouped by trainee. */
	return s->kind < RL_K_COUNT && rl_kinds[s->kind].figures && s->kind != RL_K_CURRICULUM ? s->subject : 0;
}

/*
 * Whether the trainee's live accreditation (the report's) rests on the
 * evidence it names ("v":2, docs/ledger.md): its figures from those
 * statements alone, against the curriculum content it names, meet every
 * requirement.  {"ledger_index","sufficient":true|false,"unmet":[...]},
 * or NULL for no live accreditation or one of version 1 (names none).
 */
static json_t *evidence_check(const json_t *entries, const json_t *report, const json_t *curricula,
			      const struct rl_tools *tools, json_int_t trainee, const char *today)
{
	json_int_t at = json_integer_value(json_object_get(json_object_get(report, "accreditation"), "ledger_index"));
	const json_t *acc = NULL, *entry, *def;
	struct rl_statement a;
	json_t *only = json_array(), *named = json_object(), *out = NULL, *fig = NULL, *v;
	struct rl_curriculum *c = NULL;
	struct rl_error e = RL_ERROR_INIT;
	char key[32], *text = NULL;
	size_t i;

	json_array_foreach(entries, i, entry)
		if (json_integer_value(json_object_get(entry, "index")) == at && json_object_get(report, "accreditation"))
			acc = json_object_get(entry, "statement");
	if (acc)
		read_statement(acc, &a);
	if (!acc || a.v != 2 || a.kind != RL_K_ACC)
		goto done;
	json_array_foreach(a.u.acc.evidence, i, v) {
		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		json_object_set_new(named, key, json_true());
	}
	/* The named statements, and what gives them their context (the enrolment). */
	json_array_foreach(entries, i, entry) {
		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(entry, "index")));
		if (json_object_get(named, key) || rl_statement_kind(json_object_get(entry, "statement")) == RL_K_ENROLMENT)
			json_array_append(only, (json_t *)entry);
	}
	def = json_object_get(curricula, a.u.acc.curriculum.sha256 ? a.u.acc.curriculum.sha256 : "");
	out = json_pack("{s:I,s:b}", "ledger_index", at, "sufficient", 0);
	text = def ? json_dumps(def, JSON_COMPACT) : NULL;
	if (!text || rl_curriculum_parse(text, strlen(text), tools, &c, &e) < 0 ||
	    !(fig = rl_figures(c, tools, trainee, only, NULL, today, &e))) {
		json_object_set_new(out, "unmet", json_pack("[s]", "the curriculum content the accreditation names"));
		goto done;
	}
	json_object_set_new(out, "sufficient", json_boolean(strcmp(mstr(fig, "evaluated_status") ?
								    mstr(fig, "evaluated_status") : "", "eligible") == 0));
	json_object_set(out, "unmet", json_object_get(fig, "unmet") ? json_object_get(fig, "unmet") : json_array());
done:
	rl_error_clear(&e);
	free(text);
	rl_curriculum_free(c);
	json_decref(fig);
	json_decref(only);
	json_decref(named);
	return out;
}

/*
 * The state between the two passes: per trainee, where their lines are in
 * the export (not the lines), and what the grouping pass keeps whole
 * because it is small: the curriculum definitions, the enrolments and the
 * import statements.  Memory grows with the trainees and 16 bytes per
 * entry about one, not with the entries' text.
 */
struct line_ref {
	uint64_t offset;
	uint32_t len;
};

struct trainee_lines {
	json_int_t id;
	struct line_ref *lines;
	size_t n, cap;
};

struct rl_recompute {
	json_t *curricula;  /* sha256 -> definition */
	json_t *enrolled;   /* id -> curriculum {code, version, sha256} (latest) */
	json_t *imports;    /* simulator_import and elearning_confirmation statements */
	json_t *slot;       /* id -> index into trainees */
	struct trainee_lines *trainees;
	size_t ntrainees, cap;
	json_int_t statements;
	int oom;
};

struct rl_recompute *rl_recompute_new(void)
{
	struct rl_recompute *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->curricula = json_object();
	r->enrolled = json_object();
	r->imports = json_array();
	r->slot = json_object();
	return r;
}

void rl_recompute_free(struct rl_recompute *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ntrainees; i++)
		free(r->trainees[i].lines);
	free(r->trainees);
	json_decref(r->curricula);
	json_decref(r->enrolled);
	json_decref(r->imports);
	json_decref(r->slot);
	free(r);
}

void rl_recompute_add(struct rl_recompute *r, int64_t index, const json_t *st, const struct rl_statement *read,
		      uint64_t offset, size_t len)
{
	struct rl_statement s;
	json_int_t who;
	char key[32];

	if (!st)
		return;
	r->statements++;
	if (read)
		s = *read;
	else
		read_statement(st, &s);
	if (s.kind == RL_K_CURRICULUM && s.u.curriculum.sha256) {
		if (s.u.curriculum.definition)
			json_object_set(r->curricula, s.u.curriculum.sha256, (json_t *)s.u.curriculum.definition);
	} else if ((who = subject_of(&s)) > 0) {
		struct trainee_lines *t;
		json_t *at;

		if (s.kind == RL_K_SIM_IMPORT || s.kind == RL_K_ELEARNING)
			json_array_append_new(r->imports, json_pack("{s:I,s:I,s:s?,s:O?}", "index", (json_int_t)index,
				"trainee", (json_int_t)who, "decision", s.decision == RL_DECISION_CONFIRMED ? "confirmed"
				: s.decision == RL_DECISION_REJECTED ? "rejected" : NULL, "import", s.u.import.import.object));
		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, who);
		if (s.kind == RL_K_ENROLMENT && s.u.enrolment.curriculum.object)
			json_object_set(r->enrolled, key, (json_t *)s.u.enrolment.curriculum.object);
		if (!(at = json_object_get(r->slot, key))) {
			if (r->ntrainees == r->cap) {
				size_t cap = r->cap ? 2 * r->cap : 256;
				struct trainee_lines *more = realloc(r->trainees, cap * sizeof(*more));
				if (!more) {
					r->oom = 1;
					return;
				}
				r->trainees = more;
				r->cap = cap;
			}
			r->trainees[r->ntrainees] = (struct trainee_lines){ who, NULL, 0, 0 };
			json_object_set_new(r->slot, key, at = json_integer((json_int_t)r->ntrainees++));
		}
		t = &r->trainees[json_integer_value(at)];
		if (t->n == t->cap) {
			size_t cap = t->cap ? 2 * t->cap : 16;
			struct line_ref *more = realloc(t->lines, cap * sizeof(*more));
			if (!more) {
				r->oom = 1;
				return;
			}
			t->lines = more;
			t->cap = cap;
		}
		t->lines[t->n++] = (struct line_ref){ offset, (uint32_t)len };
	}
}

/*
 * Pass 2 a batch of trainees at a time: this thread reads the batch's
 * lines (the one FILE) and parses each curriculum version once; the
 * parsing of the lines, rl_figures and the evidence check, independent per
 * trainee, run on worker threads (base/pool.h) while this thread hands the
 * batch before to the caller and reads the batch after.
 */
#define RUN_BATCH 64

struct run_item {
	const struct trainee_lines *tl;
	json_t *row;                  /* {"trainee","curriculum"}, and "error" when c is NULL */
	const struct rl_curriculum *c;
	char *text;                   /* the trainee's lines, one after another */
	size_t cap;
};

struct run_batch {
	struct run_item *items;
	const struct rl_tools *tools;
	const json_t *curricula;
	const char *today;
};

/* Reads the trainee's lines into it->text; 0 or -1 with err. */
static int read_lines(FILE *in, struct run_item *it, struct rl_error *err)
{
	size_t need = 0, at = 0;

	for (size_t i = 0; i < it->tl->n; i++)
		need += it->tl->lines[i].len;
	if (need + 1 > it->cap) {
		char *more = realloc(it->text, need + 1);
		if (!more)
			return rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory");
		it->text = more;
		it->cap = need + 1;
	}
	for (size_t i = 0; i < it->tl->n; i++) {
		size_t len = it->tl->lines[i].len;
		if (fseeko(in, (off_t)it->tl->lines[i].offset, SEEK_SET) != 0 || fread(it->text + at, 1, len, in) != len)
			return rl_error_set(err, RL_E_UNAVAILABLE, "read-failed", NULL, "cannot read the export again");
		at += len;
	}
	return 0;
}

/* The worker's part for one trainee: their entries parsed, the figures and the evidence check, into the row. */
static void run_one(void *ctx, size_t i)
{
	struct run_batch *b = ctx;
	struct run_item *it = &b->items[i];
	size_t plen = strlen(RL_STATEMENT_PREFIX), at = 0;
	struct rl_error e = RL_ERROR_INIT;
	struct rl_buf scratch = RL_BUF_INIT;
	json_t *entries, *report;

	if (!it->c)
		return;
	entries = json_array();
	for (size_t k = 0; k < it->tl->n; at += it->tl->lines[k++].len) {
		int64_t index;
		json_t *line, *st;
		const char *msg;

		/* The line as the verifier read it, once; jansson for a line of another shape. */
		if ((st = rl_verify_line_statement(it->text + at, it->tl->lines[k].len, &scratch, &index))) {
			json_array_append_new(entries, json_pack("{s:I,s:o}", "index", (json_int_t)index, "statement", st));
			continue;
		}
		line = json_loadb(it->text + at, it->tl->lines[k].len, 0, NULL);
		msg = mstr(line, "message");
		st = msg && strlen(msg) > plen && memcmp(msg, RL_STATEMENT_PREFIX, plen) == 0 ? json_loads(msg + plen, 0, NULL)
											       : NULL;
		if (st)
			json_array_append_new(entries, json_pack("{s:O,s:o}", "index", json_object_get(line, "index"),
								 "statement", st));
		json_decref(line);
	}
	rl_buf_release(&scratch);
	if (!(report = rl_figures(it->c, b->tools, it->tl->id, entries, NULL, b->today, &e))) {
		json_object_set_new(it->row, "error", json_string(e.detail));
	} else {
		json_t *chk = evidence_check(entries, report, b->curricula, b->tools, it->tl->id, b->today);
		json_object_set_new(it->row, "report", report);
		if (chk)
			json_object_set_new(it->row, "accreditation_evidence", chk);
	}
	rl_error_clear(&e);
	json_decref(entries);
}

/* Each curriculum version is parsed once, not once per trainee enrolled on it. */
struct parsed_list {
	struct {
		char sha[65];
		char why[400];
		struct rl_curriculum *c; /* NULL: it does not parse (why) */
	} *v;
	size_t n, cap;
};

/*
 * One trainee's item for pass 2: their row, their curriculum and their
 * lines.  0 when it is filled, 1 when the trainee is left out (statements
 * about someone the export does not enrol; err untouched), -1 with err.
 */
static int prepare(struct rl_recompute *r, FILE *in, const struct rl_tools *tools, const struct trainee_lines *tl,
		   struct run_item *it, struct parsed_list *pl, struct rl_error *err)
{
	const json_t *v, *def;
	const char *sha;
	struct rl_error e = RL_ERROR_INIT;
	char key[32], *text;
	size_t ci;

	snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, tl->id);
	if (!(v = json_object_get(r->enrolled, key)))
		return 1;
	sha = mstr(v, "sha256");
	def = sha ? json_object_get(r->curricula, sha) : NULL;
	it->tl = tl;
	it->c = NULL;
	json_decref(it->row);
	it->row = json_pack("{s:I,s:O}", "trainee", tl->id, "curriculum", v);
	for (ci = 0; ci < pl->n && def; ci++)
		if (strcmp(pl->v[ci].sha, sha) == 0)
			break;
	if (def && ci == pl->n) {
		if (pl->n == pl->cap) {
			size_t cap = pl->cap ? 2 * pl->cap : 8;
			void *more = realloc(pl->v, cap * sizeof(*pl->v));
			if (!more)
				return rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory");
			pl->v = more;
			pl->cap = cap;
		}
		memset(&pl->v[ci], 0, sizeof(pl->v[ci]));
		snprintf(pl->v[ci].sha, sizeof(pl->v[ci].sha), "%s", sha);
		if (!(text = json_dumps(def, JSON_COMPACT)) ||
		    rl_curriculum_parse(text, strlen(text), tools, &pl->v[ci].c, &e) < 0) {
			pl->v[ci].c = NULL;
			snprintf(pl->v[ci].why, sizeof(pl->v[ci].why), "%s", e.detail);
		}
		free(text);
		rl_error_clear(&e);
		pl->n++;
	}
	if (!def)
		json_object_set_new(it->row, "error", json_string("the enrolment names curriculum content that no "
								  "curriculum statement of the export carries"));
	else if (!(it->c = pl->v[ci].c))
		json_object_set_new(it->row, "error", json_string(pl->v[ci].why[0] ? pl->v[ci].why
									       : "the curriculum does not parse"));
	else if (read_lines(in, it, err) < 0)
		return -1;
	return 0;
}

static int by_trainee_id(const void *a, const void *b)
{
	json_int_t x = ((const struct trainee_lines *)a)->id, y = ((const struct trainee_lines *)b)->id;

	return x < y ? -1 : x > y;
}

int rl_recompute_run(struct rl_recompute *r, FILE *in, const char *today, rl_recompute_row_fn each, void *ctx,
		     struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	struct run_item *a = calloc(RUN_BATCH, sizeof(*a)), *b = calloc(RUN_BATCH, sizeof(*b)), *tmp;
	struct run_batch xa = { a, tools, r->curricula, today }, xb = { b, tools, r->curricula, today }, *ba = &xa,
			 *bb = &xb, *tb;
	struct rl_pool *pool = rl_pool_new(-1);
	size_t next = 0, na = 0, nb;
	int rc = -1, stop = 0;
	struct parsed_list pl = { NULL, 0, 0 };

	if (!tools)
		goto done;
	if (r->oom || !a || !b || !pool) {
		rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory");
		goto done;
	}
	/* Every trainee the export enrols, in id order. */
	if (r->ntrainees)
		qsort(r->trainees, r->ntrainees, sizeof(*r->trainees), by_trainee_id);

	/* Fills up to RUN_BATCH items from the trainees after next; their count into n. */
#define FILL(items, n)                                                                                             \
	do {                                                                                                       \
		(n) = 0;                                                                                           \
		while ((n) < RUN_BATCH && next < r->ntrainees)                                                     \
			if (prepare(r, in, tools, &r->trainees[next++], &(items)[(n)], &pl, err) == 0)            \
				(n)++;                                                                             \
			else if (err->status)                                                                      \
				goto done;                                                                         \
	} while (0)

	FILL(a, na);
	rl_pool_post(pool, run_one, ba, na);
	while (na) {
		FILL(b, nb);
		rl_pool_wait(pool);
		if (nb)
			rl_pool_post(pool, run_one, bb, nb);
		for (size_t i = 0; i < na; i++) {
			if (!stop)
				stop = each(ctx, a[i].row);
			json_decref(a[i].row);
			a[i].row = NULL;
		}
		if (stop)
			goto done;
		tmp = a, a = b, b = tmp;
		tb = ba, ba = bb, bb = tb;
		na = nb;
	}
#undef FILL
	rc = 0;
done:
	rl_pool_free(pool); /* waits for the batch being computed first */
	for (size_t i = 0; i < RUN_BATCH; i++) {
		if (a) {
			json_decref(a[i].row);
			free(a[i].text);
		}
		if (b) {
			json_decref(b[i].row);
			free(b[i].text);
		}
	}
	free(a);
	free(b);
	for (size_t pi = 0; pi < pl.n; pi++)
		rl_curriculum_free(pl.v[pi].c);
	free(pl.v);
	return rc;
}

json_int_t rl_recompute_statements(const struct rl_recompute *r)
{
	return r->statements;
}

const json_t *rl_recompute_imports(const struct rl_recompute *r)
{
	return r->imports;
}

static int collect(void *ctx, json_t *row)
{
	json_array_append(ctx, row);
	return 0;
}

json_t *rl_recompute_export(FILE *in, const char *today, struct rl_error *err)
{
	struct rl_recompute *r = rl_recompute_new();
	json_t *out = NULL, *list = json_array();
	size_t plen = strlen(RL_STATEMENT_PREFIX), cap = 0;
	uint64_t offset = 0;
	char *line = NULL;
	ssize_t len;

	if (!r)
		goto done;
	while ((len = getline(&line, &cap, in)) > 0) {
		json_t *entry = json_loadb(line, (size_t)len, 0, NULL), *st = NULL;
		const char *msg = mstr(entry, "message");

		if (msg && strlen(msg) > plen && memcmp(msg, RL_STATEMENT_PREFIX, plen) == 0)
			st = json_loads(msg + plen, 0, NULL);
		if (st) /* not: a redacted line, or a blank one */
			rl_recompute_add(r, json_integer_value(json_object_get(entry, "index")), st, NULL, offset, (size_t)len);
		json_decref(st);
		json_decref(entry);
		offset += (uint64_t)len;
	}
	if (ferror(in)) {
		rl_error_set(err, RL_E_UNAVAILABLE, "read-failed", NULL, "cannot read the export");
		goto done;
	}
	if (rl_recompute_run(r, in, today, collect, list, err) < 0)
		goto done;
	out = json_pack("{s:O,s:I,s:O}", "trainees", list, "statements", r->statements, "imports", r->imports);
done:
	free(line);
	json_decref(list);
	rl_recompute_free(r);
	return out;
}
