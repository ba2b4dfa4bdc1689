/*
 * fuzz_jcs.c - the one-pass canonical parse (core/ledger/jcs.c
 * rl_jcs_parse_canonical) held to the two-pass answer on any input: when
 * it returns a value, jansson parses the same text to an equal value and
 * the canonical form of that value is the text byte for byte.  When it
 * declines, the two passes (the verifier's fallback) decide; then a text
 * that is canonical by the two passes but declined must hold something
 * the one pass leaves to them (a real, an escape in a member name, a
 * \u0000, nesting past the limit).  Canonicalising never crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/jcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Something the one pass does not prove: a real, an escaped member name or a deep nesting. */
static int declinable(const json_t *v, int depth)
{
	const char *k;
	json_t *m;
	size_t i;

	if (depth > RL_JCS_MAX_DEPTH || json_is_real(v))
		return 1;
	if (json_is_string(v))
		return memchr(json_string_value(v), '\0', json_string_length(v)) != NULL;
	json_object_foreach((json_t *)v, k, m) {
		for (const char *c = k; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == '"' || *c == '\\')
				return 1;
		if (declinable(m, depth + 1))
			return 1;
	}
	json_array_foreach(v, i, m)
		if (declinable(m, depth + 1))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *fast = rl_jcs_parse_canonical((const char *)data, size);
	json_t *slow = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	size_t len = 0;
	char *canon = slow ? rl_jcs_string(slow, &len, &err) : NULL;
	int canonical = canon && len == size && memcmp(canon, data, size) == 0;

	rl_error_clear(&err);
	if (fast && (!slow || !json_equal(fast, slow) || !canonical))
		abort(); /* a value for text that is not canonical, or not the value jansson reads */
	if (!fast && canonical && !declinable(slow, 0))
		abort(); /* canonical, nothing the one pass leaves to the two, and declined */
	free(canon);
	json_decref(fast);
	json_decref(slow);
	return 0;
}
