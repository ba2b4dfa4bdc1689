/*
 * progress_json.c - the API's progress JSON written straight into a
 * buffer from the typed record (rl_progress_write_json), and the record
 * packed into a few hundred bytes for the server's reply cache
 * (rl_progress_pack / rl_progress_unpack); see progress_record.h.
 *
 * rl_progress_to_json (progress_record.c) builds a jansson tree that
 * json_dumps then serialises: at 13.7 KB a reply, that was over half the
 * CPU of a computed progress reply (bench/README.md).  Here the pieces a
 * curriculum fixes (ids, titles, descriptions, code lists, sources, with
 * the keys around them) are escaped once per curriculum, by jansson, and
 * kept beside the curriculum as fragments; a reply is those fragments
 * with the figures and statuses between them.  No escaping is written
 * here: a string is either copied as it is when it is plain printable
 * ASCII without '"' or '\' (which json_dumps copies unchanged), or handed
 * to jansson.  The key order and the numbers are rl_progress_to_json's;
 * tests/unit/test_progress_json.c holds the two to the same bytes.
 */
#include "base/prelude.h"

#include "domain/progress_record.h"
#include "domain/curriculum_impl.h"

#include <stdatomic.h>

#include "base/buf.h"

/* ------------------------------------------------------------ pieces */

int rl_progress_json_str(struct rl_buf *b, const char *s)
{
	const unsigned char *u;
	json_t *j;
	char *text;
	int rc;

	if (!s)
		return -1;
	for (u = (const unsigned char *)s; *u; u++)
		if (*u < 0x20 || *u > 0x7e || *u == '"' || *u == '\\')
			break;
	if (!*u) {
		rl_buf_putc(b, '"');
		rl_buf_add(b, s, (size_t)(u - (const unsigned char *)s));
		return rl_buf_putc(b, '"');
	}
	if (!(j = json_string(s)))
		return -1;
	text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	if (!text)
		return -1;
	rc = rl_buf_puts(b, text);
	free(text);
	return rc;
}

void rl_progress_json_int(struct rl_buf *b, long long v)
{
	char digits[24], *p = digits + sizeof(digits);
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	rl_buf_add(b, p, (size_t)(digits + sizeof(digits) - p));
}

#define PUT(b, lit) rl_buf_add((b), (lit), sizeof(lit) - 1)

static int put_strlist(struct rl_buf *b, const struct strlist *l)
{
	int bad = 0;

	rl_buf_putc(b, '[');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			rl_buf_putc(b, ',');
		bad |= rl_progress_json_str(b, l->v[i]) < 0;
	}
	rl_buf_putc(b, ']');
	return bad ? -1 : 0;
}

/*
 * The pieces between the figures.  Each is written from the strings it is
 * given, so the fragments (the definition's strings) and a record whose
 * strings are not the definition's share one writer.  Each returns -1
 * when a string cannot be written (the whole reply then fails, as a NULL
 * member fails rl_progress_to_json).
 */

/* {"curriculum":{"code":..,"version":..,"title":..},"status": */
static int doc_head(struct rl_buf *b, const char *code, int version, const char *title)
{
	int bad = 0;

	PUT(b, "{\"curriculum\":{\"code\":");
	bad |= rl_progress_json_str(b, code) < 0;
	PUT(b, ",\"version\":");
	rl_progress_json_int(b, version);
	PUT(b, ",\"title\":");
	bad |= rl_progress_json_str(b, title) < 0;
	PUT(b, "},\"status\":");
	return bad ? -1 : 0;
}

/* {"id":..,"title":..,"status": */
static int module_head(struct rl_buf *b, const char *id, const char *title)
{
	int bad = 0;

	PUT(b, "{\"id\":");
	bad |= rl_progress_json_str(b, id) < 0;
	PUT(b, ",\"title\":");
	bad |= rl_progress_json_str(b, title) < 0;
	PUT(b, ",\"status\":");
	return bad ? -1 : 0;
}

/* ,"prerequisites":[..](,"source":..),"requirements":[ */
static int module_tail(struct rl_buf *b, const struct module *m)
{
	int bad = 0;

	PUT(b, ",\"prerequisites\":");
	bad |= put_strlist(b, &m->prereqs) < 0;
	if (m->source) {
		PUT(b, ",\"source\":");
		bad |= rl_progress_json_str(b, m->source) < 0;
	}
	PUT(b, ",\"requirements\":[");
	return bad ? -1 : 0;
}

