/*
 * jcs.c - RFC 8785 canonical JSON over jansson values; see jcs.h.
 *
 * Numbers: reals are written the way ECMAScript's Number.prototype.toString
 * writes them.  The shortest digit string that reads back as the same
 * double is found by asking printf for 1, 2, ... 17 significant digits and
 * checking each candidate with strtod (both are correctly rounded in
 * glibc).  At each length the nearest candidate is tried first and then
 * its neighbour on the other side of the value, because next to a power of
 * two the rounding interval is lopsided and the nearest k-digit decimal
 * may miss it while the other one hits it.  This is slower than Ryu but
 * short and obviously right, and statements hold integers only.
 */
#include "base/prelude.h"

#include "ledger/jcs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JCS_TYPE "not-canonicalisable"
#define JCS_TITLE "The value cannot be canonicalised"

struct jcs_member {
	const char *name; /* member name, valid UTF-8, not NUL-terminated for us */
	size_t len;       /* bytes in name */
	json_t *value;    /* borrowed from the object */
};

static int jcs_value(struct rl_buf *b, const json_t *v, int depth, struct rl_error *err);

static int fail_limit(struct rl_error *err)
{
	return rl_error_set(err, RL_E_TOOLARGE, JCS_TYPE, JCS_TITLE,
			    "the canonical form would pass the buffer limit (or memory ran out)");
}

/*
 * Decodes one code point from s[*i..len) and advances *i; -1 if the bytes
 * there are not the shortest UTF-8 form of a Unicode scalar value.
 */
static int utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp_out)
{
	unsigned char c = s[*i];
	uint32_t cp, min;
	size_t n, k;

	if (c < 0x80) {
		*cp_out = c;
		*i += 1;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2; cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return -1;
	}
	if (len - *i < n)
		return -1;
	for (k = 1; k < n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*cp_out = cp;
	*i += n;
	return 0;
}

static int utf8_valid(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len)
		if (utf8_next((const unsigned char *)s, len, &i, &cp) < 0)
			return 0;
	return 1;
}

/*
 * Where a code point sorts among UTF-16 code units: BMP code points are
 * their own unit, supplementary ones start with a high surrogate
 * (0xD800..0xDBFF), which sorts after U+0000..U+D7FF but before
 * U+E000..U+FFFF.  Lifting U+E000..U+FFFF above U+10FFFF gives that order;
 * two supplementary code points compare like their surrogate pairs.
 */
static uint32_t utf16_rank(uint32_t cp)
{
	return cp >= 0xe000 && cp <= 0xffff ? cp + 0x110000 : cp;
}

/* qsort comparator: member names as arrays of UTF-16 code units. */
static int member_cmp(const void *pa, const void *pb)
{
	const struct jcs_member *a = pa, *b = pb;
	const unsigned char *sa = (const unsigned char *)a->name;
	const unsigned char *sb = (const unsigned char *)b->name;
	size_t i = 0, j = 0;
	uint32_t ca = 0, cb = 0;

	while (i < a->len && j < b->len) {
		/* Both names were validated before sorting. */
		utf8_next(sa, a->len, &i, &ca);
		utf8_next(sb, b->len, &j, &cb);
		if (ca != cb)
			return utf16_rank(ca) < utf16_rank(cb) ? -1 : 1;
	}
	if (i < a->len)
		return 1;
	if (j < b->len)
		return -1;
	return 0;
}

/* Writes a JSON string literal of valid UTF-8 s with JCS escaping. */
static int put_string(struct rl_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	char esc[7];
	size_t elen;

	if (rl_buf_putc(b, '"') < 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (rl_buf_add(b, s + run, i - run) < 0)
			return -1;
		run = i + 1;
		esc[0] = '\\';
		elen = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			elen = 6;
		}
		if (rl_buf_add(b, esc, elen) < 0)
			return -1;
	}
	if (rl_buf_add(b, s + run, len - run) < 0)
		return -1;
	return rl_buf_putc(b, '"');
}

