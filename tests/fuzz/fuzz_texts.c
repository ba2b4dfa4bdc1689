/*
 * fuzz_texts.c - the free text beside a statement (core/ledger/texts.h) on
 * arbitrary bytes: the input is read as {"statement":{...},"texts":{...}}
 * (as POST /signoffs and every export line give them).  rl_texts_check must
 * never crash; when it passes with every text given, rl_texts_open must
 * give a version 1 statement (an accreditation keeps its version) that rl_texts_seal, with the same salts, turns
 * back into exactly the statement given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/texts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	json_t *st = json_object_get(in, "statement"), *texts = json_object_get(in, "texts");
	char why[300];
	int erased = 0;

	if (json_is_object(st) && rl_texts_check(st, texts, &erased, why, sizeof(why)) == 0 && !erased) {
		json_t *opened = rl_texts_open(st, texts), *again, *salts = texts ? json_deep_copy(texts) : json_object();
		const char *type = json_string_value(json_object_get(st, "type"));
		/* An accreditation keeps its version (2 names its evidence, not a text). */
		json_int_t want_v = type && strcmp(type, "accreditation") == 0 ? json_integer_value(json_object_get(st, "v")) : 1;

		if (!opened || !salts || json_integer_value(json_object_get(opened, "v")) != want_v)
			abort();
		again = rl_texts_seal(opened, salts);
		/* A version 1 statement seals to itself only when it embeds no free text. */
		if (json_integer_value(json_object_get(st, "v")) == 2 && !json_equal(again, st))
			abort();
		json_decref(again);
		json_decref(salts);
		json_decref(opened);
	}
	json_decref(in);
	return 0;
}
