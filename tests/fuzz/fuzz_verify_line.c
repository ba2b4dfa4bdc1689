/*
 * fuzz_verify_line.c - the offline verifier (core/ledger/verify.c) on any
 * input, and its one-pass reading of an export line held to jansson's.
 * verify.c is included so that its static fast_line is reachable.
 *
 * When fast_line accepts the input as the server's line shape, jansson
 * (as the verifier's other path calls it) must read the same object:
 * exactly "index" (that non-negative integer), "message" (those bytes),
 * "public_key" and "signature" (those strings), and "texts" (an equal
 * value) when fast_line found it.  The input is then checked as one
 * entry (stage 1, check_entry: either reading, the signature, the
 * canonical form, the texts, the typed members): it must never crash, and
 * an entry it passes has a statement, one it refuses a reason and none.
 * (rl_verify_export itself is left out: its two batches of 2,048 entries
 * made a run cost more than the checks.)
 */
#include "../../core/ledger/verify.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_buf msg = RL_BUF_INIT;
	struct line_view view;
	struct entry *e;

	if (fast_line((const char *)data, size, &view, &msg)) {
		json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL), *m;

		m = json_object_get(j, "message");
		if (!json_is_object(j) || json_object_size(j) != (view.texts ? 5u : 4u) ||
		    (view.texts && !json_equal(view.texts, json_object_get(j, "texts"))) ||
		    !json_is_integer(json_object_get(j, "index")) ||
		    json_integer_value(json_object_get(j, "index")) != view.index || !json_is_string(m) ||
		    json_string_length(m) != msg.len || memcmp(json_string_value(m), msg.data, msg.len) != 0 ||
		    !json_is_string(json_object_get(j, "public_key")) ||
		    strcmp(json_string_value(json_object_get(j, "public_key")), view.pk64) != 0 ||
		    !json_is_string(json_object_get(j, "signature")) ||
		    strcmp(json_string_value(json_object_get(j, "signature")), view.sig64) != 0)
			abort();
		json_decref(j);
		json_decref(view.texts);
	}
	rl_buf_release(&msg);

	if (sodium_init() < 0 || !(e = calloc(1, sizeof(*e))) || !(e->line = malloc(size ? size : 1))) {
		free(e);
		return 0;
	}
	memcpy(e->line, data, size);
	e->len = size;
	check_entry(e, &msg);
	if (e->why[0] ? e->stmt != NULL : !e->redacted && !e->stmt)
		abort();
	json_decref(e->stmt);
	free(e->line);
	free(e);
	rl_buf_release(&msg);
	return 0;
}
