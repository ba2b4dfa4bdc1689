/*
 * jcs.h - RFC 8785 JSON Canonicalization Scheme over jansson values.
 *
 * The bytes raslog signs are "RASLOG-STATEMENT-v1\n" || JCS(statement), so
 * this serialiser must agree byte for byte with every other JCS
 * implementation (tests/js/jcs-cross.mjs checks it against the npm
 * package "canonicalize").  jansson's JSON_SORT_KEYS output is not JCS: it
 * sorts keys by bytes rather than UTF-16 code units and formats numbers
 * differently.
 *
 * The rules, as RFC 8785 and ECMAScript JSON.stringify give them:
 *   - no whitespace anywhere;
 *   - object members sorted by name, names compared as arrays of UTF-16
 *     code units (so U+10000..U+10FFFF sort before U+E000..U+FFFF);
 *   - strings escaped as \" \\ \b \f \n \r \t, other code points below
 *     U+0020 as \u00xx (lowercase hex), everything else as literal UTF-8;
 *   - integers in plain decimal; reals as Number.prototype.toString
 *     (shortest round-trip digits, ES exponent rules, -0 as 0).
 *
 * A value cannot be canonicalised, and the functions fail with type
 * "not-canonicalisable", if it holds an integer whose magnitude exceeds
 * 2^53-1 (it would not survive an IEEE double), a NaN or infinite real, a
 * string or member name that is not valid UTF-8, nesting deeper than
 * RL_JCS_MAX_DEPTH (which also stops reference cycles), or if the output
 * would pass the buffer's limit.
 */
#ifndef RASLOG_JCS_H
#define RASLOG_JCS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"

/* Nesting beyond this many arrays/objects is refused. */
#define RL_JCS_MAX_DEPTH 256
/* The largest integer magnitude JCS accepts: 2^53 - 1. */
#define RL_JCS_MAX_SAFE_INTEGER 9007199254740991LL

/*
 * Appends the canonical form of value to out.  Returns 0, or -1 with err
 * set; on failure out is left exactly as it was.
 */
int rl_jcs_append(struct rl_buf *out, const json_t *value, struct rl_error *err);

/*
 * Returns the canonical form of value as a malloc'd NUL-terminated string
 * (the caller frees it) and its length in *len (len may be NULL).
 * Returns NULL with err set on failure.
 */
char *rl_jcs_string(const json_t *value, size_t *len, struct rl_error *err);

/*
 * Parses text[0..len) in one pass when it is already in canonical form,
 * proving that as it goes: returns the parsed value (the caller decrefs
 * it), the same value json_loadb(text, len, JSON_REJECT_DUPLICATES)
 * gives, and then rl_jcs_string of it is exactly text.  Returns NULL
 * when the text is not canonical, does not parse, or is canonical in a
 * way this single pass does not prove (a real number, an escape in a
 * member name, an integer beyond 2^53-1, nesting past RL_JCS_MAX_DEPTH, a
 * "\u0000"): the caller then parses it with jansson, canonicalises
 * that with rl_jcs_string and compares, which also says why it is not.
 * It never returns a value for text that is not canonical.  The
 * verifier's fast path (ledger/verify.c); tests/fuzz/fuzz_jcs.c holds
 * it to the two-pass answer on any input.
 */
json_t *rl_jcs_parse_canonical(const char *text, size_t len);

/*
 * The same one pass into a flat tree instead of jansson values, for a
 * reader that only looks (the verifier's typed reader, ledger/stmt.h):
 * no allocation per value once f's arrays have grown.  Node 0 is the
 * top value; an object's or array's members / items are the chain from
 * .first along .next (.count of them), in the text's order; every name
 * and string is decoded, NUL-terminated, at its offset in f->text.
 * Returns 0 exactly when rl_jcs_parse_canonical(text, len) gives a value
 * (and the tree holds the same values), -1 otherwise (f then holds no
 * node).  tests/fuzz/fuzz_jcs_flat.c holds it to rl_jcs_parse_canonical.
 */
enum rl_jcs_type { RL_JCS_OBJECT = 1, RL_JCS_ARRAY, RL_JCS_STRING, RL_JCS_INTEGER, RL_JCS_TRUE, RL_JCS_FALSE, RL_JCS_NULL };

struct rl_jcs_node {
	uint8_t type;            /* enum rl_jcs_type */
	uint32_t first, next;    /* first member / item (OBJECT, ARRAY); the next one of the same parent (0: none) */
	uint32_t count;          /* members / items (OBJECT, ARRAY) */
	uint32_t name, name_len; /* a member's name: offset in text, length (0, 0 for an item or the top) */
	uint32_t str, len;       /* STRING: offset in text, length in bytes */
	int64_t num;             /* INTEGER */
};

struct rl_jcs_flat {
	struct rl_jcs_node *node;
	size_t n, cap;
	struct rl_buf text;      /* names and strings; initialise with RL_BUF_INIT */
};

#define RL_JCS_FLAT_INIT { NULL, 0, 0, RL_BUF_INIT }

int rl_jcs_scan_canonical(const char *text, size_t len, struct rl_jcs_flat *f);
/* The member name of object node object: its node, or -1 (none, or object is no object). */
int rl_jcs_flat_get(const struct rl_jcs_flat *f, int object, const char *name);
/* Frees f's arrays (f can be used again). */
void rl_jcs_flat_release(struct rl_jcs_flat *f);

#endif