/* {"id":..,"key":..,"kind":..,("title":..,)"description":..,"target": */
static int req_head(struct rl_buf *b, const struct req *r, const char *id, const char *key, const char *kind,
		    const char *description)
{
	int bad = 0;

	PUT(b, "{\"id\":");
	bad |= rl_progress_json_str(b, id) < 0;
	PUT(b, ",\"key\":");
	bad |= rl_progress_json_str(b, key) < 0;
	PUT(b, ",\"kind\":");
	bad |= rl_progress_json_str(b, kind) < 0;
	if (r->title) {
		PUT(b, ",\"title\":");
		bad |= rl_progress_json_str(b, r->title) < 0;
	}
	PUT(b, ",\"description\":");
	bad |= rl_progress_json_str(b, description) < 0;
	PUT(b, ",\"target\":");
	return bad ? -1 : 0;
}

/* What follows a requirement's status: its definition's lists and parameters, then "}". */
static int req_tail(struct rl_buf *b, const struct req *r)
{
	int bad = 0;

	if (r->activities.n) {
		PUT(b, ",\"activity\":");
		bad |= put_strlist(b, &r->activities) < 0;
	}
	if (r->platforms.n) {
		PUT(b, ",\"platform\":");
		bad |= put_strlist(b, &r->platforms) < 0;
	}
	if (r->roles.n) {
		PUT(b, ",\"roles\":");
		bad |= put_strlist(b, &r->roles) < 0;
	}
	if (r->steps.n) {
		PUT(b, ",\"steps\":");
		bad |= put_strlist(b, &r->steps) < 0;
	}
	if (r->kind == KIND_SIMULATOR) {
		PUT(b, ",\"exercises\":");
		bad |= put_strlist(b, &r->exercises) < 0;
		PUT(b, ",\"min_score\":");
		rl_progress_json_int(b, r->min_score);
		PUT(b, ",\"consecutive\":");
		rl_progress_json_int(b, r->consecutive);
	}
	if (r->kind == KIND_ELEARNING) {
		PUT(b, ",\"issuer\":");
		bad |= rl_progress_json_str(b, r->issuer) < 0;
		PUT(b, ",\"achievement\":");
		bad |= rl_progress_json_str(b, r->achievement) < 0;
	}
	if (r->kind == KIND_ASSESSMENTS) {
		PUT(b, ",\"tool\":");
		bad |= rl_progress_json_str(b, r->tool) < 0;
		PUT(b, ",\"total_min\":");
		rl_progress_json_int(b, r->total_min);
		PUT(b, ",\"domain_min\":");
		rl_progress_json_int(b, r->domain_min);
	}
	if (r->source) {
		PUT(b, ",\"source\":");
		bad |= rl_progress_json_str(b, r->source) < 0;
	}
	rl_buf_putc(b, '}');
	return bad ? -1 : 0;
}

/* An unmet item up to its target: {"module":..,"requirement":..,"key":..,"description":..,"target": */
static int unmet_head(struct rl_buf *b, const char *module, const char *id, const char *key, const char *description)
{
	int bad = 0;

	PUT(b, "{\"module\":");
	bad |= rl_progress_json_str(b, module) < 0;
	PUT(b, ",\"requirement\":");
	bad |= rl_progress_json_str(b, id) < 0;
	PUT(b, ",\"key\":");
	bad |= rl_progress_json_str(b, key) < 0;
	PUT(b, ",\"description\":");
	bad |= rl_progress_json_str(b, description) < 0;
	PUT(b, ",\"target\":");
	return bad ? -1 : 0;
}

/* ---------------------------------------------------------- fragments */

/* One piece written once; s NULL when it could not be (the reply then writes it directly, and fails the same way). */
struct frag {
	char *s;
	size_t n;
};

struct req_frags {
	struct frag head, tail, unmet;
};

struct mod_frags {
	struct frag head, tail;
	size_t nreqs;
	struct req_frags *reqs; /* NULL when out of memory: the requirements are written directly */
};

struct rl_progress_frags {
	struct frag head;
	size_t nmodules;
	struct mod_frags *mods;
};

