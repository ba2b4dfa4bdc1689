/*
 * fuzz_recompute.c - raslog audit's reading of a ledger export
 * (core/domain/recompute.c) on arbitrary bytes: it must never crash and,
 * for input it can read, return a document whose every trainee has either
 * a report or an error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "domain/recompute.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	FILE *in = size ? fmemopen((void *)data, size, "r") : NULL;
	json_t *out, *t;
	size_t i;

	if (!in)
		return 0;
	out = rl_recompute_export(in, "2026-06-01", &err);
	fclose(in);
	if (!out)
		abort();
	json_array_foreach(json_object_get(out, "trainees"), i, t)
		if (!json_object_get(t, "report") && !json_object_get(t, "error"))
			abort();
	json_decref(out);
	rl_error_clear(&err);
	return 0;
}