/* Does s x 10^q read back (correctly rounded) as exactly d? */
static int round_trips(unsigned long long s, int q, double d)
{
	char tmp[48];

	/* No decimal point, so the reading does not depend on the locale. */
	snprintf(tmp, sizeof(tmp), "%llue%d", s, q);
	return strtod(tmp, NULL) == d;
}

static unsigned long long pow10ull(int k)
{
	unsigned long long p = 1;

	while (k-- > 0)
		p *= 10;
	return p;
}

/*
 * For finite d > 0, finds the fewest decimal digits s (no trailing zeros)
 * and exponent q with s x 10^q reading back as d, the closest such s when
 * there are two.  Writes the digits to digits[] and returns their count.
 */
static int shortest_digits(double d, char digits[24], int *q_out)
{
	unsigned long long s = 0, alt_s;
	int p, q = 0, alt_q, e;
	char tmp[48], *t;

	for (p = 1; p <= 17; p++) {
		/* Nearest p-digit decimal: d.ddd e+XX (the point is locale's). */
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
		s = 0;
		for (t = tmp; *t && *t != 'e'; t++)
			if (*t >= '0' && *t <= '9')
				s = s * 10 + (unsigned long long)(*t - '0');
		e = (int)strtol(t + 1, NULL, 10);
		q = e - (p - 1);
		if (round_trips(s, q, d))
			break;
		/* The p-digit neighbour on the other side of d. */
		snprintf(tmp, sizeof(tmp), "%llue%d", s, q);
		if (strtod(tmp, NULL) > d) {
			if (s == pow10ull(p - 1)) {
				alt_s = pow10ull(p) - 1;
				alt_q = q - 1;
			} else {
				alt_s = s - 1;
				alt_q = q;
			}
		} else {
			alt_s = s + 1;
			alt_q = q;
		}
		if (round_trips(alt_s, alt_q, d)) {
			s = alt_s;
			q = alt_q;
			break;
		}
	}
	while (s != 0 && s % 10 == 0) {
		s /= 10;
		q++;
	}
	*q_out = q;
	return snprintf(digits, 24, "%llu", s);
}

/* Writes a finite double as ECMAScript Number.prototype.toString does. */
static int put_real(struct rl_buf *b, double d)
{
	char digits[24];
	int k, n, q, e, i;

	if (d == 0)   /* also -0 */
		return rl_buf_putc(b, '0');
	if (d < 0) {
		if (rl_buf_putc(b, '-') < 0)
			return -1;
		d = -d;
	}
	k = shortest_digits(d, digits, &q);
	n = q + k; /* d = 0.digits x 10^n */
	if (k <= n && n <= 21) {
		if (rl_buf_add(b, digits, (size_t)k) < 0)
			return -1;
		for (i = k; i < n; i++)
			if (rl_buf_putc(b, '0') < 0)
				return -1;
		return 0;
	}
	if (0 < n && n <= 21)
		return rl_buf_printf(b, "%.*s.%s", n, digits, digits + n);
	if (-6 < n && n <= 0) {
		if (rl_buf_puts(b, "0.") < 0)
			return -1;
		for (i = n; i < 0; i++)
			if (rl_buf_putc(b, '0') < 0)
				return -1;
		return rl_buf_add(b, digits, (size_t)k);
	}
	e = n - 1;
	if (k == 1)
		return rl_buf_printf(b, "%ce%c%d", digits[0], e < 0 ? '-' : '+', abs(e));
	return rl_buf_printf(b, "%c.%se%c%d", digits[0], digits + 1, e < 0 ? '-' : '+', abs(e));
}

