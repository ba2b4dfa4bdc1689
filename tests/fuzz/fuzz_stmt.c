/*
 * fuzz_stmt.c - the typed reader of signed statements (core/ledger/stmt.c)
 * on any JSON.  It must never crash, and what it says must hold: a
 * statement it reads (0) has a known kind whose name is its "type", a
 * person's has a signer, a key and a time, every string it hands out
 * points into the statement; one it refuses (-1) has at least one field
 * error and every field error is named under the path given.  Reading
 * the same statement again gives the same answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonin.h"
#include "ledger/kinds.h"
#include "ledger/stmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT, again = RL_ERROR_INIT;
	struct rl_statement s, t;
	json_t *in = rl_json_parse((const char *)data, size, &err);
	int rc;

	rl_error_clear(&err);
	if (!in)
		return 0;
	rc = rl_statement_read(in, "statement", &s, &err);
	if (rc == 0) {
		if (s.kind >= RL_K_COUNT || !s.type || strcmp(s.type, rl_kinds[s.kind].name) != 0 || err.nfields)
			abort();
		if (s.v != 1 && s.v != 2)
			abort();
		if (!s.by_log && (s.signer < 1 || !s.key || !s.signed_at))
			abort();
		if (s.type != json_string_value(json_object_get(in, "type")))
			abort();
		if (s.supersedes < -1)
			abort();
	} else {
		if (rc != -1 || err.nfields < 1)
			abort();
		for (int i = 0; i < err.nfields; i++)
			if (strncmp(err.fields[i].field, "statement", 9) != 0)
				abort();
	}
	/* The verifier's reading: the same answer, the paths without the prefix. */
	if (rl_statement_read(in, NULL, &t, &again) != rc || t.kind != s.kind || t.subject != s.subject ||
	    (rc && again.nfields != err.nfields))
		abort();
	rl_error_clear(&err);
	rl_error_clear(&again);
	json_decref(in);
	return 0;
}
