/*
 * recompute.c - figures from a ledger export alone; see recompute.h.
 */
#include "base/prelude.h"

#include "domain/recompute.h"

#include "domain/catalog.h"
#include "domain/curriculum.h"
#include "domain/figures.h"
#include "base/buf.h"
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

/* Each curriculum version of the export, parsed once before pass 2 (read-only while the workers run). */
struct parsed_list {
	struct {
		const char *sha;         /* the key of r->curricula (borrowed) */
		char why[400];
		struct rl_curriculum *c; /* NULL: it does not parse (why) */
	} *v;
	size_t n;
};

/* The parsed curriculum whose content hash is sha, or NULL (none, or it does not parse; *why set then when known). */
static const struct rl_curriculum *parsed(const struct parsed_list *pl, const char *sha, const char **why)
{
	for (size_t i = 0; sha && i < pl->n; i++)
		if (strcmp(pl->v[i].sha, sha) == 0) {
			if (why)
				*why = pl->v[i].why[0] ? pl->v[i].why : "the curriculum does not parse";
			return pl->v[i].c;
		}
	if (why)
		*why = NULL;
	return NULL;
}

/*
 * Whether the trainee's live accreditation (at ledger index at, -1: none)
 * rests on the evidence it names ("v":2, docs/ledger.md): its figures
 * from those statements alone, against the curriculum content it names,
 * meet every requirement.  {"ledger_index","sufficient":true|false,
 * "unmet":[...]}, or NULL for no live accreditation or one of version 1
 * (names none).
 */
static json_t *evidence_check(const json_t *entries, int64_t at, const struct parsed_list *pl,
			      const struct rl_tools *tools, json_int_t trainee, const char *today)
{
	const json_t *acc = NULL, *entry;
	const struct rl_curriculum *c;
	struct rl_statement a;
	struct rl_progress p;
	json_t *only = json_array(), *named = json_object(), *out = NULL, *doc = NULL, *v;
	struct rl_error e = RL_ERROR_INIT;
	char key[32];
	size_t i;

	memset(&p, 0, sizeof(p));
	if (at >= 0)
		json_array_foreach(entries, i, entry)
			if (json_integer_value(json_object_get(entry, "index")) == at)
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
	c = parsed(pl, a.u.acc.curriculum.sha256, NULL);
	out = json_pack("{s:I,s:b}", "ledger_index", (json_int_t)at, "sufficient", 0);
	if (!c || rl_figures_progress(c, tools, trainee, only, NULL, today, &p, &e) < 0 ||
	    !(doc = rl_progress_to_json(&p, &e))) {
		json_object_set_new(out, "unmet", json_pack("[s]", "the curriculum content the accreditation names"));
		goto done;
	}
	json_object_set_new(out, "sufficient", json_boolean(p.evaluated_status &&
							    strcmp(p.evaluated_status, "eligible") == 0));
	json_object_set(out, "unmet", json_object_get(doc, "unmet") ? json_object_get(doc, "unmet") : json_array());
done:
	rl_error_clear(&e);
	rl_progress_release(&p);
	json_decref(doc);
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
	int text;           /* rl_recompute_text */
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
	struct rl_buf report;         /* the report's JSON, when the run writes text */
	int unread;                   /* text is read by the worker (pread), not yet */
	int failed;                   /* the worker could not read them (err set then) */
	struct rl_error err;
};

struct run_batch {
	struct run_item *items;
	const struct rl_tools *tools;
	const struct parsed_list *pl;
	const char *today;
	int fd;                       /* the export's descriptor for pread, or -1 (a memory stream) */
	int text;                     /* the report as text (rl_recompute_text), not a tree */
};

/*
 * Reads the trainee's lines into it->text: with pread on fd (any thread;
 * the FILE's position and buffer are untouched) or, when fd is -1, with
 * fseeko and fread on in (the calling thread alone).  0 or -1 with err.
 */
static int read_lines(FILE *in, int fd, struct run_item *it, struct rl_error *err)
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
		size_t len = it->tl->lines[i].len, got = 0;
		off_t off = (off_t)it->tl->lines[i].offset;

		if (fd < 0) {
			if (fseeko(in, off, SEEK_SET) != 0 || fread(it->text + at, 1, len, in) != len)
				return rl_error_set(err, RL_E_UNAVAILABLE, "read-failed", NULL, "cannot read the export again");
		}
		while (fd >= 0 && got < len) {
			ssize_t n = pread(fd, it->text + at + got, len - got, off + (off_t)got);
			if (n <= 0)
				return rl_error_set(err, RL_E_UNAVAILABLE, "read-failed", NULL, "cannot read the export again");
			got += (size_t)n;
		}
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
	struct rl_progress p;
	json_t *entries, *report = NULL;

	if (!it->c)
		return;
	if (it->unread && read_lines(NULL, b->fd, it, &it->err) < 0) {
		it->failed = 1;
		return;
	}
	memset(&p, 0, sizeof(p));
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
	/* The progress report alone (the figures view the audit prints and compares), not the evidence report. */
	rl_buf_reset(&it->report);
	if (rl_figures_progress(it->c, b->tools, it->tl->id, entries, NULL, b->today, &p, &e) < 0 ||
	    (b->text ? rl_progress_write_json(&p, &it->report, &e) < 0 : !(report = rl_progress_to_json(&p, &e)))) {
		rl_buf_reset(&it->report);
		json_object_set_new(it->row, "error", json_string(e.detail));
	} else {
		json_t *chk = evidence_check(entries, p.acc_index, b->pl, b->tools, it->tl->id, b->today);
		if (report)
			json_object_set_new(it->row, "report", report);
		if (chk)
			json_object_set_new(it->row, "accreditation_evidence", chk);
	}
	rl_progress_release(&p);
	rl_error_clear(&e);
	json_decref(entries);
}