static int jcs_object(struct rl_buf *b, const json_t *obj, int depth, struct rl_error *err)
{
	json_t *o = (json_t *)obj; /* jansson's iterators are not const-correct */
	struct jcs_member *m = NULL;
	size_t n = json_object_size(o), i = 0;
	void *it;
	int ret = -1;

	if (n) {
		m = calloc(n, sizeof(*m));
		if (!m)
			return fail_limit(err);
	}
	for (it = json_object_iter(o); it && i < n; it = json_object_iter_next(o, it), i++) {
		m[i].name = json_object_iter_key(it);
		m[i].len = json_object_iter_key_len(it);
		m[i].value = json_object_iter_value(it);
		if (!utf8_valid(m[i].name, m[i].len)) {
			rl_error_set(err, RL_E_INVALID, JCS_TYPE, JCS_TITLE,
				     "a member name is not valid UTF-8");
			goto out;
		}
	}
	n = i;
	if (n > 1)
		qsort(m, n, sizeof(*m), member_cmp);
	if (rl_buf_putc(b, '{') < 0)
		goto out_limit;
	for (i = 0; i < n; i++) {
		if (i && rl_buf_putc(b, ',') < 0)
			goto out_limit;
		if (put_string(b, m[i].name, m[i].len) < 0 || rl_buf_putc(b, ':') < 0)
			goto out_limit;
		if (jcs_value(b, m[i].value, depth + 1, err) < 0)
			goto out;
	}
	if (rl_buf_putc(b, '}') < 0)
		goto out_limit;
	ret = 0;
	goto out;
out_limit:
	fail_limit(err);
out:
	free(m);
	return ret;
}

static int jcs_value(struct rl_buf *b, const json_t *v, int depth, struct rl_error *err)
{
	size_t i, n;
	json_int_t iv;
	double d;

	if (!v)
		return rl_error_set(err, RL_E_INTERNAL, JCS_TYPE, JCS_TITLE, "the value is missing");
	if (depth > RL_JCS_MAX_DEPTH)
		return rl_error_set(err, RL_E_INVALID, JCS_TYPE, JCS_TITLE,
				    "the value is nested more than %d levels deep", RL_JCS_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return jcs_object(b, v, depth, err);
	case JSON_ARRAY:
		n = json_array_size(v);
		if (rl_buf_putc(b, '[') < 0)
			return fail_limit(err);
		for (i = 0; i < n; i++) {
			if (i && rl_buf_putc(b, ',') < 0)
				return fail_limit(err);
			if (jcs_value(b, json_array_get(v, i), depth + 1, err) < 0)
				return -1;
		}
		return rl_buf_putc(b, ']') < 0 ? fail_limit(err) : 0;
	case JSON_STRING:
		if (!utf8_valid(json_string_value(v), json_string_length(v)))
			return rl_error_set(err, RL_E_INVALID, JCS_TYPE, JCS_TITLE,
					    "a string is not valid UTF-8");
		if (put_string(b, json_string_value(v), json_string_length(v)) < 0)
			return fail_limit(err);
		return 0;
	case JSON_INTEGER:
		iv = json_integer_value(v);
		if (iv > RL_JCS_MAX_SAFE_INTEGER || iv < -RL_JCS_MAX_SAFE_INTEGER)
			return rl_error_set(err, RL_E_INVALID, JCS_TYPE, JCS_TITLE,
					    "the integer %lld is outside the range an IEEE double holds exactly (magnitude at most 2^53-1)",
					    (long long)iv);
		return rl_buf_printf(b, "%lld", (long long)iv) < 0 ? fail_limit(err) : 0;
	case JSON_REAL:
		d = json_real_value(v);
		if (!isfinite(d))
			return rl_error_set(err, RL_E_INVALID, JCS_TYPE, JCS_TITLE,
					    "a real is NaN or infinite");
		return put_real(b, d) < 0 ? fail_limit(err) : 0;
	case JSON_TRUE:
		return rl_buf_puts(b, "true") < 0 ? fail_limit(err) : 0;
	case JSON_FALSE:
		return rl_buf_puts(b, "false") < 0 ? fail_limit(err) : 0;
	case JSON_NULL:
		return rl_buf_puts(b, "null") < 0 ? fail_limit(err) : 0;
	}
	return rl_error_set(err, RL_E_INTERNAL, JCS_TYPE, JCS_TITLE, "unknown jansson type");
}

