/*
 * test_jcs.c - unit tests for core/ledger/jcs.c, the RFC 8785 serialiser.
 *
 * Expected outputs come from RFC 8785 (sections 3.2.2 and 3.2.3 and the
 * number samples of appendix B) and from node's JSON.stringify /
 * Number.prototype.toString.  tests/js/jcs-cross.mjs checks thousands more
 * values against the npm package "canonicalize".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "ledger/jcs.h"

#include "../fuzz/flat_same.h"

#include "base/banned.h"

/* Canonicalises v (stealing the reference) and compares with want. */
static void check_jcs(json_t *v, const char *want)
{
	struct rl_error err = RL_ERROR_INIT;
	size_t len = 0;
	char *got;

	assert_non_null(v);
	got = rl_jcs_string(v, &len, &err);
	if (!got)
		fail_msg("rl_jcs_string failed: %s", err.detail);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(got);
	json_decref(v);
}

/* Canonicalises text parsed by jansson and compares with want. */
static void check_text(const char *text, const char *want)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);

	if (!v)
		fail_msg("test input does not parse: %s", je.text);
	check_jcs(v, want);
}

/* Expects v (stolen) to be refused as not-canonicalisable. */
static void check_refused(json_t *v, enum rl_status status)
{
	struct rl_error err = RL_ERROR_INIT;
	char *got;

	assert_non_null(v);
	got = rl_jcs_string(v, NULL, &err);
	assert_null(got);
	assert_int_equal(err.status, status);
	assert_string_equal(err.type, "not-canonicalisable");
	assert_true(err.detail[0] != '\0');
	rl_error_clear(&err);
	json_decref(v);
}