static void frag_free(struct frag *f)
{
	free(f->s);
}

void rl_progress_frags_free(struct rl_progress_frags *f)
{
	if (!f)
		return;
	frag_free(&f->head);
	for (size_t i = 0; f->mods && i < f->nmodules; i++) {
		for (size_t j = 0; f->mods[i].reqs && j < f->mods[i].nreqs; j++) {
			frag_free(&f->mods[i].reqs[j].head);
			frag_free(&f->mods[i].reqs[j].tail);
			frag_free(&f->mods[i].reqs[j].unmet);
		}
		frag_free(&f->mods[i].head);
		frag_free(&f->mods[i].tail);
		free(f->mods[i].reqs);
	}
	free(f->mods);
	free(f);
}

/* Keeps what b holds as f (left NULL when writing it failed). */
static void frag_take(struct frag *f, struct rl_buf *b, int rc)
{
	if (rc < 0 || rl_buf_failed(b)) {
		rl_buf_release(b);
		return;
	}
	f->s = rl_buf_detach(b, &f->n);
}

static struct rl_progress_frags *frags_build(const struct rl_curriculum *c)
{
	struct rl_progress_frags *f = calloc(1, sizeof(*f));
	struct rl_buf b = RL_BUF_INIT;

	if (!f || !(f->mods = calloc(c->nmodules ? c->nmodules : 1, sizeof(*f->mods)))) {
		free(f);
		return NULL;
	}
	f->nmodules = c->nmodules;
	frag_take(&f->head, &b, doc_head(&b, c->code, c->version, c->title));
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct module *m = &c->modules[i];
		struct mod_frags *mf = &f->mods[i];

		frag_take(&mf->head, &b, module_head(&b, m->id, m->title));
		frag_take(&mf->tail, &b, module_tail(&b, m));
		if (!(mf->reqs = calloc(m->nreqs ? m->nreqs : 1, sizeof(*mf->reqs))))
			continue;
		mf->nreqs = m->nreqs;
		for (size_t j = 0; j < m->nreqs; j++) {
			const struct req *r = &m->reqs[j];

			frag_take(&mf->reqs[j].head, &b, req_head(&b, r, r->id, r->key, rl_req_kind_names[r->kind],
								 r->description));
			frag_take(&mf->reqs[j].tail, &b, req_tail(&b, r));
			frag_take(&mf->reqs[j].unmet, &b, unmet_head(&b, m->id, r->id, r->key, r->description));
		}
	}
	return f;
}

/* The curriculum's fragments, built by the first caller (another thread's, if it won the race), or NULL. */
static const struct rl_progress_frags *frags_of(const struct rl_curriculum *c)
{
	/* A curriculum is const to its readers; the fragments are a cache beside it, set once. */
	struct rl_curriculum *mc = (struct rl_curriculum *)c;
	struct rl_progress_frags *f = atomic_load_explicit(&mc->frags, memory_order_acquire), *none = NULL;

	if (f)
		return f;
	if (!(f = frags_build(c)))
		return NULL;
	if (!atomic_compare_exchange_strong_explicit(&mc->frags, &none, f, memory_order_acq_rel, memory_order_acquire)) {
		rl_progress_frags_free(f);
		return none;
	}
	return f;
}

/* ------------------------------------------------------------ writer */