int rl_jcs_append(struct rl_buf *out, const json_t *value, struct rl_error *err)
{
	struct rl_buf tmp = RL_BUF_INIT;
	int ret = -1;

	/* Build aside so that a failure leaves out untouched. */
	if (jcs_value(&tmp, value, 0, err) < 0)
		goto out;
	if (rl_buf_add(out, tmp.data, tmp.len) < 0) {
		fail_limit(err);
		goto out;
	}
	ret = 0;
out:
	rl_buf_release(&tmp);
	return ret;
}

char *rl_jcs_string(const json_t *value, size_t *len, struct rl_error *err)
{
	struct rl_buf b = RL_BUF_INIT;

	if (jcs_value(&b, value, 0, err) < 0) {
		rl_buf_release(&b);
		return NULL;
	}
	return rl_buf_detach(&b, len);
}

/* ---------------------------------------------------------------- canonical text, parsed in one pass */

/*
 * rl_jcs_parse_canonical: a recursive descent that accepts only what
 * jcs_value writes.  Whatever it cannot prove canonical it gives up on
 * (NULL), and the caller's two-pass check has the last word.
 */
struct canon {
	const unsigned char *p, *end;
	struct rl_buf scratch; /* a string's decoded bytes, when it has escapes */
};

static json_t *canon_value(struct canon *c, int depth);

/* The end of a run of literal characters at p (valid UTF-8 from U+0020, not '"' or '\\'); NULL at invalid UTF-8. */
static const unsigned char *literal_run(const unsigned char *p, const unsigned char *end)
{
	while (p < end && *p >= 0x20 && *p != '"' && *p != '\\') {
		if (*p < 0x80) {
			p++;
		} else {
			size_t i = 0;
			uint32_t cp;
			if (utf8_next(p, (size_t)(end - p), &i, &cp) < 0)
				return NULL;
			p += i;
		}
	}
	return p;
}

/*
 * A string at c->p (its opening quote), as jcs put_string writes it:
 * literal valid UTF-8 from U+0020 except '"' and '\', the two-character
 * escapes, \u00xx (lowercase) for the other controls.  Sets *s and *len
 * to its decoded bytes (in the text when it has no escape, else in
 * c->scratch) and *escaped; -1 when it is not so (or holds U+0000, which
 * jansson refuses).
 */
static int canon_string(struct canon *c, const char **s, size_t *len, int *escaped)
{
	const unsigned char *p = c->p + 1, *start = p;

	*escaped = 0;
	if (!(p = literal_run(p, c->end)) || p >= c->end || *p < 0x20)
		return -1;
	if (*p == '"') {
		*s = (const char *)start;
		*len = (size_t)(p - start);
		c->p = p + 1;
		return 0;
	}
	*escaped = 1;
	rl_buf_reset(&c->scratch);
	if (rl_buf_add(&c->scratch, start, (size_t)(p - start)) < 0)
		return -1;
	for (;;) {
		const unsigned char *run = p;
		char ch;

		if (!(p = literal_run(p, c->end)))
			return -1;
		if (rl_buf_add(&c->scratch, run, (size_t)(p - run)) < 0 || p >= c->end || *p < 0x20)
			return -1;
		if (*p == '"')
			break;
		if (c->end - p < 2)
			return -1;
		switch (p[1]) {
		case '"': ch = '"'; break;
		case '\\': ch = '\\'; break;
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'u': {
			/* Only \u00xx, lowercase, for a control with no short escape; not U+0000. */
			unsigned hi, lo;
			if (c->end - p < 6 || p[2] != '0' || p[3] != '0' || (p[4] != '0' && p[4] != '1'))
				return -1;
			hi = (unsigned)(p[4] - '0');
			if (p[5] >= '0' && p[5] <= '9')
				lo = (unsigned)(p[5] - '0');
			else if (p[5] >= 'a' && p[5] <= 'f')
				lo = (unsigned)(p[5] - 'a' + 10);
			else
				return -1;
			ch = (char)(hi * 16 + lo);
			if (ch == 0 || ch == '\b' || ch == '\f' || ch == '\n' || ch == '\r' || ch == '\t')
				return -1;
			p += 4; /* and 2 below */
			break;
		}
		default:
			return -1;
		}
		if (rl_buf_putc(&c->scratch, ch) < 0)
			return -1;
		p += 2;
	}
	*s = c->scratch.data ? c->scratch.data : "";
	*len = c->scratch.len;
	c->p = p + 1;
	return 0;
}

