/*
 * verify.c - the offline ledger verifier; see verify.h and docs/ledger.md.
 *
 * Two stages per batch of export lines.  Stage 1 is independent per entry
 * and runs on a pool of worker threads (base/pool.h): read the line (once: fast_line for the
 * server's shape, else jansson), decode key and signature, check the
 * message's prefix, verify the Ed25519 signature, parse the statement
 * proving it is in JCS form as it goes (rl_jcs_parse_canonical; else
 * parse, canonicalise and compare), hash the leaf.  Stage 2 walks the
 * batch in index order on the calling thread, which also reads the next
 * batch while the workers check one: index sequence, signer
 * authority (which needs everything before it), the Merkle stream.  The
 * first entry that fails either stage is the one reported.
 */
#include "base/prelude.h"

#include "ledger/verify.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/authority.h"
#include "base/buf.h"
#include "base/pool.h"
#include "ledger/jcs.h"
#include "ledger/kinds.h"
#include "ledger/texts.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/stmt.h"
#include "base/util.h"

#define BATCH 2048
#define CHUNK 16      /* entries a worker takes at a time (BATCH / CHUNK items per batch) */
#define MAX_THREADS 16

const char *const rl_verify_type_names[] = {
	"faculty_key", "key_revocation", "trainer_accreditation", "accreditation",
	"revocation", "session_signoff", "assessment", "module_completion", "simulator_import",
	"curriculum", "enrolment", "device_key", "signoff_withdrawal", "elearning_confirmation", NULL
};

/* The kinds' row numbers in the one table of kinds (ledger/kinds.h); rl_verify_type_names is in the same order. */
enum {
	T_FACULTY_KEY = RL_K_FACULTY_KEY, T_KEY_REVOCATION = RL_K_KEY_REVOCATION, T_TRAINER_ACC = RL_K_TRAINER_ACC,
	T_ACC = RL_K_ACC, T_REVOCATION = RL_K_REVOCATION, T_SESSION = RL_K_SESSION, T_ASSESSMENT = RL_K_ASSESSMENT,
	T_MODULE = RL_K_MODULE, T_SIM_IMPORT = RL_K_SIM_IMPORT, T_CURRICULUM = RL_K_CURRICULUM, T_ENROLMENT = RL_K_ENROLMENT,
	T_DEVICE_KEY = RL_K_DEVICE_KEY, T_WITHDRAWAL = RL_K_WITHDRAWAL, T_ELEARNING = RL_K_ELEARNING
};

/* ---------------------------------------------------------------- entries */

struct entry {
	char *line;          /* the export line (owned, kept for the next batch's line), without newline */
	size_t len, cap;
	uint64_t offset;     /* where the line starts in the input */
	size_t raw_len;      /* its length there, newline included */
	int blank_before;    /* a blank line came before this one */
	int64_t index;       /* -1 if the line has no usable index */
	json_t *stmt;        /* the parsed statement (stage 1); dropped by the worker that next checks this slot */
	struct rl_buf msg;   /* the decoded message (stage 1), kept for the next batch read into this slot */
	struct rl_jcs_flat flat; /* the statement's flat tree when read the typed way (e->st points into it), kept too */
	struct rl_statement st; /* its members, read from stmt in stage 1 (ledger/stmt.h) */
	uint8_t pk[32];
	uint8_t leaf[32];
	int redacted;        /* a redacted line: only the leaf hash, nothing to check but the tree */
	int one_pass;        /* read by fast_line and rl_jcs_parse_canonical (no second parse) */
	int typed;           /* read by rl_jcs_scan_canonical and rl_statement_read_flat (no jansson value) */
	int texts, erased;   /* free texts committed to: checked against the commitment, and erased (ledger/texts.h) */
	char why[400];       /* stage 1 fault, "" if none */
};

static void bad1(struct entry *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad1(struct entry *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
}

/*
 * The export line as the server writes it (JSON_COMPACT, sorted keys,
 * ASCII only): {"index":N,"message":"...","public_key":"...","signature":"..."}
 * and maybe ,"texts":{...} last, read in one pass, the message's JSON
 * string decoded into msg (texts, small and rare, parsed by jansson
 * alone).  1 when the line has exactly that shape, with what json_loadb
 * would give for each member; 0 for anything else (a redacted line, white
 * space, another order, an escape this does not decode...), which the
 * jansson reading then reads and judges.
 */
struct line_view {
	int64_t index;
	char pk64[48], sig64[96]; /* base64 of 32 and 64 bytes: 44 and 88 characters */
	json_t *texts;            /* the "texts" member (the caller decrefs it), or NULL */
};

static const char *fast_key(const char *p, const char *end, const char *key, size_t klen)
{
	if ((size_t)(end - p) < klen + 3 || p[0] != '"' || memcmp(p + 1, key, klen) != 0 || p[klen + 1] != '"' ||
	    p[klen + 2] != ':')
		return NULL;
	return p + klen + 3;
}

/* A string of plain ASCII without escapes (base64) into out; NULL if it is not one or does not fit. */
static const char *fast_plain(const char *p, const char *end, char *out, size_t cap)
{
	size_t n = 0;

	if (p >= end || *p++ != '"')
		return NULL;
	while (p < end && *p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c >= 0x80 || c == '\\' || n + 1 >= cap)
			return NULL;
		out[n++] = *p++;
	}
	if (p >= end)
		return NULL;
	out[n] = '\0';
	return p + 1;
}

static int hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* The message string decoded into msg (reset first); NULL where jansson should judge. */
static const char *fast_message(const char *p, const char *end, struct rl_buf *msg)
{
	rl_buf_reset(msg);
	if (p >= end || *p++ != '"')
		return NULL;
	for (;;) {
		const char *run = p;
		unsigned cp, lo;
		char u[4];
		size_t n;

		while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (rl_buf_add(msg, run, (size_t)(p - run)) < 0 || p >= end)
			return NULL;
		if (*p == '"')
			return p + 1;
		if (*p != '\\' || end - p < 2)
			return NULL; /* a control character or a byte above 0x7f: jansson's to judge */
		switch (p[1]) {
		case '"': case '\\': case '/': u[0] = p[1]; n = 1; break;
		case 'b': u[0] = '\b'; n = 1; break;
		case 'f': u[0] = '\f'; n = 1; break;
		case 'n': u[0] = '\n'; n = 1; break;
		case 'r': u[0] = '\r'; n = 1; break;
		case 't': u[0] = '\t'; n = 1; break;
		case 'u':
			if (end - p < 6 || hex4(p + 2, &cp) < 0 || cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
				return NULL;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* A surrogate pair, as JSON_ENSURE_ASCII writes a code point above U+FFFF. */
				if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &lo) < 0 || lo < 0xdc00 ||
				    lo > 0xdfff)
					return NULL;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			if (cp < 0x80) {
				u[0] = (char)cp;
				n = 1;
			} else if (cp < 0x800) {
				u[0] = (char)(0xc0 | (cp >> 6));
				u[1] = (char)(0x80 | (cp & 0x3f));
				n = 2;
			} else if (cp < 0x10000) {
				u[0] = (char)(0xe0 | (cp >> 12));
				u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				n = 3;
			} else {
				u[0] = (char)(0xf0 | (cp >> 18));
				u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
				u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[3] = (char)(0x80 | (cp & 0x3f));
				n = 4;
			}
			p += 4;
			break;
		default:
			return NULL;
		}
		if (rl_buf_add(msg, u, n) < 0)
			return NULL;
		p += 2;
	}
}