int rl_progress_write_json(const struct rl_progress *p, struct rl_buf *out, struct rl_error *err)
{
	const struct rl_curriculum *c = p->def;
	const struct rl_progress_frags *f;
	int bad = 0, first;

	if (!c || c->nmodules != p->nmodules) {
		rl_error_internal(err, "a progress record without its curriculum cannot be rendered as JSON");
		return -1;
	}
	f = frags_of(c);
	if (f && f->head.s && p->code == c->code && p->title == c->title && p->version == c->version)
		rl_buf_add(out, f->head.s, f->head.n);
	else
		bad |= doc_head(out, p->code, p->version, p->title) < 0;
	bad |= rl_progress_json_str(out, p->status) < 0;
	PUT(out, ",\"modules_met\":");
	rl_progress_json_int(out, (long long)p->modules_met);
	PUT(out, ",\"modules_total\":");
	rl_progress_json_int(out, (long long)p->nmodules);
	PUT(out, ",\"modules\":[");
	for (size_t i = 0; !bad && i < p->nmodules; i++) {
		const struct module *m = &c->modules[i];
		const struct rl_progress_module *pm = &p->modules[i];
		const struct mod_frags *mf = f ? &f->mods[i] : NULL;

		if (pm->nreqs != m->nreqs || !pm->status) {
			bad = 1;
			break;
		}
		if (i)
			rl_buf_putc(out, ',');
		if (mf && mf->head.s && pm->id == m->id && pm->title == m->title)
			rl_buf_add(out, mf->head.s, mf->head.n);
		else
			bad |= module_head(out, pm->id, pm->title) < 0;
		bad |= rl_progress_json_str(out, pm->status) < 0;
		if (mf && mf->tail.s)
			rl_buf_add(out, mf->tail.s, mf->tail.n);
		else
			bad |= module_tail(out, m) < 0;
		for (size_t j = 0; j < pm->nreqs; j++) {
			const struct req *r = &m->reqs[j];
			const struct rl_progress_req *pr = &pm->reqs[j];
			const struct req_frags *rf = mf && mf->reqs ? &mf->reqs[j] : NULL;

			if (j)
				rl_buf_putc(out, ',');
			if (rf && rf->head.s && pr->id == r->id && pr->key == r->key &&
			    pr->kind == rl_req_kind_names[r->kind] && pr->description == r->description)
				rl_buf_add(out, rf->head.s, rf->head.n);
			else
				bad |= req_head(out, r, pr->id, pr->key, pr->kind, pr->description) < 0;
			rl_progress_json_int(out, pr->target);
			PUT(out, ",\"signed\":");
			rl_progress_json_int(out, pr->signed_amount);
			PUT(out, ",\"pending\":");
			rl_progress_json_int(out, pr->pending);
			PUT(out, ",\"status\":");
			bad |= rl_progress_json_str(out, pr->status) < 0;
			if (rf && rf->tail.s)
				rl_buf_add(out, rf->tail.s, rf->tail.n);
			else
				bad |= req_tail(out, r) < 0;
		}
		PUT(out, "]}");
	}
	PUT(out, "],\"unmet\":[");
	first = 1;
	for (size_t i = 0; !bad && i < p->nmodules; i++) {
		const struct module *m = &c->modules[i];
		const struct rl_progress_module *pm = &p->modules[i];
		const struct mod_frags *mf = f ? &f->mods[i] : NULL;

		for (size_t j = 0; j < pm->nreqs; j++) {
			const struct req *r = &m->reqs[j];
			const struct rl_progress_req *pr = &pm->reqs[j];
			const struct req_frags *rf = mf && mf->reqs ? &mf->reqs[j] : NULL;

			if (!pr->status) {
				bad = 1;
				break;
			}
			if (strcmp(pr->status, "met") == 0)
				continue;
			if (!first)
				rl_buf_putc(out, ',');
			first = 0;
			if (rf && rf->unmet.s && pm->id == m->id && pr->id == r->id && pr->key == r->key &&
			    pr->description == r->description)
				rl_buf_add(out, rf->unmet.s, rf->unmet.n);
			else
				bad |= unmet_head(out, pm->id, pr->id, pr->key, pr->description) < 0;
			rl_progress_json_int(out, pr->target);
			PUT(out, ",\"signed\":");
			rl_progress_json_int(out, pr->signed_amount);
			rl_buf_putc(out, '}');
		}
	}
	rl_buf_putc(out, ']');
	if (p->evaluated_status) {
		PUT(out, ",\"evaluated_status\":");
		bad |= rl_progress_json_str(out, p->evaluated_status) < 0;
		if (p->acc_index >= 0) {
			PUT(out, ",\"accreditation\":{\"ledger_index\":");
			rl_progress_json_int(out, p->acc_index);
			if (p->acc_until) {
				PUT(out, ",\"valid_until\":");
				bad |= rl_progress_json_str(out, p->acc_until) < 0;
			}
			rl_buf_putc(out, '}');
		}
	}
	if (p->has_trainee) {
		PUT(out, ",\"trainee\":{\"id\":");
		rl_progress_json_int(out, p->trainee_id);
		PUT(out, ",\"name\":");
		bad |= rl_progress_json_str(out, p->trainee_name) < 0;
		PUT(out, ",\"site\":");
		bad |= rl_progress_json_str(out, p->trainee_site) < 0;
		rl_buf_putc(out, '}');
	}
	rl_buf_putc(out, '}');
	if (bad || rl_buf_failed(out)) {
		rl_error_internal(err, "out of memory building the progress document");
		return -1;
	}
	return 0;
}