/* Names of valid UTF-8 (no escapes), as arrays of UTF-16 code units: <0, 0, >0. */
static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct jcs_member x = { a, alen, NULL }, y = { b, blen, NULL };
	size_t i = 0;

	/* The common prefix of bytes sorts the same whatever the units; then the code points decide. */
	while (i < alen && i < blen && a[i] == b[i] && (unsigned char)a[i] < 0x80)
		i++;
	if (i < alen && i < blen && (unsigned char)a[i] < 0x80 && (unsigned char)b[i] < 0x80)
		return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
	return member_cmp(&x, &y);
}

static json_t *canon_object(struct canon *c, int depth)
{
	json_t *o = json_object(), *v;
	const char *prev = NULL, *name;
	size_t prev_len = 0, len;
	int escaped;

	if (!o)
		return NULL;
	c->p++; /* '{' */
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return o;
	}
	for (;;) {
		if (c->p >= c->end || *c->p != '"' || canon_string(c, &name, &len, &escaped) < 0 || escaped)
			goto bad;
		/* Strictly after the name before it: sorted, and no name twice. */
		if (prev && name_cmp(prev, prev_len, name, len) >= 0)
			goto bad;
		if (c->p >= c->end || *c->p != ':')
			goto bad;
		c->p++;
		if (!(v = canon_value(c, depth + 1)) || json_object_setn_new_nocheck(o, name, len, v) < 0)
			goto bad;
		prev = name;
		prev_len = len;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return o;
		}
		goto bad;
	}
bad:
	json_decref(o);
	return NULL;
}

static json_t *canon_array(struct canon *c, int depth)
{
	json_t *a = json_array(), *v;

	if (!a)
		return NULL;
	c->p++; /* '[' */
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return a;
	}
	for (;;) {
		if (!(v = canon_value(c, depth + 1)) || json_array_append_new(a, v) < 0)
			break;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			return a;
		}
		break;
	}
	json_decref(a);
	return NULL;
}

/* An integer as "%lld" writes one of magnitude at most 2^53-1; anything else (a real, -0, 01) is left to the two passes. */
static int canon_int(struct canon *c, int64_t *out)
{
	const unsigned char *p = c->p;
	int neg = 0, digits = 0;
	int64_t v = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p >= c->end || *p < '0' || *p > '9' || (*p == '0' && neg))
		return -1;
	if (*p == '0') {
		p++;
		digits = 1;
	} else {
		while (p < c->end && *p >= '0' && *p <= '9' && digits < 17) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
	}
	if (digits > 16 || v > RL_JCS_MAX_SAFE_INTEGER)
		return -1;
	if (p < c->end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E'))
		return -1;
	c->p = p;
	*out = neg ? -v : v;
	return 0;
}

static json_t *canon_number(struct canon *c)
{
	int64_t v;

	return canon_int(c, &v) < 0 ? NULL : json_integer((json_int_t)v);
}

static json_t *canon_word(struct canon *c, const char *w, size_t n, json_t *v)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return NULL;
	c->p += n;
	return v;
}

