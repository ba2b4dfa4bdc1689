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
 * It is checked twice, as for `raslog audit` (the statement as JSON) and
 * as for `raslog verify` (a session sign-off read typed, with no JSON
 * value): the same reason or none, index, leaf, texts and record.
 * (rl_verify_export itself is left out: its two batches of 2,048 entries
 * made a run cost more than the checks.)
 */
#include "../../core/ledger/verify.c"
#include "stmt_same.h"

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

	if (sodium_init() < 0 || !(e = calloc(2, sizeof(*e))) || !(e[0].line = malloc(size ? size : 1)) ||
	    !(e[1].line = malloc(size ? size : 1))) {
		if (e)
			free(e[0].line);
		free(e);
		return 0;
	}
	/* Stage 1 both ways: with the statement as JSON (e[0]) and typed where it can be (e[1]), one answer. */
	for (int k = 0; k < 2; k++) {
		memcpy(e[k].line, data, size);
		e[k].len = size;
		e[k].msg = (struct rl_buf)RL_BUF_INIT;
		e[k].flat = (struct rl_jcs_flat)RL_JCS_FLAT_INIT;
		check_entry(&e[k], &e[k].msg, k);
	}
	if (e[0].why[0] ? e[0].stmt != NULL : !e[0].redacted && !e[0].stmt)
		abort();
	if (strcmp(e[0].why, e[1].why) != 0 || e[0].index != e[1].index || e[0].redacted != e[1].redacted ||
	    e[0].texts != e[1].texts || e[0].erased != e[1].erased || e[0].typed ||
	    (e[1].typed ? e[1].stmt != NULL : e[0].why[0] == '\0' && !e[0].redacted && !e[1].stmt) ||
	    (!e[0].why[0] && (memcmp(e[0].leaf, e[1].leaf, 32) != 0 || (!e[0].redacted && !stmt_same(&e[0].st, &e[1].st)))))
		abort();
	for (int k = 0; k < 2; k++) {
		json_decref(e[k].stmt);
		free(e[k].line);
		rl_buf_release(&e[k].msg);
		rl_jcs_flat_release(&e[k].flat);
	}
	free(e);
	return 0;
}
