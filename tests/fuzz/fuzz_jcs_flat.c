/*
 * fuzz_jcs_flat.c - the verifier's typed reading of a statement (no
 * jansson value) held to the JSON reading on any input.  The input is a
 * statement's text, then optionally a newline and the "texts" member's
 * JSON.
 *
 *   - rl_jcs_scan_canonical accepts exactly what rl_jcs_parse_canonical
 *     accepts, and its flat tree holds the same values (types, names in
 *     order, strings byte for byte, integers);
 *   - rl_texts_check_flat passes exactly when rl_texts_check passes on
 *     the parsed statement and the same texts, with the same erased count;
 *   - when rl_statement_read_flat reads the statement, rl_statement_read
 *     reads it without a problem into the same record; and it declines a
 *     session sign-off that rl_statement_read takes only for what it
 *     leaves to the JSON way (a null member, "issuer").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/jcs.h"
#include "ledger/stmt.h"
#include "ledger/texts.h"
#include "flat_same.h"
#include "stmt_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What rl_statement_read_flat leaves to the JSON way: a null member of the statement or its session, issuer. */
static int left_to_json(const json_t *st)
{
	const json_t *s = json_object_get(st, "session");
	const char *k;
	json_t *m;

	if (json_object_get(st, "issuer"))
		return 1;
	json_object_foreach((json_t *)st, k, m)
		if (json_is_null(m))
			return 1;
	json_object_foreach((json_t *)s, k, m)
		if (json_is_null(m))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rl_jcs_flat f = RL_JCS_FLAT_INIT; /* kept from input to input, as the verifier keeps it */
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl ? (size_t)(nl - data) : size;
	json_t *texts = nl ? json_loadb((const char *)nl + 1, size - len - 1, JSON_REJECT_DUPLICATES, NULL) : NULL;
	json_t *slow = rl_jcs_parse_canonical((const char *)data, len);
	int scanned = rl_jcs_scan_canonical((const char *)data, len, &f) == 0;

	if (scanned != (slow != NULL) || (scanned && !flat_same(&f, 0, slow)))
		abort();
	if (scanned && json_is_object(slow)) {
		struct rl_statement a, b;
		struct rl_error err = RL_ERROR_INIT;
		char why[300];
		int e1 = -1, e2 = -2, flat_texts = rl_texts_check_flat(&f, texts, &e1);
		int json_texts = rl_texts_check(slow, texts, &e2, why, sizeof(why)) == 0;
		int flat_read = rl_statement_read_flat(&f, &a), json_read = rl_statement_read(slow, NULL, &b, &err) == 0;

		if (flat_texts != json_texts || (flat_texts && e1 != e2))
			abort();
		if (flat_read && (!json_read || !stmt_same(&a, &b) || a.json || b.json != slow))
			abort();
		if (!flat_read && json_read && b.kind == RL_K_SESSION && !left_to_json(slow))
			abort(); /* a session sign-off the typed reader should have taken */
		rl_error_clear(&err);
	}
	json_decref(slow);
	json_decref(texts);
	return 0;
}