static json_t *canon_value(struct canon *c, int depth)
{
	const char *s;
	size_t len;
	int escaped;

	if (depth > RL_JCS_MAX_DEPTH || c->p >= c->end)
		return NULL;
	switch (*c->p) {
	case '{':
		return canon_object(c, depth);
	case '[':
		return canon_array(c, depth);
	case '"':
		if (canon_string(c, &s, &len, &escaped) < 0)
			return NULL;
		return json_stringn_nocheck(s, len);
	case 't':
		return canon_word(c, "true", 4, json_true());
	case 'f':
		return canon_word(c, "false", 5, json_false());
	case 'n':
		return canon_word(c, "null", 4, json_null());
	default:
		return canon_number(c);
	}
}

json_t *rl_jcs_parse_canonical(const char *text, size_t len)
{
	struct canon c = { (const unsigned char *)text, (const unsigned char *)text + len, RL_BUF_INIT };
	json_t *v = NULL;

	/* jansson's json_loadb takes an object or an array at the top, nothing else. */
	if (len && (text[0] == '{' || text[0] == '['))
		v = canon_value(&c, 0);
	if (v && c.p != c.end) {
		json_decref(v);
		v = NULL;
	}
	rl_buf_release(&c.scratch);
	return v;
}

/* ---------------------------------------------------------------- the same, into a flat tree */

/*
 * rl_jcs_scan_canonical: canon_value's grammar and checks exactly, each
 * value a node of f->node instead of a jansson value (no allocation per
 * value once the arrays have grown).
 */
static int flat_node(struct rl_jcs_flat *f, int type, size_t name, size_t name_len)
{
	struct rl_jcs_node *n;

	if (f->n >= INT32_MAX)
		return -1;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 32;
		struct rl_jcs_node *more = realloc(f->node, cap * sizeof(*more));
		if (!more)
			return -1;
		f->node = more;
		f->cap = cap;
	}
	n = &f->node[f->n];
	memset(n, 0, sizeof(*n));
	n->type = (uint8_t)type;
	n->name = (uint32_t)name;
	n->name_len = (uint32_t)name_len;
	return (int)f->n++;
}

/* Copies a string's decoded bytes and a NUL into f->text; its offset, or -1. */
static long flat_text(struct rl_jcs_flat *f, const char *s, size_t len)
{
	size_t at = f->text.len;

	if (at > UINT32_MAX / 2 || rl_buf_add(&f->text, s, len) < 0 || rl_buf_putc(&f->text, '\0') < 0)
		return -1;
	return (long)at;
}

static int flat_value(struct canon *c, struct rl_jcs_flat *f, int depth, size_t name, size_t name_len);

/*
 * After a member or element: links child after *last under self, then
 * reads ',' (1: another follows) or the closing byte (0: self is done);
 * anything else is -1.
 */
static int flat_member_end(struct canon *c, struct rl_jcs_flat *f, int self, int *last, int child, char close)
{
	if (*last < 0)
		f->node[self].first = (uint32_t)child;
	else
		f->node[*last].next = (uint32_t)child;
	*last = child;
	f->node[self].count++;
	if (c->p < c->end && *c->p == ',') {
		c->p++;
		return 1;
	}
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return 0;
	}
	return -1;
}

static int flat_object(struct canon *c, struct rl_jcs_flat *f, int depth, int self)
{
	const char *prev = NULL, *nm;
	size_t prev_len = 0, len;
	int escaped, last = -1, rc;
	long at;

	c->p++; /* '{' */
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return 0;
	}
	for (;;) {
		int child;

		if (c->p >= c->end || *c->p != '"' || canon_string(c, &nm, &len, &escaped) < 0 || escaped)
			return -1;
		if (prev && name_cmp(prev, prev_len, nm, len) >= 0)
			return -1;
		if (c->p >= c->end || *c->p != ':' || (at = flat_text(f, nm, len)) < 0)
			return -1;
		c->p++;
		prev = nm; /* an unescaped name is in the text itself, which stays */
		prev_len = len;
		if ((child = flat_value(c, f, depth + 1, (size_t)at, len)) < 0)
			return -1;
		if ((rc = flat_member_end(c, f, self, &last, child, '}')) <= 0)
			return rc;
	}
}

