/*
 * fuzz_jsonin.c - the strict JSON parser and JCS on arbitrary bytes.
 * rl_json_parse must never crash; when it accepts the input and JCS can
 * canonicalise the value, JCS's output must parse again and canonicalise
 * to the same bytes: JCS(parse(JCS(x))) == JCS(x).
 *
 * Known exception (found by this target, reported, not fixed here): a
 * real that is integral and at least 2^53 in magnitude (1e19, 9.007199254741e15)
 * canonicalises, as ECMAScript does, to bare digits ("10000000000000000000");
 * parsed again that is an integer, which rl_json_parse refuses beyond
 * int64 and rl_jcs_* refuses beyond 2^53.  Such values skip the round
 * trip; everything else must be idempotent.
 *
 * The same bytes, as a C string, also go through the free-text and date
 * checks every outside string meets (rl_text_has_nhs_number,
 * rl_json_check_date): they must not crash, and a string said to hold an
 * NHS number has at least ten digits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/jcs.h"
#include "base/jsonin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int has_big_integral_real(const json_t *v)
{
	const char *k;
	json_t *m;
	size_t i;

	if (json_is_real(v)) {
		double d = json_real_value(v);
		return (d >= 9007199254740992.0 || d <= -9007199254740992.0) &&
		       d > -1e21 && d < 1e21;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, m) if (has_big_integral_real(m)) return 1;
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, m) if (has_big_integral_real(m)) return 1;
	}
	return 0;
}

static void text_checks(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	char *s = malloc(size + 1);
	size_t i, digits = 0;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; s[i]; i++)
		digits += s[i] >= '0' && s[i] <= '9';
	if (rl_text_has_nhs_number(s) && digits < 10)
		abort();
	if (rl_json_check_free_text(s, "notes", &err) == 0 && rl_text_has_nhs_number(s))
		abort();
	rl_json_check_date(s, "date", RL_DATE_NOT_FUTURE, NULL, &err);
	rl_error_clear(&err);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *v, *w;
	char *c1, *c2;
	size_t n1, n2;

	text_checks(data, size);
	v = rl_json_parse((const char *)data, size, &err);

	if (!v) {
		if (!err.status)
			abort(); /* a refusal must say why */
		rl_error_clear(&err);
		return 0;
	}
	c1 = rl_jcs_string(v, &n1, &err);
	if (c1 && has_big_integral_real(v)) {
		json_decref(v);
		free(c1);
		return 0;
	}
	json_decref(v);
	if (!c1) {
		rl_error_clear(&err);
		return 0;
	}
	if (strlen(c1) != n1)
		abort();
	w = rl_json_parse(c1, n1, &err);
	if (!w)
		abort(); /* canonical output must be strict JSON */
	c2 = rl_jcs_string(w, &n2, &err);
	if (!c2 || n1 != n2 || memcmp(c1, c2, n1) != 0)
		abort(); /* not idempotent */
	json_decref(w);
	free(c1);
	free(c2);
	rl_error_clear(&err);
	return 0;
}