/* --------------------------------------------------------------- packed */

/*
 * The packed record, host byte order (it never leaves the process):
 *   "RLP1", curriculum id (8), status, evaluated status (1 each, codes
 *   below, 0: NULL), has_trainee (1), modules_met (4), acc_index (8),
 *   trainee id (8), then the strings acc_until, trainee name, trainee
 *   site (each a 4-byte length, the bytes and a NUL; length 0xffffffff:
 *   NULL), then per module of the curriculum its status (1) and
 *   requirements met (4), and per requirement its status (1), signed (8)
 *   and pending (8).
 */
static const char *const statuses[] = {
	NULL, "met", "in_progress", "not_started", "blocked", "eligible", "in_training", "accredited", "lapsed",
};
#define NSTATUSES (sizeof(statuses) / sizeof(statuses[0]))
#define PACK_MAGIC "RLP1"
#define NO_STRING 0xffffffffu

/* The code of s (0 for NULL), or -1 when it is not one of the fixed set. */
static int status_code(const char *s)
{
	if (!s)
		return 0;
	for (size_t i = 1; i < NSTATUSES; i++)
		if (strcmp(s, statuses[i]) == 0)
			return (int)i;
	return -1;
}

static void pack_u8(struct rl_buf *b, int v)
{
	rl_buf_putc(b, (char)(unsigned char)v);
}

static void pack_u32(struct rl_buf *b, uint32_t v)
{
	rl_buf_add(b, &v, sizeof(v));
}

static void pack_i64(struct rl_buf *b, int64_t v)
{
	rl_buf_add(b, &v, sizeof(v));
}

static void pack_str(struct rl_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!s || n >= NO_STRING) {
		pack_u32(b, NO_STRING);
		return;
	}
	pack_u32(b, (uint32_t)n);
	rl_buf_add(b, s, n + 1);
}

int rl_progress_pack(const struct rl_progress *p, int64_t curriculum_id, struct rl_buf *out)
{
	const struct rl_curriculum *c = p->def;
	int st = status_code(p->status), ev = status_code(p->evaluated_status);

	if (!c || c->nmodules != p->nmodules || st <= 0 || ev < 0 || p->code != c->code || p->title != c->title ||
	    p->version != c->version || p->modules_met > UINT32_MAX)
		return -1;
	rl_buf_add(out, PACK_MAGIC, 4);
	pack_i64(out, curriculum_id);
	pack_u8(out, st);
	pack_u8(out, ev);
	pack_u8(out, p->has_trainee ? 1 : 0);
	pack_u32(out, (uint32_t)p->modules_met);
	pack_i64(out, p->acc_index);
	pack_i64(out, p->has_trainee ? p->trainee_id : 0);
	pack_str(out, p->acc_until);
	pack_str(out, p->has_trainee ? p->trainee_name : NULL);
	pack_str(out, p->has_trainee ? p->trainee_site : NULL);
	for (size_t i = 0; i < p->nmodules; i++) {
		const struct module *m = &c->modules[i];
		const struct rl_progress_module *pm = &p->modules[i];
		int ms = status_code(pm->status);

		if (ms <= 0 || pm->nreqs != m->nreqs || pm->id != m->id || pm->title != m->title || pm->reqs_met > UINT32_MAX)
			return -1;
		pack_u8(out, ms);
		pack_u32(out, (uint32_t)pm->reqs_met);
		for (size_t j = 0; j < pm->nreqs; j++) {
			const struct req *r = &m->reqs[j];
			const struct rl_progress_req *pr = &pm->reqs[j];
			int rs = status_code(pr->status);

			if (rs <= 0 || pr->id != r->id || pr->key != r->key || pr->kind != rl_req_kind_names[r->kind] ||
			    pr->description != r->description || pr->target != r->target || pr->nevidence)
				return -1;
			pack_u8(out, rs);
			pack_i64(out, pr->signed_amount);
			pack_i64(out, pr->pending);
		}
	}
	return rl_buf_failed(out) ? -1 : 0;
}