static int fast_line(const char *s, size_t len, struct line_view *v, struct rl_buf *msg)
{
	const char *p = s, *end = s + len;
	int digits = 0;

	v->texts = NULL;
	if (len < 2 || *p++ != '{' || !(p = fast_key(p, end, "index", 5)))
		return 0;
	/* A non-negative integer as jansson reads one: 0, or no leading zero; 18 digits at most. */
	v->index = 0;
	if (p < end && *p == '0') {
		p++;
		digits = 1;
	} else {
		while (p < end && *p >= '0' && *p <= '9' && digits < 19) {
			v->index = v->index * 10 + (*p++ - '0');
			digits++;
		}
	}
	if (!digits || digits > 18 || p >= end || *p++ != ',')
		return 0;
	if (!(p = fast_key(p, end, "message", 7)) || !(p = fast_message(p, end, msg)) || p >= end || *p++ != ',')
		return 0;
	if (!(p = fast_key(p, end, "public_key", 10)) || !(p = fast_plain(p, end, v->pk64, sizeof(v->pk64))) ||
	    p >= end || *p++ != ',')
		return 0;
	if (!(p = fast_key(p, end, "signature", 9)) || !(p = fast_plain(p, end, v->sig64, sizeof(v->sig64))))
		return 0;
	if (p + 1 == end && *p == '}')
		return 1;
	/* "texts", an object up to the line's last '}' (json_loadb refuses anything after the value). */
	if (p >= end || *p++ != ',' || !(p = fast_key(p, end, "texts", 5)) || end[-1] != '}' || p >= end - 1 ||
	    *p != '{')
		return 0;
	v->texts = json_loadb(p, (size_t)(end - 1 - p), JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
	return v->texts != NULL;
}

json_t *rl_verify_line_statement(const char *line, size_t len, struct rl_buf *scratch, int64_t *index)
{
	static const size_t plen = sizeof(RL_STATEMENT_PREFIX) - 1;
	struct line_view view;
	json_t *st;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (!fast_line(line, len, &view, scratch))
		return NULL;
	json_decref(view.texts);
	if (scratch->len < plen || memcmp(scratch->data, RL_STATEMENT_PREFIX, plen) != 0)
		return NULL;
	st = rl_jcs_parse_canonical(scratch->data + plen, scratch->len - plen);
	if (st && !json_is_object(st)) {
		json_decref(st);
		return NULL;
	}
	if (st)
		*index = view.index;
	return st;
}

/*
 * Stage 1 of one entry.  The line is read by fast_line when it has the
 * server's shape, else by jansson (and judged there); the statement is
 * parsed once, by rl_jcs_parse_canonical when that proves it canonical in
 * the same pass, else by jansson and compared with its canonical form.
 * mbuf is the thread's buffer for the decoded message.
 */
static void check_entry(struct entry *e, struct rl_buf *mbuf, int typed)
{
	static const size_t plen = sizeof(RL_STATEMENT_PREFIX) - 1;
	json_error_t jerr;
	json_t *line = NULL, *v, *texts = NULL;
	const char *key, *msg, *pk64, *sig64;
	size_t mlen, n = 0;
	uint8_t sig[64];
	char *canon;
	size_t clen;
	struct rl_error err = RL_ERROR_INIT;
	struct line_view view;

	e->index = -1;
	e->stmt = NULL;
	e->redacted = 0;
	e->one_pass = 0;
	e->typed = 0;
	e->texts = e->erased = 0;
	e->why[0] = '\0';
	if (fast_line(e->line, e->len, &view, mbuf)) {
		e->index = view.index;
		msg = mbuf->data;
		mlen = mbuf->len;
		pk64 = view.pk64;
		sig64 = view.sig64;
		texts = view.texts;
		goto read;
	}
	line = json_loadb(e->line, e->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!line) {
		bad1(e, "the export line is not JSON (%s)", jerr.text);
		return;
	}
	if (!json_is_object(line)) {
		bad1(e, "the export line is not a JSON object");
		goto out;
	}
	v = json_object_get(line, "index");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		e->index = json_integer_value(v);
	if ((v = json_object_get(line, "leaf_hash"))) {
		/* An entry the exporter could not show: {"index":N,"leaf_hash":"<64 lowercase hex>"}. */
		const char *hex = json_string_value(v);
		size_t i = 0;

		while (hex && ((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			i++;
		if (e->index < 0)
			bad1(e, "the redacted line has no \"index\" (a non-negative integer)");
		else if (json_object_size(line) != 2)
			bad1(e, "a redacted line holds exactly \"index\" and \"leaf_hash\"");
		else if (!hex || i != 64 || hex[i] || rl_hex_decode_exact(hex, e->leaf, 32) < 0)
			bad1(e, "\"leaf_hash\" is not 64 lowercase hex digits");
		else
			e->redacted = 1;
		goto out;
	}
	json_object_foreach(line, key, v) {
		if (strcmp(key, "texts") == 0)
			continue; /* the free text beside a version 2 statement, checked below */
		if (strcmp(key, "index") && strcmp(key, "message") && strcmp(key, "public_key") && strcmp(key, "signature")) {
			bad1(e, "the export line has an unexpected member \"%.40s\"", key);
			goto out;
		}
		n++;
	}
	if (e->index < 0) {
		bad1(e, "the export line has no \"index\" (a non-negative integer)");
		goto out;
	}
	msg = json_string_value(json_object_get(line, "message"));
	pk64 = json_string_value(json_object_get(line, "public_key"));
	sig64 = json_string_value(json_object_get(line, "signature"));
	if (n != 4 || !msg || !pk64 || !sig64) {
		bad1(e, "the export line needs the strings \"message\", \"public_key\" and \"signature\"");
		goto out;
	}
	mlen = json_string_length(json_object_get(line, "message"));
	texts = json_incref(json_object_get(line, "texts"));
read:
	if (rl_base64_decode_exact(pk64, e->pk, 32) < 0) {
		bad1(e, "\"public_key\" is not standard base64 of 32 bytes");
		goto out;
	}
	if (rl_base64_decode_exact(sig64, sig, 64) < 0) {
		bad1(e, "\"signature\" is not standard base64 of 64 bytes");
		goto out;
	}
	if (mlen < plen || memcmp(msg, RL_STATEMENT_PREFIX, plen) != 0) {
		bad1(e, "the message does not start with \"RASLOG-STATEMENT-v1\\n\"");
		goto out;
	}
	if (crypto_sign_verify_detached(sig, (const unsigned char *)msg, mlen, e->pk) != 0) {
		bad1(e, "the signature does not verify under public key %s", pk64);
		goto out;
	}
	/*
	 * A session sign-off in the server's line, when no caller wants the
	 * statement as JSON: its canonical text scanned into a flat tree and
	 * read from there, no jansson value built (the pass below says what
	 * is wrong with anything this does not take).
	 */
	if (typed && !line && rl_jcs_scan_canonical(msg + plen, mlen - plen, &e->flat) == 0 &&
	    rl_texts_check_flat(&e->flat, texts, &e->erased) && rl_statement_read_flat(&e->flat, &e->st)) {
		e->one_pass = e->typed = 1;
		e->texts = (int)json_object_size(texts) - e->erased;
		if (e->texts < 0)
			e->texts = 0;
		rl_merkle_leaf_hash((const uint8_t *)msg, mlen, sig, e->pk, e->leaf);
		goto out;
	}
	e->erased = 0;
	/* One pass that parses and proves the text canonical; else jansson's parse and the canonical form compared. */
	if (!(e->stmt = rl_jcs_parse_canonical(msg + plen, mlen - plen)) || !json_is_object(e->stmt)) {
		json_decref(e->stmt);
		e->stmt = json_loadb(msg + plen, mlen - plen, JSON_REJECT_DUPLICATES, &jerr);
		if (!e->stmt) {
			bad1(e, "the signed statement is not JSON (%s)", jerr.text);
			goto out;
		}
		if (!json_is_object(e->stmt)) {
			bad1(e, "the signed statement is not a JSON object");
			goto out;
		}
		canon = rl_jcs_string(e->stmt, &clen, &err);
		if (!canon) {
			bad1(e, "the signed statement cannot be canonicalised (%s)", err.detail);
			rl_error_clear(&err);
			goto out;
		}
		if (clen != mlen - plen || memcmp(canon, msg + plen, clen) != 0) {
			free(canon);
			bad1(e, "the signed statement is not in canonical (JCS, RFC 8785) form");
			goto out;
		}
		free(canon);
	} else if (!line) {
		e->one_pass = 1;
	}
	{
		char why[300];
		if (rl_texts_check(e->stmt, texts, &e->erased, why, sizeof(why)) < 0) {
			bad1(e, "%s", why);
			goto out;
		}
		e->texts = (int)json_object_size(texts) - e->erased;
		if (e->texts < 0)
			e->texts = 0;
	}
	/* Every member the kind has, typed, once (ledger/stmt.h); the first problem is the entry's fault. */
	if (rl_statement_read(e->stmt, NULL, &e->st, &err) < 0) {
		if (e->st.kind < RL_K_COUNT)
			bad1(e, "the %s statement's \"%s\" %s", e->st.type, err.fields[0].field, err.fields[0].message);
		else
			bad1(e, "the statement's \"%s\" %s", err.fields[0].field, err.fields[0].message);
		rl_error_clear(&err);
		goto out;
	}
	rl_merkle_leaf_hash((const uint8_t *)msg, mlen, sig, e->pk, e->leaf);
out:
	if (e->why[0] && e->stmt) {
		json_decref(e->stmt);
		e->stmt = NULL;
	}
	json_decref(texts);
	json_decref(line);
}

/*
 * Stage 1 of a batch runs on a pool of workers started once for the
 * whole export (threads started per batch begin with a cold allocator
 * cache each time, and the trees they built were freed by this thread,
 * into their arenas, while they allocated the next ones).  A worker takes
 * CHUNK entries at a time; the statement a slot held two batches ago is
 * dropped by the worker that checks the slot next, so trees are built and
 * freed on the workers.
 */
struct stage1 {
	struct entry *entries;
	size_t n;
	int typed;            /* no entry callback: statements may be read without a jansson value */
};

static void check_chunk(void *ctx, size_t i)
{
	struct stage1 *b = ctx;
	size_t from = i * CHUNK, to = from + CHUNK < b->n ? from + CHUNK : b->n;

	for (size_t k = from; k < to; k++) {
		struct entry *e = &b->entries[k];
		json_decref(e->stmt);
		e->stmt = NULL;
		check_entry(e, &e->msg, b->typed);
	}
}

static void check_start(struct rl_pool *pool, struct stage1 *b, struct entry *entries, size_t n)
{
	b->entries = entries;
	b->n = n;
	rl_pool_post(pool, check_chunk, b, (n + CHUNK - 1) / CHUNK);
}

/* ---------------------------------------------------------------- authority state */

struct keyrec {
	uint8_t pk[32];
	int used;
	int64_t user;
	int faculty;          /* introduced by a faculty_key statement */
	int64_t introduced;   /* index of that statement (or of the first accreditation) */
	int64_t revoked;      /* index of the key_revocation, -1 while live */
	int64_t device;       /* index of the device_key statement that introduced it, -1 */
};

/* A trainer accreditation (core/ledger/authority.h) and the trainer's one before it. */
struct tacc {
	struct rl_tacc t;
	int64_t prev;         /* index into state.tacc of the same trainer's previous accreditation, -1 */
};

/* Trainer id -> their latest accreditation (index into state.tacc). */
struct trainer_slot {
	int64_t trainer;      /* 0: empty */
	int64_t latest;
};

struct accrec {
	int64_t index, subject;
	int trainer;          /* 1: a trainer_accreditation (tacc index in ref), 0: a trainee accreditation */
	int64_t ref;
	int64_t revoked;
};

struct state {
	struct keyrec *keys;
	size_t kcap, kcount;
	struct tacc *tacc;
	size_t tcount, tcap;
	struct accrec *acc;
	size_t acount, acap;
	struct trainer_slot *trainers;
	size_t trcap, trcount;
	uint8_t log_key[32];
	struct rl_verify_result *res;
	json_t *curricula;    /* content sha256 -> index of its curriculum statement */
	struct rl_signed_rec *recs; /* the trainers' records (sign-offs, assessments, modules), by index */
	json_t *enrolled;     /* trainee id -> content sha256 of their latest enrolment */
	size_t rcount, rcap;
};

static size_t key_slot(const uint8_t pk[32], size_t cap)
{
	uint64_t h;

	memcpy(&h, pk, sizeof(h));
	return (size_t)(h & (cap - 1));
}

static struct keyrec *key_find(struct state *s, const uint8_t pk[32])
{
	size_t i;

	if (!s->kcap)
		return NULL;
	for (i = key_slot(pk, s->kcap); s->keys[i].used; i = (i + 1) & (s->kcap - 1))
		if (memcmp(s->keys[i].pk, pk, 32) == 0)
			return &s->keys[i];
	return NULL;
}

static struct keyrec *key_add(struct state *s, const uint8_t pk[32])
{
	struct keyrec *k;
	size_t i;

	if ((s->kcount + 1) * 2 > s->kcap) {
		size_t ncap = s->kcap ? s->kcap * 2 : 64;
		struct keyrec *old = s->keys, *nk = calloc(ncap, sizeof(*nk));
		size_t ocap = s->kcap;
		if (!nk)
			return NULL;
		s->keys = nk;
		s->kcap = ncap;
		for (i = 0; i < ocap; i++) {
			if (!old[i].used)
				continue;
			size_t j = key_slot(old[i].pk, ncap);
			while (nk[j].used)
				j = (j + 1) & (ncap - 1);
			nk[j] = old[i];
		}
		free(old);
	}
	for (i = key_slot(pk, s->kcap); s->keys[i].used; i = (i + 1) & (s->kcap - 1))
		;
	k = &s->keys[i];
	memset(k, 0, sizeof(*k));
	memcpy(k->pk, pk, 32);
	k->used = 1;
	k->revoked = -1;
	k->introduced = -1;
	k->device = -1;
	s->kcount++;
	return k;
}

static int grow(void **p, size_t *cap, size_t count, size_t size)
{
	void *n;

	if (count < *cap)
		return 0;
	n = realloc(*p, (*cap ? *cap * 2 : 64) * size);
	if (!n)
		return -1;
	*p = n;
	*cap = *cap ? *cap * 2 : 64;
	return 0;
}

static size_t trainer_hash(int64_t trainer, size_t cap)
{
	return (size_t)(((uint64_t)trainer * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

/* The trainer's slot; with add, created (latest -1) if missing.  NULL: none (or out of memory). */
static struct trainer_slot *trainer_slot(struct state *s, int64_t trainer, int add)
{
	size_t i;

	if (add && (s->trcount + 1) * 2 > s->trcap) {
		size_t ncap = s->trcap ? s->trcap * 2 : 64;
		struct trainer_slot *n = calloc(ncap, sizeof(*n));
		if (!n)
			return NULL;
		for (i = 0; i < s->trcap; i++) {
			size_t j;
			if (!s->trainers[i].trainer)
				continue;
			for (j = trainer_hash(s->trainers[i].trainer, ncap); n[j].trainer; j = (j + 1) & (ncap - 1))
				;
			n[j] = s->trainers[i];
		}
		free(s->trainers);
		s->trainers = n;
		s->trcap = ncap;
	}
	if (!s->trcap)
		return NULL;
	for (i = trainer_hash(trainer, s->trcap); s->trainers[i].trainer; i = (i + 1) & (s->trcap - 1))
		if (s->trainers[i].trainer == trainer)
			return &s->trainers[i];
	if (!add)
		return NULL;
	s->trainers[i].trainer = trainer;
	s->trainers[i].latest = -1;
	s->trcount++;
	return &s->trainers[i];
}

/* The trainer's latest accreditation, or NULL. */
static const struct rl_tacc *trainer_latest(struct state *s, int64_t trainer)
{
	struct trainer_slot *t = trainer > 0 ? trainer_slot(s, trainer, 0) : NULL;

	return t && t->latest >= 0 ? &s->tacc[t->latest].t : NULL;
}

/* The trainer's record at ledger index, or NULL (recs is in index order). */
static struct rl_signed_rec *rec_at(struct state *s, int64_t index)
{
	size_t lo = 0, hi = s->rcount;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->recs[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->rcount && s->recs[lo].index == index ? &s->recs[lo] : NULL;
}

static int rec_add(struct state *s, int64_t index, int kind, int64_t trainee, int64_t signer)
{
	struct rl_signed_rec *r;

	if (grow((void **)&s->recs, &s->rcap, s->rcount, sizeof(*s->recs)) < 0)
		return -1;
	r = &s->recs[s->rcount++];
	r->index = index;
	r->kind = kind;
	r->trainee = trainee;
	r->signer = signer;
	r->superseded = -1;
	r->withdrawn = -1;
	r->rejected = 0;
	return 0;
}

static void state_free(struct state *s)
{
	free(s->recs);
	json_decref(s->enrolled);
	free(s->trainers);
	free(s->keys);
	free(s->tacc);
	free(s->acc);
	json_decref(s->curricula);
}

/* ---------------------------------------------------------------- stage 2: authority */

#define BAD(...) (snprintf(why, wsize, __VA_ARGS__), -1)

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *tname(int type)
{
	const char *n = type >= 0 && type < RL_K_COUNT ? rl_verify_type_names[type] : NULL;

	return n ? n : "unknown";
}

static void b64_of(const uint8_t pk[32], char out[48])
{
	sodium_bin2base64(out, 48, pk, 32, sodium_base64_VARIANT_ORIGINAL);
}

/*
 * A curriculum version's content (its "sha256" must be SHA-256 of
 * JCS(definition)) or a trainee's enrolment on one (naming the content
 * hash of an earlier curriculum statement).  Statement kinds added by
 * issue 13; ledgers without them verify as before.
 */
static int context_statement(struct state *s, const struct entry *e, char *why, size_t wsize)
{
	const struct rl_statement *st = &e->st;
	const char *sha = st->kind == RL_K_CURRICULUM ? st->u.curriculum.sha256 : st->u.enrolment.curriculum.sha256;
	uint8_t h[32];
	char hex[65];

	if (strlen(sha) != 64)
		return BAD("the %s statement has no content hash", tname(st->kind));
	if (st->kind == RL_K_CURRICULUM) {
		size_t len;
		struct rl_error jerr = RL_ERROR_INIT;
		char *text = rl_jcs_string(st->u.curriculum.definition, &len, &jerr);

		if (!text) {
			rl_error_clear(&jerr);
			return BAD("the curriculum statement carries no definition object");
		}
		crypto_hash_sha256(h, (const uint8_t *)text, len);
		free(text);
		rl_hex_encode(h, 32, hex);
		if (strcmp(hex, sha) != 0)
			return BAD("the curriculum statement's sha256 %s is not the hash of its definition (%s)", sha, hex);
		if (!s->curricula)
			s->curricula = json_object();
		json_object_set_new(s->curricula, sha, json_integer(e->index));
		return 0;
	}
	if (!s->curricula || !json_object_get(s->curricula, sha))
		return BAD("the enrolment names curriculum content %s that no earlier curriculum statement carries", sha);
	snprintf(hex, sizeof(hex), "%lld", (long long)st->u.enrolment.trainee);
	if (!s->enrolled)
		s->enrolled = json_object();
	json_object_set_new(s->enrolled, hex, json_string(sha));
	return 0;
}

static int log_statement(struct state *s, const struct entry *e, char *why, size_t wsize)
{
	const struct rl_statement *st = &e->st;
	int type = st->kind;
	const char *pk64 = type == T_FACULTY_KEY ? st->u.faculty_key.public_key : st->u.key_revocation.public_key;
	int64_t user = st->subject;
	uint8_t pk[32];
	struct keyrec *k;

	if (memcmp(e->pk, s->log_key, 32) != 0)
		return BAD("a statement issued by the log is not signed with the log key");
	if (type == T_CURRICULUM || type == T_ENROLMENT)
		return context_statement(s, e, why, wsize);
	if (rl_kinds[type].signer != RL_SIGNER_LOG)
		return BAD("the log issues only faculty_key, key_revocation, curriculum and enrolment statements, not %s",
			   tname(type));
	if (rl_base64_decode_exact(pk64, pk, 32) < 0)
		return BAD("\"public_key\" is not standard base64 of 32 bytes");
	k = key_find(s, pk);
	if (type == T_FACULTY_KEY) {
		if (k)
			return BAD("faculty key %s was already in the ledger (index %lld)", pk64, (long long)k->introduced);
		if (!(k = key_add(s, pk)))
			return BAD("out of memory");
		k->user = user;
		k->faculty = 1;
		k->introduced = e->index;
		return 0;
	}
	if (k && k->user != user)
		return BAD("key %s is revoked for user %lld but belongs to user %lld", pk64, (long long)user,
			   (long long)k->user);
	if (k && k->revoked >= 0)
		return BAD("key %s was already revoked at index %lld", pk64, (long long)k->revoked);
	if (!k) {
		if (!(k = key_add(s, pk)))
			return BAD("out of memory");
		k->user = user;
	}
	k->revoked = e->index;
	return 0;
}

/* A faculty act: the key must be a live faculty key of the signer. */
static int need_faculty(const struct keyrec *k, int64_t signer, const char *pk64, const char *type, char *why,
			size_t wsize)
{
	if (!k || !k->faculty)
		return BAD("%s must be signed by a faculty key, and key %s was never introduced by a faculty_key statement",
			   type, pk64);
	if (k->user != signer)
		return BAD("faculty key %s belongs to user %lld, not to the signer %lld", pk64, (long long)k->user,
			   (long long)signer);
	return 0;
}

/* A trainer act: the shared rule of core/ledger/authority.c on the signer's latest accreditation. */
static int need_trainer(struct state *s, const uint8_t pk[32], int64_t signer, const char *date, char *why,
			size_t wsize)
{
	const struct keyrec *k = key_find(s, pk);
	struct rl_devkey dev;

	if (k && k->device >= 0) {
		dev.user = k->user;
		dev.introduced = k->device;
		dev.revoked = k->revoked;
	}
	return rl_authority_trainer_may_sign_key(trainer_latest(s, signer), k && k->device >= 0 ? &dev : NULL, signer,
						 pk, date, why, wsize) == RL_AUTH_OK ? 0 : -1;
}

/*
 * An accreditation names its evidence ("v":2, docs/ledger.md): the
 * curriculum's content hash must be the one the trainee's latest
 * enrolment names, and every index in "evidence" (ascending, earlier than
 * the accreditation) a session sign-off (confirmed), assessment, module
 * completion or simulator import (confirmed) about the trainee that still
 * counts.  Whether the evidence
 * suffices needs the curriculum's rules: `raslog audit` checks that.  A
 * "v":1 accreditation (written before) names none and is read as before.
 */
static int accreditation_evidence(struct state *s, const struct entry *e, int64_t trainee, char *why, size_t wsize)
{
	const json_t *ev = e->st.u.acc.evidence, *v;
	const char *sha = e->st.u.acc.curriculum.sha256, *enrolled;
	int64_t prev = -1, idx;
	char key[32];
	size_t i;

	if (e->st.v == 1)
		return ev ? BAD("a version 1 accreditation has no \"evidence\"") : 0;
	snprintf(key, sizeof(key), "%lld", (long long)trainee);
	enrolled = s->enrolled ? json_string_value(json_object_get(s->enrolled, key)) : NULL;
	if (!sha)
		return BAD("the accreditation names no curriculum content hash (\"curriculum\".\"sha256\")");
	if (!enrolled || strcmp(enrolled, sha) != 0)
		return BAD("the accreditation names curriculum content %s, but trainee %lld's latest enrolment names %s", sha,
			   (long long)trainee, enrolled ? enrolled : "none");
	if (!ev)
		return BAD("the accreditation has no \"evidence\" (an array of ledger indexes)");
	json_array_foreach(ev, i, v) {
		const struct rl_signed_rec *r;
		if ((idx = json_integer_value(v)) <= prev || idx >= e->index)
			return BAD("\"evidence\" must list earlier ledger indexes in ascending order, once each");
		prev = idx;
		r = rec_at(s, idx);
		if (!r || r->trainee != trainee)
			return BAD("the evidence names index %lld, which is no sign-off, assessment, module completion or import about "
				   "trainee %lld", (long long)idx, (long long)trainee);
		if (r->rejected)
			return BAD("the evidence names index %lld, a rejected sign-off or import", (long long)idx);
		if (r->superseded >= 0 || r->withdrawn >= 0)
			return BAD("the evidence names index %lld, which no longer counts: %s at index %lld", (long long)idx,
				   r->superseded >= 0 ? "superseded" : "withdrawn",
				   (long long)(r->superseded >= 0 ? r->superseded : r->withdrawn));
	}
	return 0;
}

/* A trainer's record other records may name (evidence, corrections, withdrawals); rejected: 1 for a rejection. */
static int record(struct state *s, const struct entry *e, int64_t subject, int64_t signer, int rejected, char *why,
		  size_t wsize)
{
	if (rec_add(s, e->index, e->st.kind, subject, signer) < 0)
		return BAD("out of memory");
	s->recs[s->rcount - 1].rejected = rejected;
	return 0;
}

static int person_statement(struct state *s, const struct entry *e, char *why, size_t wsize)
{
	const struct rl_statement *st = &e->st;
	int type = st->kind;
	const char *key64 = st->key, *signed_at = st->signed_at;
	int64_t signer = st->signer, subject = st->subject;
	uint8_t key[32];
	char pk64[48], date[11];
	struct keyrec *k;
	time_t t;

	b64_of(e->pk, pk64);
	if (rl_base64_decode_exact(key64, key, 32) < 0)
		return BAD("the statement's \"key\" is not standard base64 of 32 bytes");
	if (memcmp(key, e->pk, 32) != 0)
		return BAD("the statement names key %s but was signed with key %s", key64, pk64);
	if (strlen(signed_at) < 10 || rl_parse_rfc3339(signed_at, &t) < 0)
		return BAD("\"signed_at\" is not an RFC 3339 UTC time");
	memcpy(date, signed_at, 10);
	date[10] = '\0';
	if (memcmp(e->pk, s->log_key, 32) == 0)
		return BAD("a person's statement is signed with the log key");
	k = key_find(s, e->pk);
	if (k && k->revoked >= 0)
		return BAD("key %s was revoked at index %lld and can no longer sign", pk64, (long long)k->revoked);
	if (k && k->user != signer)
		return BAD("key %s belongs to user %lld, not to the signer %lld", pk64, (long long)k->user,
			   (long long)signer);

	switch (type) {
	case T_TRAINER_ACC: {
		const char *tk64 = st->u.trainer_acc.trainer_key, *from = st->u.trainer_acc.valid_from,
			   *until = st->u.trainer_acc.valid_until;
		uint8_t tk[32];
		long d1, d2;
		struct keyrec *tkr;
		struct trainer_slot *slot;
		struct tacc *ta;
		struct accrec *ar;

		if (need_faculty(k, signer, pk64, "a trainer_accreditation", why, wsize) < 0)
			return -1;
		if (subject == signer)
			return BAD("self-signed: user %lld accredits themselves as a trainer", (long long)signer);
		if (rl_base64_decode_exact(tk64, tk, 32) < 0)
			return BAD("\"trainer_key\" is not standard base64 of 32 bytes");
		if (rl_parse_date(from, &d1) < 0 || rl_parse_date(until, &d2) < 0 || d2 < d1)
			return BAD("\"valid_from\" and \"valid_until\" must be dates YYYY-MM-DD with from <= until");
		/* At most one live accreditation per trainer; legacy statements supersede implicitly (authority.h). */
		if (rl_authority_trainer_accreditation(trainer_latest(s, subject), subject, st->supersedes, why, wsize) ==
		    RL_AUTH_REFUSED)
			return -1;
		tkr = key_find(s, tk);
		if (tkr && tkr->revoked >= 0)
			return BAD("the trainer_accreditation names key %s, revoked at index %lld", tk64, (long long)tkr->revoked);
		if (tkr && tkr->user != subject)
			return BAD("the trainer_accreditation names key %s of user %lld for user %lld", tk64,
				   (long long)tkr->user, (long long)subject);
		if (!tkr) {
			if (!(tkr = key_add(s, tk)))
				return BAD("out of memory");
			tkr->user = subject;
			tkr->introduced = e->index;
		}
		if (grow((void **)&s->tacc, &s->tcap, s->tcount, sizeof(*s->tacc)) < 0 ||
		    grow((void **)&s->acc, &s->acap, s->acount, sizeof(*s->acc)) < 0 ||
		    !(slot = trainer_slot(s, subject, 1)))
			return BAD("out of memory");
		ta = &s->tacc[s->tcount];
		memset(ta, 0, sizeof(*ta));
		ta->t.index = e->index;
		ta->t.trainer = subject;
		snprintf(ta->t.from, sizeof(ta->t.from), "%.10s", from);
		snprintf(ta->t.until, sizeof(ta->t.until), "%.10s", until);
		ta->t.revoked = -1;
		memcpy(ta->t.pk, tk, 32);
		ta->prev = slot->latest;
		slot->latest = (int64_t)s->tcount;
		ar = &s->acc[s->acount++];
		ar->index = e->index;
		ar->subject = subject;
		ar->trainer = 1;
		ar->ref = (int64_t)s->tcount++;
		ar->revoked = -1;
		return 0;
	}
	case T_ACC: {
		struct accrec *ar;
		if (need_faculty(k, signer, pk64, "an accreditation", why, wsize) < 0)
			return -1;
		if (subject == signer)
			return BAD("self-signed: user %lld accredits themselves", (long long)signer);
		if (accreditation_evidence(s, e, subject, why, wsize) < 0)
			return -1;
		if (grow((void **)&s->acc, &s->acap, s->acount, sizeof(*s->acc)) < 0)
			return BAD("out of memory");
		ar = &s->acc[s->acount++];
		ar->index = e->index;
		ar->subject = subject;
		ar->trainer = 0;
		ar->ref = -1;
		ar->revoked = -1;
		return 0;
	}
	case T_REVOCATION: {
		int64_t target = st->u.revocation.accreditation_index;
		size_t lo = 0, hi;
		struct accrec *ar = NULL;
		if (need_faculty(k, signer, pk64, "a revocation", why, wsize) < 0)
			return -1;
		hi = s->acount;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (s->acc[mid].index < target)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < s->acount && s->acc[lo].index == target)
			ar = &s->acc[lo];
		if (ar && ar->trainer) {
			/* A trainer's: the revocation covers the person (core/ledger/authority.h). */
			struct trainer_slot *slot = trainer_slot(s, subject, 0);
			if (rl_authority_trainer_revocation(ar->subject == subject ? &s->tacc[ar->ref].t : NULL, subject,
							    target, why, wsize) != RL_AUTH_OK)
				return -1;
			for (int64_t i = slot ? slot->latest : -1; i >= 0; i = s->tacc[i].prev)
				if (s->tacc[i].t.revoked < 0)
					s->tacc[i].t.revoked = e->index;
			return 0;
		}
		if (!ar || ar->subject != subject)
			return BAD("the revocation names index %lld, which is no earlier accreditation of user %lld",
				   (long long)target, (long long)subject);
		if (ar->revoked >= 0)
			return BAD("the accreditation at index %lld was already revoked at index %lld", (long long)target,
				   (long long)ar->revoked);
		ar->revoked = e->index;
		return 0;
	}
	case T_SESSION: {
		int64_t trainer = st->u.session.session.trainer;
		if (subject == signer)
			return BAD("self-signed: user %lld signs off their own session", (long long)signer);
		if (trainer && trainer != signer)
			return BAD("the session names trainer %lld but user %lld signed it", (long long)trainer,
				   (long long)signer);
		if (need_trainer(s, e->pk, signer, date, why, wsize) < 0)
			return -1;
		return record(s, e, subject, signer, st->decision == RL_DECISION_REJECTED, why, wsize);
	}
	case T_ASSESSMENT:
	case T_MODULE: {
		int64_t supersedes = st->supersedes;
		struct rl_signed_rec *target = NULL;

		if (subject == signer)
			return BAD("self-signed: user %lld signs their own %s", (long long)signer, tname(type));
		if (need_trainer(s, e->pk, signer, date, why, wsize) < 0)
			return -1;
		/* A correction (rule 9): only the signer's own, still counting, record of the same kind. */
		if (supersedes >= 0) {
			if (supersedes >= e->index)
				return BAD("\"supersedes\" is not the ledger index of an earlier statement");
			target = rec_at(s, supersedes);
			if (rl_authority_correction(target, type, signer, subject, supersedes, why, wsize) != RL_AUTH_OK)
				return -1;
		}
		if (record(s, e, subject, signer, 0, why, wsize) < 0)
			return -1;
		if (supersedes >= 0)
			rec_at(s, supersedes)->superseded = e->index;
		return 0;
	}
	case T_WITHDRAWAL: {
		int64_t target_index = st->u.withdrawal.signoff_index;
		struct rl_signed_rec *target;
		int faculty;

		if (subject == signer)
			return BAD("self-signed: user %lld withdraws a sign-off about themselves", (long long)signer);
		if (target_index >= e->index)
			return BAD("\"signoff_index\" is not the ledger index of an earlier statement");
		if ((!st->reason || !*st->reason) && !st->reason_commit)
			return BAD("the signoff_withdrawal gives no \"reason\" (nor, at version 2, \"reason_commit\")");
		target = rec_at(s, target_index);
		/* By the record's signer as a trainer, or by faculty. */
		faculty = !target || target->signer != signer;
		if (faculty ? need_faculty(k, signer, pk64, "a signoff_withdrawal of another signer's record", why, wsize) < 0
			    : need_trainer(s, e->pk, signer, date, why, wsize) < 0)
			return -1;
		if (rl_authority_withdrawal(target, signer, faculty, subject, target_index, why, wsize) != RL_AUTH_OK)
			return -1;
		target->withdrawn = e->index;
		return 0;
	}
	case T_SIM_IMPORT: {
		int64_t trainer = st->u.import.import.trainer;
		if (subject == signer)
			return BAD("self-signed: user %lld countersigns their own import", (long long)signer);
		if (trainer && trainer != signer)
			return BAD("the import names trainer %lld but user %lld signed it", (long long)trainer,
				   (long long)signer);
		if (need_trainer(s, e->pk, signer, date, why, wsize) < 0)
			return -1;
		/* A record too: an accreditation may name a confirmed import as evidence. */
		return record(s, e, subject, signer, st->decision == RL_DECISION_REJECTED, why, wsize);
	}
	case T_ELEARNING: {
		/* A trainer (under a live accreditation) or faculty confirms a certificate (docs/imports.md). */
		const struct keyrec *fk = key_find(s, e->pk);
		if (subject == signer)
			return BAD("self-signed: user %lld confirms their own certificate", (long long)signer);
		if (st->decision == RL_DECISION_CONFIRMED && !st->u.import.import.verified && st->u.import.unverified_ok != 1)
			return BAD("the elearning_confirmation confirms an unverified certificate without \"unverified_ok\": true");
		if (fk && fk->faculty) {
			if (need_faculty(fk, signer, pk64, "an elearning_confirmation", why, wsize) < 0)
				return -1;
		} else if (need_trainer(s, e->pk, signer, date, why, wsize) < 0) {
			return -1;
		}
		return record(s, e, subject, signer, st->decision == RL_DECISION_REJECTED, why, wsize);
	}
	case T_DEVICE_KEY: {
		const char *nk64 = st->u.device_key.public_key;
		uint8_t nk[32];
		struct keyrec *nkr;

		if (rl_base64_decode_exact(nk64, nk, 32) < 0)
			return BAD("the device_key's \"public_key\" is not standard base64 of 32 bytes");
		/* By the person with a key already trusted for them, or by faculty. */
		if (subject == signer) {
			if (need_trainer(s, e->pk, signer, date, why, wsize) < 0)
				return -1;
		} else if (need_faculty(k, signer, pk64, "a device_key for another user", why, wsize) < 0) {
			return -1;
		}
		nkr = key_find(s, nk);
		if (nkr && nkr->user != subject)
			return BAD("the device_key names key %s, which belongs to user %lld, for user %lld", nk64,
				   (long long)nkr->user, (long long)subject);
		if (nkr && nkr->revoked >= 0)
			return BAD("the device_key names key %s, revoked at index %lld", nk64, (long long)nkr->revoked);
		if (nkr && (nkr->device >= 0 || nkr->faculty))
			return BAD("the device_key names key %s, already introduced at index %lld", nk64,
				   (long long)(nkr->device >= 0 ? nkr->device : nkr->introduced));
		if (!nkr) {
			if (!(nkr = key_add(s, nk)))
				return BAD("out of memory");
			nkr->user = subject;
			nkr->introduced = e->index;
		}
		nkr->device = e->index;
		return 0;
	}
	default:
		return BAD("a %s statement cannot be signed by a person", tname(type));
	}
}

/* The statement's members were read in stage 1 (e->st, ledger/stmt.h); here, who may have signed it. */
static int authority(struct state *s, const struct entry *e, char *why, size_t wsize)
{
	int type = e->st.kind;

	if (type < 0 || type >= RL_K_COUNT || type >= (int)(sizeof(s->res->statements) / sizeof(uint64_t)))
		return BAD("\"%.40s\" is not a statement type", e->st.type ? e->st.type : "(none)");
	s->res->statements[type]++;
	if (e->st.by_log)
		return log_statement(s, e, why, wsize);
	if (rl_kinds[type].signer == RL_SIGNER_LOG)
		return BAD("a %s statement must be issued by the log", tname(type));
	return person_statement(s, e, why, wsize);
}

/* ---------------------------------------------------------------- heads */

struct head {
	uint64_t size;
	uint8_t root[32];
	char timestamp[64];
};

/* 0, 1 (bad: why set), or -1 (err set: not JSON) */
static int parse_head(const char *text, const uint8_t log_key[32], const char *what, struct head *h, char *why,
		      size_t wsize, struct rl_error *err)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr), *body;
	const char *root = NULL, *ts, *sig64;
	uint8_t sig[64];
	struct rl_buf b = RL_BUF_INIT;
	int rc = 1;

	if (!j || !json_is_object(j)) {
		json_decref(j);
		return rl_error_set(err, RL_E_MALFORMED, "bad-head", NULL, "%s is not a JSON object (%s)", what,
				    j ? "an array or scalar" : jerr.text);
	}
	if (!json_is_integer(json_object_get(j, "tree_size")) || json_integer_value(json_object_get(j, "tree_size")) < 0)
		snprintf(why, wsize, "%s has no \"tree_size\"", what);
	else if (!(root = str_of(j, "root_hash")) || rl_hex_decode_exact(root, h->root, 32) < 0)
		snprintf(why, wsize, "%s's \"root_hash\" is not 64 hex digits", what);
	else if (!(ts = str_of(j, "timestamp")))
		snprintf(why, wsize, "%s has no \"timestamp\"", what);
	else if (!(sig64 = str_of(j, "signature")) || rl_base64_decode_exact(sig64, sig, 64) < 0)
		snprintf(why, wsize, "%s's \"signature\" is not standard base64 of 64 bytes", what);
	else {
		h->size = (uint64_t)json_integer_value(json_object_get(j, "tree_size"));
		snprintf(h->timestamp, sizeof(h->timestamp), "%s", ts);
		body = json_deep_copy(j);
		json_object_del(body, "signature");
		if (rl_buf_puts(&b, RL_TREE_HEAD_PREFIX) < 0 || rl_jcs_append(&b, body, err) < 0) {
			json_decref(body);
			rl_buf_release(&b);
			json_decref(j);
			if (!err->status)
				rl_error_internal(err, "head too large");
			return -1;
		}
		json_decref(body);
		if (crypto_sign_verify_detached(sig, (const unsigned char *)b.data, b.len, log_key) != 0)
			snprintf(why, wsize, "the signature of %s (tree_size %llu, %s) does not verify under the log key",
				 what, (unsigned long long)h->size, h->timestamp);
		else
			rc = 0;
		rl_buf_release(&b);
	}
	json_decref(j);
	return rc;
}

/* ---------------------------------------------------------------- the walk */

static int fail(struct rl_verify_result *res, int64_t index, const char *why)
{
	res->ok = 0;
	res->bad_index = index;
	snprintf(res->why, sizeof(res->why), "%s", why);
	return 1;
}

/* Frees everything a batch array holds (its statements, line and message buffers). */
static void release_batch(struct entry *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < BATCH; i++) {
		json_decref(b[i].stmt);
		free(b[i].line);
		rl_buf_release(&b[i].msg);
		rl_jcs_flat_release(&b[i].flat);
	}
	free(b);
}

/*
 * Reads up to BATCH non-blank lines into b (*n of them); -1 on a read
 * error.  A slot's line and message buffers and its statement of two
 * batches ago stay (stage 1 drops the statement).
 */
static int read_batch(FILE *in, struct entry *b, size_t *n, int *blank, int *eof, uint64_t *offset)
{
	*n = 0;
	while (*n < BATCH) {
		struct entry *e = &b[*n];
		ssize_t len = getline(&e->line, &e->cap, in);
		if (len < 0) {
			if (ferror(in)) {
				*n = 0;
				return -1;
			}
			*eof = 1;
			break;
		}
		size_t raw = (size_t)len;
		*offset += raw;
		while (len > 0 && (e->line[len - 1] == '\n' || e->line[len - 1] == '\r'))
			e->line[--len] = '\0';
		if (len == 0) {
			*blank = 1;
			continue;
		}
		e->offset = *offset - raw;
		e->raw_len = raw;
		e->len = (size_t)len;
		e->blank_before = *blank;
		*blank = 0;
		(*n)++;
	}
	return 0;
}

/* Stage 2 of a checked batch, in index order: 0, or the fail() of the first bad entry. */
static int stage2(struct entry *batch, size_t n, struct state *s, struct rl_merkle_stream *ms,
		  struct rl_verify_result *res, const struct rl_verify_opts *opts, const struct head *old,
		  uint8_t old_root[32], int *have_old_root, uint64_t every)
{
	char why[512];

	for (size_t i = 0; i < n; i++) {
		struct entry *e = &batch[i];
		int64_t want = (int64_t)ms->size;

		if (e->blank_before)
			return fail(res, want, "a blank line comes before this entry inside the export");
		if (e->index >= 0 && e->index != want) {
			if (e->index > want)
				snprintf(why, sizeof(why), "entry %lld is missing or out of order: the line where it belongs holds entry %lld",
					 (long long)want, (long long)e->index);
			else
				snprintf(why, sizeof(why), "the line where entry %lld belongs holds entry %lld (indexes must run 0, 1, 2, ...)",
					 (long long)want, (long long)e->index);
			return fail(res, want, why);
		}
		if (e->why[0])
			return fail(res, want, e->why);
		res->one_pass += (uint64_t)e->one_pass;
		res->typed += (uint64_t)e->typed;
		res->texts += (uint64_t)e->texts;
		res->texts_erased += (uint64_t)e->erased;
		if (e->redacted)
			res->redacted++; /* its content is not ours to check; the root over it is */
		else if (authority(s, e, why, sizeof(why)) < 0)
			return fail(res, want, why);
		if (opts->entry)
			opts->entry(opts->entry_ctx, e->index, e->redacted ? NULL : e->stmt, e->redacted ? NULL : &e->st,
				    e->offset, e->raw_len);
		rl_merkle_stream_push(ms, e->leaf);
		res->entries = ms->size;
		if (opts->old_head && ms->size == old->size) {
			rl_merkle_stream_root(ms, old_root);
			*have_old_root = 1;
		}
		if (opts->progress && ms->size % every == 0)
			opts->progress(opts->progress_ctx, ms->size);
	}
	return 0;
}

int rl_verify_export(FILE *in, const struct rl_verify_opts *opts, struct rl_verify_result *res,
		     struct rl_error *err)
{
	struct head head, old;
	struct state s;
	struct rl_merkle_stream ms;
	struct entry *batch, *next, *tmp;
	struct rl_pool *pool;
	struct stage1 s1;
	size_t na = 0, nb = 0;
	uint8_t root[32], old_root[32];
	int have_old_root = 0, blank = 0, threads = opts->threads > 0 ? opts->threads : 2, rc = 0, eof = 0;
	uint64_t every = opts->progress_every ? opts->progress_every : 10000, offset = 0;
	char why[512];

	memset(res, 0, sizeof(*res));
	res->bad_index = -1;
	why[0] = '\0';
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (sodium_init() < 0)
		return rl_error_internal(err, "libsodium failed to initialise");
	json_object_seed(0);
	if (opts->head) {
		int r = parse_head(opts->head, opts->log_key, "the signed tree head", &head, why, sizeof(why), err);
		if (r)
			return r < 0 ? -1 : fail(res, -1, why);
	}
	if (opts->old_head) {
		int r = parse_head(opts->old_head, opts->log_key, "the previously saved head", &old, why, sizeof(why), err);
		if (r)
			return r < 0 ? -1 : fail(res, -1, why);
		if (old.size == 0) {
			rl_merkle_stream_init(&ms);
			rl_merkle_stream_root(&ms, old_root);
			have_old_root = 1;
		}
	}
	batch = calloc(BATCH, sizeof(*batch));
	next = calloc(BATCH, sizeof(*next));
	pool = batch && next ? rl_pool_new(threads) : NULL;
	if (!pool) {
		free(batch);
		free(next);
		return rl_error_internal(err, "out of memory");
	}
	for (size_t i = 0; i < BATCH; i++) {
		rl_buf_init(&batch[i].msg, 0);
		rl_buf_init(&next[i].msg, 0);
		rl_buf_init(&batch[i].flat.text, 0);
		rl_buf_init(&next[i].flat.text, 0);
	}
	s1.typed = opts->entry == NULL;
	memset(&s, 0, sizeof(s));
	memcpy(s.log_key, opts->log_key, 32);
	s.res = res;
	rl_merkle_stream_init(&ms);

	/*
	 * A pipeline over two batches: while the workers run stage 1 of batch
	 * A, this thread reads batch B; once A is checked, B is posted to the
	 * workers and this thread runs stage 2 of A (in index order), then
	 * reads the batch after B into A's place while B is checked.
	 */
	if (read_batch(in, batch, &na, &blank, &eof, &offset) < 0)
		goto read_failed;
	if (na)
		check_start(pool, &s1, batch, na);
	while (na && rc == 0) {
		nb = 0;
		if (!eof && read_batch(in, next, &nb, &blank, &eof, &offset) < 0)
			goto read_failed;
		rl_pool_wait(pool);
		if (nb)
			check_start(pool, &s1, next, nb);
		rc = stage2(batch, na, &s, &ms, res, opts, &old, old_root, &have_old_root, every);
		tmp = batch, batch = next, next = tmp;
		na = nb;
	}
	if (0) {
read_failed:
		rl_pool_free(pool);
		release_batch(batch);
		release_batch(next);
		state_free(&s);
		return rl_error_set(err, RL_E_UNAVAILABLE, "read-failed", NULL, "cannot read the export");
	}
	rl_pool_free(pool); /* after a bad entry, the batch posted last is still being checked */
	release_batch(batch);
	release_batch(next);
	state_free(&s);
	if (rc)
		return rc;
	if (opts->progress && ms.size % every != 0)
		opts->progress(opts->progress_ctx, ms.size);

	rl_merkle_stream_root(&ms, root);
	rl_hex_encode(root, 32, res->root_hex);
	if (opts->old_head) {
		if (old.size > ms.size) {
			snprintf(why, sizeof(why),
				 "the export ends after %llu entries but the previously saved head (%s) covers %llu: entries %llu..%llu are missing (the log was truncated)",
				 (unsigned long long)ms.size, old.timestamp, (unsigned long long)old.size,
				 (unsigned long long)ms.size, (unsigned long long)old.size - 1);
			return fail(res, (int64_t)ms.size, why);
		}
		if (!have_old_root || memcmp(old_root, old.root, 32) != 0) {
			char hex[65];
			rl_hex_encode(old_root, 32, hex);
			snprintf(why, sizeof(why),
				 "the export's first %llu entries hash to %s, not to the root of the previously saved head (%s): the log was rewritten",
				 (unsigned long long)old.size, hex, old.timestamp);
			return fail(res, -1, why);
		}
		res->old_head_checked = 1;
		res->old_head_size = old.size;
		snprintf(res->old_head_timestamp, sizeof(res->old_head_timestamp), "%s", old.timestamp);
	}
	if (opts->head) {
		if (head.size != ms.size) {
			if (head.size > ms.size)
				snprintf(why, sizeof(why),
					 "the export ends after %llu entries but the signed tree head (%s) covers %llu: entries %llu..%llu are missing",
					 (unsigned long long)ms.size, head.timestamp, (unsigned long long)head.size,
					 (unsigned long long)ms.size, (unsigned long long)head.size - 1);
			else
				snprintf(why, sizeof(why),
					 "the signed tree head (%s) covers %llu entries but the export has %llu: entry %llu is not covered by the head",
					 head.timestamp, (unsigned long long)head.size, (unsigned long long)ms.size,
					 (unsigned long long)head.size);
			return fail(res, (int64_t)(head.size < ms.size ? head.size : ms.size), why);
		}
		if (memcmp(root, head.root, 32) != 0) {
			char hex[65];
			rl_hex_encode(head.root, 32, hex);
			snprintf(why, sizeof(why), "the export's root %s is not the root %s of the signed tree head (%s)",
				 res->root_hex, hex, head.timestamp);
			return fail(res, -1, why);
		}
		res->head_checked = 1;
		res->head_size = head.size;
		snprintf(res->head_timestamp, sizeof(res->head_timestamp), "%s", head.timestamp);
	}
	res->ok = 1;
	return 0;
}