/* Parses every curriculum version of the export into pl, once; 0 or -1 with err (out of memory). */
static int parse_all(const struct rl_recompute *r, const struct rl_tools *tools, struct parsed_list *pl,
		     struct rl_error *err)
{
	const char *sha;
	json_t *def;

	if (!(pl->v = calloc(json_object_size(r->curricula) + 1, sizeof(*pl->v))))
		return rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory");
	json_object_foreach(r->curricula, sha, def) {
		struct rl_error e = RL_ERROR_INIT;
		char *text = json_dumps(def, JSON_COMPACT);

		pl->v[pl->n].sha = sha;
		if (!text || rl_curriculum_parse(text, strlen(text), tools, &pl->v[pl->n].c, &e) < 0) {
			pl->v[pl->n].c = NULL;
			snprintf(pl->v[pl->n].why, sizeof(pl->v[pl->n].why), "%s", e.detail);
		}
		free(text);
		rl_error_clear(&e);
		pl->n++;
	}
	return 0;
}

/*
 * One trainee's item for pass 2: their row, their curriculum and their
 * lines.  0 when it is filled, 1 when the trainee is left out (statements
 * about someone the export does not enrol; err untouched), -1 with err.
 */
static int prepare(struct rl_recompute *r, FILE *in, int fd, const struct trainee_lines *tl, struct run_item *it,
		   const struct parsed_list *pl, struct rl_error *err)
{
	const json_t *v;
	const char *sha, *why = NULL;
	char key[32];

	snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, tl->id);
	if (!(v = json_object_get(r->enrolled, key)))
		return 1;
	sha = mstr(v, "sha256");
	it->tl = tl;
	it->unread = it->failed = 0;
	json_decref(it->row);
	it->row = json_pack("{s:I,s:O}", "trainee", tl->id, "curriculum", v);
	if ((it->c = parsed(pl, sha, &why))) {
		/* From a file the worker reads them, so this thread's reads do not queue the workers. */
		if (fd >= 0)
			it->unread = 1;
		return fd >= 0 ? 0 : read_lines(in, -1, it, err) < 0 ? -1 : 0;
	}
	json_object_set_new(it->row, "error", json_string(why ? why : "the enrolment names curriculum content that "
								 "no curriculum statement of the export carries"));
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
	struct parsed_list pl = { NULL, 0 };
	int fd = fileno(in);
	struct run_batch xa = { a, tools, &pl, today, fd, r->text }, xb = { b, tools, &pl, today, fd, r->text }, *ba = &xa,
			 *bb = &xb, *tb;
	struct rl_pool *pool = rl_pool_new(-1);
	size_t next = 0, na = 0, nb;
	int rc = -1, stop = 0;

	if (!tools)
		goto done;
	for (size_t i = 0; a && b && i < RUN_BATCH; i++) {
		rl_buf_init(&a[i].report, 0);
		rl_buf_init(&b[i].report, 0);
	}
	if (r->oom || !a || !b || !pool) {
		rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory");
		goto done;
	}
	if (parse_all(r, tools, &pl, err) < 0)
		goto done;
	/* Every trainee the export enrols, in id order. */
	if (r->ntrainees)
		qsort(r->trainees, r->ntrainees, sizeof(*r->trainees), by_trainee_id);

	/* Fills up to RUN_BATCH items from the trainees after next; their count into n. */
#define FILL(items, n)                                                                                             \
	do {                                                                                                       \
		(n) = 0;                                                                                           \
		while ((n) < RUN_BATCH && next < r->ntrainees)                                                     \
			if (prepare(r, in, fd, &r->trainees[next++], &(items)[(n)], &pl, err) == 0)               \
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
			if (a[i].failed && !stop) {
				rl_error_set(err, a[i].err.status, a[i].err.type, NULL, "%s", a[i].err.detail);
				goto done;
			}
			if (!stop)
				stop = each(ctx, a[i].row, a[i].c && a[i].report.len ? a[i].report.data : NULL);
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
			rl_buf_release(&a[i].report);
			rl_error_clear(&a[i].err);
		}
		if (b) {
			json_decref(b[i].row);
			free(b[i].text);
			rl_buf_release(&b[i].report);
			rl_error_clear(&b[i].err);
		}
	}
	free(a);
	free(b);
	for (size_t pi = 0; pi < pl.n; pi++)
		rl_curriculum_free(pl.v[pi].c);
	free(pl.v);
	return rc;
}

void rl_recompute_text(struct rl_recompute *r, int on)
{
	r->text = on;
}

json_int_t rl_recompute_statements(const struct rl_recompute *r)
{
	return r->statements;
}

const json_t *rl_recompute_imports(const struct rl_recompute *r)
{
	return r->imports;
}

static int collect(void *ctx, json_t *row, const char *report_json)
{
	(void)report_json; /* never text here */
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