static double from_bits(uint64_t bits)
{
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* RFC 8785 section 3.2.3. */
static void test_rfc_numbers_and_literals(void **state)
{
	check_text("{\n"
		   "  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
		   "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
		   "  \"literals\": [null, true, false]\n"
		   "}",
		   "{\"literals\":[null,true,false],"
		   "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
		   "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

/* RFC 8785 section 3.2.2: sorting by UTF-16 code units. */
static void test_rfc_sorting(void **state)
{
	check_text("{\n"
		   "  \"\\u20ac\": \"Euro Sign\",\n"
		   "  \"\\r\": \"Carriage Return\",\n"
		   "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
		   "  \"1\": \"One\",\n"
		   "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
		   "  \"\\u0080\": \"Control\",\n"
		   "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
		   "}",
		   "{\"\\r\":\"Carriage Return\","
		   "\"1\":\"One\","
		   "\"\xc2\x80\":\"Control\","
		   "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
		   "\"\xe2\x82\xac\":\"Euro Sign\","
		   "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
		   "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

/* Non-BMP sorts between U+D7FF and U+E000; prefixes sort first. */
static void test_utf16_order(void **state)
{
	json_t *o = json_object();

	json_object_set_new(o, "\xef\xbf\xbf", json_integer(1));     /* U+FFFF */
	json_object_set_new(o, "\xf4\x8f\xbf\xbf", json_integer(2)); /* U+10FFFF */
	json_object_set_new(o, "\xee\x80\x80", json_integer(3));     /* U+E000 */
	json_object_set_new(o, "\xf0\x90\x80\x80", json_integer(4)); /* U+10000 */
	json_object_set_new(o, "\xed\x9f\xbf", json_integer(5));     /* U+D7FF */
	json_object_set_new(o, "aa", json_integer(6));
	json_object_set_new(o, "a", json_integer(7));
	json_object_set_new(o, "", json_integer(8));
	json_object_set_new(o, "B", json_integer(9));
	check_jcs(o, "{\"\":8,\"B\":9,\"a\":7,\"aa\":6,"
		  "\"\xed\x9f\xbf\":5,\"\xf0\x90\x80\x80\":4,\"\xf4\x8f\xbf\xbf\":2,"
		  "\"\xee\x80\x80\":3,\"\xef\xbf\xbf\":1}");
}

/* Every C0 control, U+0000 included, and the other escapes. */
static void test_control_escapes(void **state)
{
	static const char *const want[32] = {
		"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
		"\\u0006", "\\u0007", "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r",
		"\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012", "\\u0013",
		"\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019",
		"\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
	};
	char s[3], expect[16];
	int c;

	for (c = 0; c < 32; c++) {
		s[0] = 'x';
		s[1] = (char)c;
		s[2] = 'y';
		snprintf(expect, sizeof(expect), "\"x%sy\"", want[c]);
		check_jcs(json_stringn(s, 3), expect);
	}
	check_jcs(json_string("\"\\/"), "\"\\\"\\\\/\"");
	/* DEL, C1 controls, U+2028 and non-BMP stay literal. */
	check_jcs(json_string("\x7f\xc2\x80\xc2\x9f\xe2\x80\xa8\xf0\x9f\x98\x80"),
		  "\"\x7f\xc2\x80\xc2\x9f\xe2\x80\xa8\xf0\x9f\x98\x80\"");
	check_jcs(json_string(""), "\"\"");
}

static void test_nested_and_empty(void **state)
{
	check_text("{}", "{}");
	check_text("[]", "[]");
	check_text("[{}, [], [[]], {\"a\": {}}]", "[{},[],[[]],{\"a\":{}}]");
	check_text("{ \"z\" : [ 1 , { \"y\" : null , \"x\" : [ true , \"s\" ] } ] , \"a\" : -5 }",
		   "{\"a\":-5,\"z\":[1,{\"x\":[true,\"s\"],\"y\":null}]}");
	check_text("\"top\"", "\"top\"");
	check_text("42", "42");
	check_text("null", "null");
	check_text("true", "true");
	check_text("false", "false");
}

static void test_integer_limits(void **state)
{
	check_jcs(json_integer(9007199254740991LL), "9007199254740991");
	check_jcs(json_integer(-9007199254740991LL), "-9007199254740991");
	check_jcs(json_integer(0), "0");
	check_jcs(json_integer(-1), "-1");
	check_refused(json_integer(9007199254740992LL), RL_E_INVALID);
	check_refused(json_integer(-9007199254740992LL), RL_E_INVALID);
	check_refused(json_integer(INT64_MAX), RL_E_INVALID);
	check_refused(json_integer(INT64_MIN), RL_E_INVALID);
	/* Deep inside a structure too. */
	check_refused(json_pack("{s:[i,{s:I}]}", "a", 1, "b", (json_int_t)9007199254740992LL),
		      RL_E_INVALID);
	/* 2^53 as a real is an ordinary double. */
	check_jcs(json_real(9007199254740992.0), "9007199254740992");
}

struct number_case {
	uint64_t bits;    /* IEEE 754 double */
	const char *want; /* ECMAScript String(x) */
};

/* RFC 8785 appendix B. */
static const struct number_case rfc_numbers[] = {
	{ 0x0000000000000000ULL, "0" },
	{ 0x8000000000000000ULL, "0" },
	{ 0x0000000000000001ULL, "5e-324" },
	{ 0x8000000000000001ULL, "-5e-324" },
	{ 0x7fefffffffffffffULL, "1.7976931348623157e+308" },
	{ 0xffefffffffffffffULL, "-1.7976931348623157e+308" },
	{ 0x4340000000000000ULL, "9007199254740992" },
	{ 0xc340000000000000ULL, "-9007199254740992" },
	{ 0x4430000000000000ULL, "295147905179352830000" },
	{ 0x44b52d02c7e14af5ULL, "9.999999999999997e+22" },
	{ 0x44b52d02c7e14af6ULL, "1e+23" },
	{ 0x44b52d02c7e14af7ULL, "1.0000000000000001e+23" },
	{ 0x444b1ae4d6e2ef4eULL, "999999999999999700000" },
	{ 0x444b1ae4d6e2ef4fULL, "999999999999999900000" },
	{ 0x444b1ae4d6e2ef50ULL, "1e+21" },
	{ 0x3eb0c6f7a0b5ed8cULL, "9.999999999999997e-7" },
	{ 0x3eb0c6f7a0b5ed8dULL, "0.000001" },
	{ 0x41b3de4355555553ULL, "333333333.3333332" },
	{ 0x41b3de4355555554ULL, "333333333.33333325" },
	{ 0x41b3de4355555555ULL, "333333333.3333333" },
	{ 0x41b3de4355555556ULL, "333333333.3333334" },
	{ 0x41b3de4355555557ULL, "333333333.33333343" },
	{ 0xbecbf647612f3696ULL, "-0.0000033333333333333333" },
	{ 0x43143ff3c1cb0959ULL, "1424953923781206.2" },
};

static void test_rfc_number_samples(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(rfc_numbers) / sizeof(rfc_numbers[0]); i++)
		check_jcs(json_real(from_bits(rfc_numbers[i].bits)), rfc_numbers[i].want);
}

static void test_es_number_format(void **state)
{
	static const struct {
		double d;
		const char *want;
	} cases[] = {
		{ 1e21, "1e+21" },
		{ 1e20, "100000000000000000000" },
		{ 123456789012345680000.0, "123456789012345680000" },
		{ 1e-7, "1e-7" },
		{ 1.2e-7, "1.2e-7" },
		{ 0.000001, "0.000001" },
		{ 0.1, "0.1" },
		{ 1.0 / 3.0, "0.3333333333333333" },
		{ 1.5, "1.5" },
		{ 100.0, "100" },
		{ -1.25e-10, "-1.25e-10" },
		{ 5e-324, "5e-324" },
		{ 1.5e-323, "1.5e-323" },
		{ -0.0, "0" },
		{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
		/* 2^-1017: the nearest 16-digit decimal misses, the other one hits. */
		{ 7.120236347223045e-307, "7.120236347223045e-307" },
		{ 4.35, "4.35" },
		{ 1e30, "1e+30" },
		{ 1.1e30, "1.1e+30" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_jcs(json_real(cases[i].d), cases[i].want);
}

/* jansson cannot even hold NaN or infinities, so that check is defensive. */
static void test_non_finite(void **state)
{
	assert_null(json_real(NAN));
	assert_null(json_real(INFINITY));
	assert_null(json_real(-INFINITY));
}

static void test_invalid_utf8(void **state)
{
	json_t *o;

	check_refused(json_string_nocheck("\xc0\xaf"), RL_E_INVALID);          /* overlong */
	check_refused(json_string_nocheck("a\xe2\x82"), RL_E_INVALID);         /* truncated */
	check_refused(json_string_nocheck("\xed\xa0\x80"), RL_E_INVALID);      /* surrogate */
	check_refused(json_string_nocheck("\xf4\x90\x80\x80"), RL_E_INVALID);  /* > U+10FFFF */
	check_refused(json_string_nocheck("\x80"), RL_E_INVALID);              /* stray */
	check_refused(json_string_nocheck("\xff"), RL_E_INVALID);
	o = json_object();
	json_object_set_new_nocheck(o, "\xe0\x80\xaf", json_true());
	check_refused(o, RL_E_INVALID);
}

static void test_buffer_limit_leaves_buffer_alone(void **state)
{
	struct rl_buf b;
	struct rl_error err = RL_ERROR_INIT;
	json_t *v = json_pack("{s:s, s:[i,i,i]}", "name", "a fairly long string value", "n", 1, 2, 3);

	rl_buf_init(&b, 24);
	assert_int_equal(rl_buf_puts(&b, "PREFIX\n"), 0);
	assert_int_equal(rl_jcs_append(&b, v, &err), -1);
	assert_int_equal(err.status, RL_E_TOOLARGE);
	assert_string_equal(err.type, "not-canonicalisable");
	assert_string_equal(b.data, "PREFIX\n");
	assert_int_equal(b.len, 7);
	rl_error_clear(&err);
	rl_buf_release(&b);

	/* A refused value leaves the buffer alone too. */
	json_object_set_new(v, "big", json_integer(INT64_MAX));
	rl_buf_init(&b, 0);
	assert_int_equal(rl_buf_puts(&b, "PREFIX\n"), 0);
	assert_int_equal(rl_jcs_append(&b, v, &err), -1);
	assert_int_equal(b.len, 7);
	rl_error_clear(&err);

	json_object_del(v, "big");
	assert_int_equal(rl_jcs_append(&b, v, &err), 0);
	assert_string_equal(b.data, "PREFIX\n{\"n\":[1,2,3],\"name\":\"a fairly long string value\"}");
	rl_buf_release(&b);
	json_decref(v);
}

static void test_depth_and_cycles(void **state)
{
	json_t *top = json_array(), *cur = top, *next, *a, *b;
	int i;

	for (i = 0; i < RL_JCS_MAX_DEPTH + 5; i++) {
		next = json_array();
		json_array_append_new(cur, next);
		cur = next;
	}
	check_refused(top, RL_E_INVALID);

	/* A reference cycle ends at the depth limit instead of the stack. */
	a = json_array();
	b = json_array();
	json_array_append(a, b);
	json_array_append(b, a);
	check_refused(json_incref(a), RL_E_INVALID);
	json_array_clear(b);
	json_decref(a);
	json_decref(b);
}

static void test_string_has_length(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *v = json_stringn("a\0b", 3);
	size_t len;
	char *s = rl_jcs_string(v, &len, &err);

	assert_non_null(s);
	assert_int_equal(len, 10);
	assert_memory_equal(s, "\"a\\u0000b\"", 11);
	free(s);
	json_decref(v);
}

/* The flat tree of rl_jcs_scan_canonical, kept from call to call as the verifier keeps it. */
static struct rl_jcs_flat flat = RL_JCS_FLAT_INIT;

/*
 * rl_jcs_parse_canonical on canonical text: a value equal to jansson's
 * parse, whose canonical form is the text again; rl_jcs_scan_canonical
 * takes it too, into a flat tree of the same values.
 */
static void check_proved(const char *text)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *fast = rl_jcs_parse_canonical(text, strlen(text));
	json_t *slow = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	size_t len;
	char *again;

	if (!fast)
		fail_msg("not proved canonical: %s", text);
	assert_non_null(slow);
	assert_true(json_equal(fast, slow));
	again = rl_jcs_string(fast, &len, &err);
	assert_non_null(again);
	assert_string_equal(again, text);
	free(again);
	assert_int_equal(rl_jcs_scan_canonical(text, strlen(text), &flat), 0);
	assert_true(flat_same(&flat, 0, fast));
	assert_int_equal(rl_jcs_flat_get(&flat, 0, "no such member"), -1);
	json_decref(fast);
	json_decref(slow);
}

/* ... and on text it must not vouch for; canonical says whether the two passes find it canonical. */
static void check_declined(const char *text, size_t n, int canonical)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *slow = json_loadb(text, n, JSON_REJECT_DUPLICATES, NULL);
	size_t len = 0;
	char *c = slow ? rl_jcs_string(slow, &len, &err) : NULL;

	assert_null(rl_jcs_parse_canonical(text, n));
	assert_int_equal(rl_jcs_scan_canonical(text, n, &flat), -1);
	assert_int_equal(flat.n, 0);
	assert_int_equal(c && len == n && memcmp(c, text, n) == 0, canonical);
	rl_error_clear(&err);
	free(c);
	json_decref(slow);
}
#define DECLINED(t, canonical) check_declined((t), sizeof(t) - 1, (canonical))

static void test_parse_canonical(void **state)
{
	(void)state;
	check_proved("{}");
	check_proved("[]");
	check_proved("{\"a\":[1,-2,0,true,false,null,\"x\"],\"b\":{\"c\":{}},\"d\":[]}");
	check_proved("{\"m\":-9007199254740991,\"n\":9007199254740991}");
	check_proved("[\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\\u000b\",\"/\x7f\"]");
	check_proved("[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]");
	/* UTF-16 order: U+1F600 (a surrogate pair, 0xD83D...) before U+E000, U+00E9 before both. */
	check_proved("{\"\xc3\xa9\":1,\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":3}");
	check_proved("{\"a\":1,\"aa\":2,\"ab\":3,\"b\":4}");
	check_proved("{\"type\":\"session_signoff\",\"v\":1}");
	check_proved("{\"a\":[[],[[1]],{\"b\":[{}]}],\"c\":\"\\\"q\\\"\"}");
}

static void test_parse_not_canonical(void **state)
{
	(void)state;
	/* Key order, duplicates, white space. */
	DECLINED("{\"b\":1,\"a\":2}", 0);
	DECLINED("{\"a\":1,\"a\":1}", 0);
	DECLINED("{\"\xee\x80\x80\":3,\"\xf0\x9f\x98\x80\":2}", 0); /* byte order is not UTF-16 order */
	DECLINED("{\"a\": 1}", 0);
	DECLINED(" {\"a\":1}", 0);
	DECLINED("{\"a\":1}\n", 0);
	DECLINED("[1, 2]", 0);
	/* Number forms. */
	DECLINED("{\"a\":1.0}", 0);
	DECLINED("{\"a\":1e2}", 0);
	DECLINED("{\"a\":1E2}", 0);
	DECLINED("{\"a\":-0}", 0);
	DECLINED("{\"a\":01}", 0);
	DECLINED("{\"a\":+1}", 0);
	DECLINED("{\"a\":9007199254740992}", 0);    /* past 2^53-1: not canonicalisable */
	DECLINED("{\"a\":12345678901234567890}", 0);
	/* Escapes JCS does not write. */
	DECLINED("[\"caf\\u00e9\"]", 0);            /* literal UTF-8 */
	DECLINED("[\"\\u000a\"]", 0);               /* \n */
	DECLINED("[\"\\u001F\"]", 0);               /* lowercase hex */
	DECLINED("[\"\\/\"]", 0);
	DECLINED("[\"\\ud83d\\ude00\"]", 0);
	DECLINED("[\"\\u0000\"]", 0);               /* jansson refuses U+0000 here */
	DECLINED("[\"a\nb\"]", 0);                  /* a raw control character */
	/* Not UTF-8, or not the shortest form, or a surrogate. */
	DECLINED("[\"\xc3\"]", 0);
	DECLINED("[\"\xc0\xaf\"]", 0);
	DECLINED("[\"\xed\xa0\x80\"]", 0);
	/* Not JSON, or not what json_loadb takes at the top. */
	DECLINED("{\"a\":1", 0);
	DECLINED("{\"a\":tru}", 0);
	DECLINED("1", 0);
	DECLINED("\"a\"", 0);
	DECLINED("", 0);
	/* Canonical, but left to the two passes: a real, an escaped member name. */
	DECLINED("{\"a\":1.5}", 1);
	DECLINED("{\"a\\nb\":1}", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_numbers_and_literals),
		cmocka_unit_test(test_rfc_sorting),
		cmocka_unit_test(test_utf16_order),
		cmocka_unit_test(test_control_escapes),
		cmocka_unit_test(test_nested_and_empty),
		cmocka_unit_test(test_integer_limits),
		cmocka_unit_test(test_rfc_number_samples),
		cmocka_unit_test(test_es_number_format),
		cmocka_unit_test(test_non_finite),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_buffer_limit_leaves_buffer_alone),
		cmocka_unit_test(test_depth_and_cycles),
		cmocka_unit_test(test_string_has_length),
		cmocka_unit_test(test_parse_canonical),
		cmocka_unit_test(test_parse_not_canonical),
	};

	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	rl_jcs_flat_release(&flat);
	return rc;
}