/* A reader of packed bytes that fails once past the end. */
struct unpacker {
	const unsigned char *at, *end;
	int bad;
};

static const void *take(struct unpacker *u, size_t n)
{
	const void *p = u->at;

	if (u->bad || (size_t)(u->end - u->at) < n) {
		u->bad = 1;
		return NULL;
	}
	u->at += n;
	return p;
}

static int take_u8(struct unpacker *u)
{
	const unsigned char *p = take(u, 1);

	return p ? *p : 0;
}

static uint32_t take_u32(struct unpacker *u)
{
	const void *p = take(u, 4);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, 4);
	return v;
}

static int64_t take_i64(struct unpacker *u)
{
	const void *p = take(u, 8);
	int64_t v = 0;

	if (p)
		memcpy(&v, p, 8);
	return v;
}

static const char *take_str(struct unpacker *u)
{
	uint32_t n = take_u32(u);
	const char *s;

	if (u->bad || n == NO_STRING)
		return NULL;
	s = take(u, (size_t)n + 1);
	if (s && s[n] != '\0')
		u->bad = 1;
	return u->bad ? NULL : s;
}

static const char *take_status(struct unpacker *u, int may_be_null)
{
	int code = take_u8(u);

	if ((size_t)code >= NSTATUSES || (!code && !may_be_null))
		u->bad = 1;
	return u->bad ? NULL : statuses[code];
}

int64_t rl_progress_packed_curriculum(const void *data, size_t len)
{
	int64_t id;

	if (len < 12 || memcmp(data, PACK_MAGIC, 4) != 0)
		return 0;
	memcpy(&id, (const char *)data + 4, 8);
	return id;
}

int rl_progress_unpack(const struct rl_curriculum *c, const void *data, size_t len, struct rl_progress *out,
		       struct rl_error *err)
{
	struct unpacker u = { data, (const unsigned char *)data + len, 0 };
	const void *magic = take(&u, 4);
	int has_trainee, oom = 0;

	memset(out, 0, sizeof(*out));
	out->acc_index = -1;
	if (!magic || memcmp(magic, PACK_MAGIC, 4) != 0 || !c) {
		rl_error_internal(err, "a cached progress record is not one");
		return -1;
	}
	take_i64(&u);
	out->def = c;
	out->code = c->code;
	out->version = c->version;
	out->title = c->title;
	out->status = take_status(&u, 0);
	out->evaluated_status = take_status(&u, 1);
	has_trainee = take_u8(&u);
	out->modules_met = take_u32(&u);
	out->acc_index = take_i64(&u);
	out->trainee_id = take_i64(&u);
	out->acc_until = take_str(&u);
	out->trainee_name = take_str(&u);
	out->trainee_site = take_str(&u);
	out->has_trainee = has_trainee == 1;
	out->nmodules = c->nmodules;
	if (!u.bad && !(out->modules = calloc(c->nmodules ? c->nmodules : 1, sizeof(*out->modules)))) {
		out->nmodules = 0;
		oom = 1;
	}
	for (size_t i = 0; !u.bad && out->modules && i < c->nmodules; i++) {
		const struct module *m = &c->modules[i];
		struct rl_progress_module *pm = &out->modules[i];

		pm->id = m->id;
		pm->title = m->title;
		pm->status = take_status(&u, 0);
		pm->reqs_met = take_u32(&u);
		if (m->nreqs && !(pm->reqs = calloc(m->nreqs, sizeof(*pm->reqs)))) {
			oom = 1;
			break;
		}
		pm->nreqs = m->nreqs;
		for (size_t j = 0; !u.bad && j < m->nreqs; j++) {
			const struct req *r = &m->reqs[j];
			struct rl_progress_req *pr = &pm->reqs[j];

			pr->id = r->id;
			pr->key = r->key;
			pr->kind = rl_req_kind_names[r->kind];
			pr->description = r->description;
			pr->target = r->target;
			pr->status = take_status(&u, 0);
			pr->signed_amount = take_i64(&u);
			pr->pending = take_i64(&u);
		}
	}
	if (u.bad || oom || u.at != u.end || has_trainee > 1) {
		rl_progress_release(out);
		rl_error_internal(err, "a cached progress record does not fit its curriculum");
		return -1;
	}
	return 0;
}