static int flat_array(struct canon *c, struct rl_jcs_flat *f, int depth, int self)
{
	int last = -1, rc;

	c->p++; /* '[' */
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return 0;
	}
	for (;;) {
		int child = flat_value(c, f, depth + 1, 0, 0);

		if (child < 0)
			return -1;
		if ((rc = flat_member_end(c, f, self, &last, child, ']')) <= 0)
			return rc;
	}
}

static int flat_word(struct canon *c, const char *w, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

/* The value at c->p as a node named (name, name_len) (0, 0 for an item); its index, or -1. */
static int flat_value(struct canon *c, struct rl_jcs_flat *f, int depth, size_t name, size_t name_len)
{
	const char *s;
	size_t len;
	int escaped, self, rc;
	int64_t v;
	long at;

	if (depth > RL_JCS_MAX_DEPTH || c->p >= c->end)
		return -1;
	switch (*c->p) {
	case '{':
		if ((self = flat_node(f, RL_JCS_OBJECT, name, name_len)) < 0)
			return -1;
		rc = flat_object(c, f, depth, self);
		break;
	case '[':
		if ((self = flat_node(f, RL_JCS_ARRAY, name, name_len)) < 0)
			return -1;
		rc = flat_array(c, f, depth, self);
		break;
	case '"':
		if (canon_string(c, &s, &len, &escaped) < 0 || (at = flat_text(f, s, len)) < 0 ||
		    (self = flat_node(f, RL_JCS_STRING, name, name_len)) < 0)
			return -1;
		f->node[self].str = (uint32_t)at;
		f->node[self].len = (uint32_t)len;
		return self;
	case 't':
		return flat_word(c, "true", 4) < 0 ? -1 : flat_node(f, RL_JCS_TRUE, name, name_len);
	case 'f':
		return flat_word(c, "false", 5) < 0 ? -1 : flat_node(f, RL_JCS_FALSE, name, name_len);
	case 'n':
		return flat_word(c, "null", 4) < 0 ? -1 : flat_node(f, RL_JCS_NULL, name, name_len);
	default:
		if (canon_int(c, &v) < 0 || (self = flat_node(f, RL_JCS_INTEGER, name, name_len)) < 0)
			return -1;
		f->node[self].num = v;
		return self;
	}
	return rc < 0 ? -1 : self;
}

int rl_jcs_scan_canonical(const char *text, size_t len, struct rl_jcs_flat *f)
{
	struct canon c = { (const unsigned char *)text, (const unsigned char *)text + len, RL_BUF_INIT };
	int rc = -1;

	f->n = 0;
	rl_buf_reset(&f->text);
	if (len && (text[0] == '{' || text[0] == '[') && flat_value(&c, f, 0, 0, 0) == 0 && c.p == c.end)
		rc = 0;
	rl_buf_release(&c.scratch);
	if (rc < 0)
		f->n = 0;
	return rc;
}

void rl_jcs_flat_release(struct rl_jcs_flat *f)
{
	free(f->node);
	f->node = NULL;
	f->n = f->cap = 0;
	rl_buf_release(&f->text);
}

int rl_jcs_flat_get(const struct rl_jcs_flat *f, int object, const char *name)
{
	size_t nlen = strlen(name);

	if (object < 0 || (size_t)object >= f->n || f->node[object].type != RL_JCS_OBJECT)
		return -1;
	for (uint32_t i = f->node[object].first, k = 0; k < f->node[object].count; i = f->node[i].next, k++)
		if (f->node[i].name_len == nlen && memcmp(f->text.data + f->node[i].name, name, nlen) == 0)
			return (int)i;
	return -1;
}
