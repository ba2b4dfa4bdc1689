/*
 * test_jsonin.c - unit tests for core/base/jsonin.c: the strict parser for
 * outside JSON and the typed member readers.
 *
 * Several tests pin down what jansson 2.14 itself does (big numbers,
 * surrogates, NUL), so an upgrade that changes it shows up here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "ledger/jcs.h"
#include "base/jsonin.h"
#include "base/util.h"

#include "base/banned.h"

static json_t *parse_ok(const char *text)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *v = rl_json_parse(text, strlen(text), &err);

	if (!v)
		fail_msg("refused %s: %s", text, err.detail);
	assert_int_equal(err.status, RL_OK);
	return v;
}

/* Expects data to be refused; checks the error's shape; err is left set. */
static void parse_bad_n(const char *data, size_t len, struct rl_error *err)
{
	json_t *v = rl_json_parse(data, len, err);

	if (v)
		fail_msg("accepted %.*s", (int)len, data);
	assert_int_equal(err->status, RL_E_MALFORMED);
	assert_string_equal(err->type, "malformed-json");
	assert_string_equal(err->title, "The request body is not valid JSON");
	assert_non_null(strstr(err->detail, "invalid JSON at line "));
	assert_non_null(err->extra);
	assert_true(json_is_integer(json_object_get(err->extra, "line")));
	assert_true(json_is_integer(json_object_get(err->extra, "column")));
	assert_true(json_is_integer(json_object_get(err->extra, "position")));
}

/* Refused, and the detail contains want. */
static void parse_bad(const char *text, const char *want)
{
	struct rl_error err = RL_ERROR_INIT;

	parse_bad_n(text, strlen(text), &err);
	if (!strstr(err.detail, want))
		fail_msg("detail for %s is \"%s\", wanted \"%s\"", text, err.detail, want);
	rl_error_clear(&err);
}

static long long extra_int(const struct rl_error *err, const char *name)
{
	return json_integer_value(json_object_get(err->extra, name));
}

static void test_parse_ok(void **state)
{
	json_t *v = parse_ok(" {\"minutes\": 45, \"steps\": [\"a\", \"b\"]}\n");

	assert_true(json_is_object(v));
	assert_int_equal(json_integer_value(json_object_get(v, "minutes")), 45);
	json_decref(v);
	/* Any value at the top, as RFC 8259 allows; validators check the shape. */
	json_decref(parse_ok("3"));
	json_decref(parse_ok("\"s\""));
	json_decref(parse_ok("null"));
}

static void test_duplicate_keys(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *text = "{\"minutes\":1,\"minutes\":2}";

	parse_bad_n(text, strlen(text), &err);
	assert_string_equal(err.detail,
			    "invalid JSON at line 1, column 22 (byte 21): "
			    "duplicate object key near '\"minutes\"'");
	assert_int_equal(extra_int(&err, "line"), 1);
	assert_int_equal(extra_int(&err, "column"), 22);
	assert_int_equal(extra_int(&err, "position"), 21);
	rl_error_clear(&err);
	assert_null(err.extra);

	parse_bad("{\"a\":{\"b\":1,\"c\":2,\"b\":3}}", "duplicate object key");
	/* Same name spelled differently is still a duplicate. */
	parse_bad("{\"a\":1,\"\\u0061\":2}", "duplicate object key");
}

static void test_error_names_line(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *text = "{\n  \"a\": 1,\n  \"b\": tru\n}";

	parse_bad_n(text, strlen(text), &err);
	assert_int_equal(extra_int(&err, "line"), 3);
	assert_non_null(strstr(err.detail, "at line 3, column "));
	rl_error_clear(&err);
}

static void test_nul_bytes(void **state)
{
	struct rl_error err = RL_ERROR_INIT;

	parse_bad_n("[1]\0", 4, &err);
	assert_string_equal(err.detail, "invalid JSON at line 1, column 4 (byte 3): NUL byte in input");
	rl_error_clear(&err);
	parse_bad_n("\"a\0b\"", 5, &err);
	assert_int_equal(extra_int(&err, "position"), 2);
	rl_error_clear(&err);
	/* A backslash does not hide a NUL after it. */
	parse_bad_n("[\"\\\0\"]", 6, &err);
	assert_int_equal(extra_int(&err, "position"), 3);
	rl_error_clear(&err);
	/* jansson refuses the escape unless JSON_ALLOW_NUL. */
	parse_bad("[\"a\\u0000b\"]", "\\u0000 is not allowed");
	parse_bad("{\"a\\u0000\":1}", "NUL byte in object key not supported");
}

static void test_surrogates(void **state)
{
	json_t *v;

	parse_bad("[\"\\ud800\"]", "invalid Unicode '\\uD800'");        /* lone high */
	parse_bad("[\"\\udc00\"]", "invalid Unicode '\\uDC00'");        /* lone low */
	parse_bad("[\"\\udbff x\"]", "invalid Unicode");                /* high, then text */
	parse_bad("[\"\\ud800\\u0041\"]", "invalid Unicode '\\uD800\\u0041'");
	parse_bad("[\"\\udc00\\ud800\"]", "invalid Unicode '\\uDC00'");  /* pair reversed */
	parse_bad("[\"\\ud800\\ud800\"]", "invalid Unicode");           /* two highs */
	parse_bad("{\"\\ud800\":1}", "invalid Unicode");                /* in a name */
	v = parse_ok("[\"\\ud83d\\ude00\"]");
	assert_string_equal(json_string_value(json_array_get(v, 0)), "\xf0\x9f\x98\x80");
	json_decref(v);
}

static void test_invalid_utf8(void **state)
{
	parse_bad("[\"\xc0\xaf\"]", "unable to decode byte 0xc0");     /* overlong '/' */
	parse_bad("[\"\xe0\x80\xaf\"]", "unable to decode byte 0xe0"); /* overlong, 3 bytes */
	parse_bad("[\"\xe2\x82\"]", "unable to decode byte 0xe2");     /* truncated */
	parse_bad("[\"\xe2\x82", "unable to decode byte 0xe2");        /* truncated at the end */
	parse_bad("[\"\xed\xa0\x80\"]", "unable to decode byte 0xed"); /* encoded surrogate */
	parse_bad("[\"\xf4\x90\x80\x80\"]", "unable to decode byte 0xf4"); /* past U+10FFFF */
	parse_bad("[\"\x80\"]", "unable to decode byte 0x80");         /* stray continuation */
	parse_bad("[\"\xff\"]", "unable to decode byte 0xff");
	parse_bad("{\"\xc3\":1}", "unable to decode byte 0xc3");       /* in a name */
	parse_bad("\xef\xbb\xbf[1]", "invalid token");                   /* no BOM either */
	json_decref(parse_ok("[\"\xc3\xb6\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"]"));
}

/* n '[' then n ']' (or '{"k":' ... '}'). */
static char *nest(size_t n, int objects, size_t *len)
{
	const char *open = objects ? "{\"k\":" : "[";
	size_t olen = strlen(open), i;
	char *s = malloc(n * (olen + 1) + 2), *p = s;

	assert_non_null(s);
	for (i = 0; i < n; i++, p += olen)
		memcpy(p, open, olen);
	*p++ = '1';
	for (i = 0; i < n; i++)
		*p++ = objects ? '}' : ']';
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

static void test_depth(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	size_t len;
	char *s;
	json_t *v;
	int objects;

	for (objects = 0; objects <= 1; objects++) {
		s = nest(RL_JSON_MAX_DEPTH, objects, &len);
		v = rl_json_parse(s, len, &err);
		assert_non_null(v);
		json_decref(v);
		free(s);

		s = nest(RL_JSON_MAX_DEPTH + 1, objects, &len);
		parse_bad_n(s, len, &err);
		assert_non_null(strstr(err.detail, "nested more than 32 levels deep"));
		assert_int_equal(extra_int(&err, "position"), objects ? 32 * 5 : 32);
		rl_error_clear(&err);
		free(s);
	}
	/* Brackets inside strings, escaped quotes included, do not count. */
	json_decref(parse_ok("[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[[[\", {\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\":1}]"));
	/* Depth is nesting, not the count of brackets: siblings reuse levels. */
	s = nest(RL_JSON_MAX_DEPTH - 1, 0, &len);
	{
		char *two = malloc(2 * len + 4);

		assert_non_null(two);
		memcpy(two, "[", 1);
		memcpy(two + 1, s, len);
		two[len + 1] = ',';
		memcpy(two + len + 2, s, len);
		memcpy(two + 2 * len + 2, "]", 2);
		json_decref(parse_ok(two));
		free(two);
	}
	free(s);
}

static void test_very_deep_is_quick(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	size_t n = 100000, len;
	char *s = nest(n, 0, &len);
	clock_t t0 = clock();

	parse_bad_n(s, len, &err);
	assert_int_equal(extra_int(&err, "position"), 32);
	rl_error_clear(&err);
	/* Unclosed, too. */
	parse_bad_n(s, n, &err);
	rl_error_clear(&err);
	free(s);
	s = nest(n, 1, &len);
	parse_bad_n(s, len, &err);
	rl_error_clear(&err);
	free(s);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
}

static void test_trailing_garbage(void **state)
{
	parse_bad("[1] x", "end of file expected");
	parse_bad("{} {}", "end of file expected");
	parse_bad("[1]]", "end of file expected");
	parse_bad("1 2", "end of file expected");
	parse_bad("[1,]", "unexpected token");
	parse_bad("{\"a\":1,}", "string or '}' expected");
	parse_bad("[01]", "invalid token");
	parse_bad("nul", "invalid token");
	parse_bad("[\"a\x01\"]", "control character 0x1");
	json_decref(parse_ok("[1] \r\n\t "));
}

static void test_empty(void **state)
{
	struct rl_error err = RL_ERROR_INIT;

	parse_bad_n("", 0, &err);
	assert_string_equal(err.detail, "invalid JSON at line 1, column 1 (byte 0): empty input");
	rl_error_clear(&err);
	parse_bad_n(NULL, 0, &err);
	rl_error_clear(&err);
	parse_bad(" \r\n\t ", "empty input");
	/* Only len bytes are read. */
	parse_bad_n("[1]", 0, &err);
	rl_error_clear(&err);
	json_decref(rl_json_parse("[1]garbage", 3, &err));
	assert_int_equal(err.status, RL_OK);
}

/*
 * jansson 2.14: integers are long long; beyond that is an error, not a
 * silent real.  Between 2^53 and 2^63 they parse exactly, and JCS refuses
 * them later.  Reals that overflow are refused; reals that underflow
 * become 0.0.
 */
static void test_big_numbers(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *v;

	v = parse_ok("9223372036854775807");
	assert_true(json_is_integer(v));
	assert_true(json_integer_value(v) == 9223372036854775807LL);
	json_decref(v);
	v = parse_ok("-9223372036854775808");
	assert_true(json_integer_value(v) == -9223372036854775807LL - 1);
	json_decref(v);
	parse_bad("9223372036854775808", "too big integer");
	parse_bad("-9223372036854775809", "too big negative integer");
	parse_bad("[100000000000000000000000]", "too big integer");

	v = parse_ok("9007199254740993"); /* 2^53 + 1: exact, not rounded */
	assert_true(json_is_integer(v));
	assert_true(json_integer_value(v) == 9007199254740993LL);
	assert_null(rl_jcs_string(v, NULL, &err));
	assert_string_equal(err.type, "not-canonicalisable");
	rl_error_clear(&err);
	json_decref(v);

	parse_bad("1e400", "real number overflow");
	parse_bad("-1e400", "real number overflow");
	v = parse_ok("1e-400");
	assert_true(json_is_real(v));
	assert_true(json_real_value(v) == 0.0);
	json_decref(v);

	v = parse_ok("[1.0, 1e2, -0, -0.0]");
	assert_true(json_is_real(json_array_get(v, 0)));
	assert_true(json_is_real(json_array_get(v, 1)));
	assert_true(json_is_integer(json_array_get(v, 2)));
	assert_true(json_is_real(json_array_get(v, 3)));
	json_decref(v);
}

static void test_check_members(void **state)
{
	static const char *const allowed[] = { "minutes", "steps", NULL };
	struct rl_error err = RL_ERROR_INIT;
	json_t *v = parse_ok("{\"minutes\":1,\"colour\":2,\"steps\":[],\"Minutes\":3}");
	int i, seen = 0;

	assert_int_equal(rl_json_check_members(v, allowed, &err), -1);
	assert_int_equal(err.status, RL_E_INVALID);
	assert_string_equal(err.type, "validation");
	assert_int_equal(err.nfields, 2);
	for (i = 0; i < err.nfields; i++) {
		assert_string_equal(err.fields[i].message, "is not a field of this resource");
		if (!strcmp(err.fields[i].field, "colour"))
			seen |= 1;
		if (!strcmp(err.fields[i].field, "Minutes"))
			seen |= 2;
	}
	assert_int_equal(seen, 3);
	rl_error_clear(&err);
	json_decref(v);

	v = parse_ok("{\"minutes\":1}");
	assert_int_equal(rl_json_check_members(v, allowed, &err), 0);
	assert_int_equal(err.status, RL_OK);
	json_decref(v);

	v = parse_ok("[1]");
	assert_int_equal(rl_json_check_members(v, allowed, &err), -1);
	assert_int_equal(err.status, RL_E_MALFORMED);
	assert_string_equal(err.type, "not-an-object");
	rl_error_clear(&err);
	json_decref(v);
}

static void test_get_int(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *v = parse_ok("{\"a\":45,\"r\":45.0,\"s\":\"45\",\"b\":true,\"n\":null,"
			     "\"lo\":0,\"hi\":601,\"neg\":-5,\"arr\":[1]}");
	long long out = -1;
	int present = -1;

	assert_int_equal(rl_json_get_int(v, "a", 1, 1, 600, &out, &present, &err), 0);
	assert_int_equal(out, 45);
	assert_int_equal(present, 1);
	out = -1;
	assert_int_equal(rl_json_get_int(v, "absent", 0, 1, 600, &out, &present, &err), 0);
	assert_int_equal(present, 0);
	assert_int_equal(out, -1);
	assert_int_equal(rl_json_get_int(v, "n", 0, 1, 600, &out, &present, &err), 0);
	assert_int_equal(present, 0);
	assert_int_equal(rl_json_get_int(v, "neg", 0, -10, 10, &out, NULL, &err), 0);
	assert_int_equal(out, -5);
	assert_int_equal(err.status, RL_OK);

	/* Each problem is reported; none stops the next. */
	assert_int_equal(rl_json_get_int(v, "absent", 1, 1, 600, &out, &present, &err), -1);
	assert_int_equal(rl_json_get_int(v, "n", 1, 1, 600, &out, &present, &err), -1);
	assert_int_equal(rl_json_get_int(v, "r", 1, 1, 600, &out, &present, &err), -1);
	assert_int_equal(rl_json_get_int(v, "s", 1, 1, 600, &out, &present, &err), -1);
	assert_int_equal(rl_json_get_int(v, "b", 0, 1, 600, &out, &present, &err), -1);
	assert_int_equal(rl_json_get_int(v, "arr", 0, 1, 600, &out, &present, &err), -1);
	assert_int_equal(rl_json_get_int(v, "lo", 0, 1, 600, &out, &present, &err), -1);
	assert_int_equal(rl_json_get_int(v, "hi", 0, 1, 600, &out, &present, &err), -1);
	assert_int_equal(present, 0);
	assert_int_equal(err.status, RL_E_INVALID);
	assert_int_equal(err.nfields, 8);
	assert_string_equal(err.fields[0].field, "absent");
	assert_string_equal(err.fields[0].message, "is required");
	assert_string_equal(err.fields[1].field, "n");
	assert_string_equal(err.fields[1].message, "is required");
	assert_string_equal(err.fields[2].field, "r");
	assert_string_equal(err.fields[2].message, "must be an integer");
	assert_string_equal(err.fields[3].message, "must be an integer");
	assert_string_equal(err.fields[4].message, "must be an integer");
	assert_string_equal(err.fields[5].message, "must be an integer");
	assert_string_equal(err.fields[6].field, "lo");
	assert_string_equal(err.fields[6].message, "must be between 1 and 600");
	assert_string_equal(err.fields[7].field, "hi");
	assert_string_equal(err.fields[7].message, "must be between 1 and 600");
	rl_error_clear(&err);
	json_decref(v);
}

static void test_get_str(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *v = parse_ok("{\"name\":\"Ada\",\"empty\":\"\",\"n\":null,\"num\":5,"
			     "\"note\":\"line one\\n\\tline two\",\"cr\":\"a\\rb\",\"bel\":\"a\\u0007\","
			     "\"del\":\"a\\u007f\",\"c1\":\"a\\u0085\",\"nbsp\":\"a\\u00a0\\u00c5\","
			     "\"long\":\"\xc3\xa9\xc3\xa9\xc3\xa9\"}");
	const char *out = "x";

	assert_int_equal(rl_json_get_str(v, "name", 1, 3, &out, &err), 0);
	assert_string_equal(out, "Ada");
	assert_int_equal(rl_json_get_str(v, "empty", 0, 10, &out, &err), 0);
	assert_null(out);
	assert_int_equal(rl_json_get_str(v, "n", 0, 10, &out, &err), 0);
	assert_null(out);
	assert_int_equal(rl_json_get_str(v, "absent", 0, 10, &out, &err), 0);
	assert_null(out);
	assert_int_equal(rl_json_get_str(v, "note", 1, 100, &out, &err), 0);
	assert_int_equal(rl_json_get_str(v, "nbsp", 1, 100, &out, &err), 0);
	assert_int_equal(rl_json_get_str(v, "long", 1, 6, &out, &err), 0); /* 6 bytes */
	assert_int_equal(err.status, RL_OK);

	assert_int_equal(rl_json_get_str(v, "empty", 1, 10, &out, &err), -1);
	assert_int_equal(rl_json_get_str(v, "absent", 1, 10, &out, &err), -1);
	assert_int_equal(rl_json_get_str(v, "num", 0, 10, &out, &err), -1);
	assert_int_equal(rl_json_get_str(v, "long", 1, 5, &out, &err), -1);
	assert_int_equal(rl_json_get_str(v, "cr", 1, 10, &out, &err), -1);
	assert_int_equal(rl_json_get_str(v, "bel", 1, 10, &out, &err), -1);
	assert_int_equal(rl_json_get_str(v, "del", 1, 10, &out, &err), -1);
	assert_int_equal(rl_json_get_str(v, "c1", 1, 10, &out, &err), -1);
	assert_null(out);
	assert_int_equal(err.nfields, 8);
	assert_string_equal(err.fields[0].message, "is required");
	assert_string_equal(err.fields[1].message, "is required");
	assert_string_equal(err.fields[2].field, "num");
	assert_string_equal(err.fields[2].message, "must be a string");
	assert_string_equal(err.fields[3].field, "long");
	assert_string_equal(err.fields[3].message, "must be at most 5 bytes long");
	assert_string_equal(err.fields[4].field, "cr");
	assert_string_equal(err.fields[4].message, "must not contain control characters");
	assert_string_equal(err.fields[5].field, "bel");
	assert_string_equal(err.fields[6].field, "del");
	assert_string_equal(err.fields[7].field, "c1");
	rl_error_clear(&err);
	json_decref(v);

	/* A NUL that did not come through rl_json_parse is refused too. */
	v = json_pack("{s:s#}", "s", "a\0b", (int)3);
	assert_int_equal(rl_json_get_str(v, "s", 1, 10, &out, &err), -1);
	assert_string_equal(err.fields[0].message, "must not contain control characters");
	rl_error_clear(&err);
	json_decref(v);
}

static void test_get_str_array(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *v = parse_ok("{\"steps\":[\"dock\",\"suture\"],\"none\":[],\"n\":null,"
			     "\"bad\":[\"ok\",\"\",3,\"x\\u0001\",\"toolongvalue\",null],"
			     "\"many\":[\"a\",\"b\",\"c\",\"d\"],\"str\":\"dock\"}");
	json_t *out = NULL;

	assert_int_equal(rl_json_get_str_array(v, "steps", 3, 10, &out, &err), 0);
	assert_ptr_equal(out, json_object_get(v, "steps"));
	assert_int_equal(rl_json_get_str_array(v, "none", 3, 10, &out, &err), 0);
	assert_int_equal(json_array_size(out), 0);
	assert_int_equal(rl_json_get_str_array(v, "n", 3, 10, &out, &err), 0);
	assert_null(out);
	assert_int_equal(rl_json_get_str_array(v, "absent", 3, 10, &out, &err), 0);
	assert_null(out);
	assert_int_equal(err.status, RL_OK);

	assert_int_equal(rl_json_get_str_array(v, "bad", 10, 10, &out, &err), -1);
	assert_null(out);
	assert_int_equal(err.nfields, 5);
	assert_string_equal(err.fields[0].field, "bad[1]");
	assert_string_equal(err.fields[0].message, "must not be empty");
	assert_string_equal(err.fields[1].field, "bad[2]");
	assert_string_equal(err.fields[1].message, "must be a string");
	assert_string_equal(err.fields[2].field, "bad[3]");
	assert_string_equal(err.fields[2].message, "must not contain control characters");
	assert_string_equal(err.fields[3].field, "bad[4]");
	assert_string_equal(err.fields[3].message, "must be at most 10 bytes long");
	assert_string_equal(err.fields[4].field, "bad[5]");
	assert_string_equal(err.fields[4].message, "must be a string");
	assert_string_equal(err.detail, "5 fields are invalid; the first is bad[1]: must not be empty");
	rl_error_clear(&err);

	assert_int_equal(rl_json_get_str_array(v, "many", 3, 10, &out, &err), -1);
	assert_string_equal(err.fields[0].field, "many");
	assert_string_equal(err.fields[0].message, "must have at most 3 items");
	assert_int_equal(rl_json_get_str_array(v, "str", 3, 10, &out, &err), -1);
	assert_string_equal(err.fields[1].field, "str");
	assert_string_equal(err.fields[1].message, "must be an array of strings");
	rl_error_clear(&err);
	json_decref(v);
}

/* rl_json_int_value: the checked reader refuses before any narrowing. */
static void test_int_value(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *v = parse_ok("[5, 4294967301, -4294967291, 9223372036854775807, -9223372036854775808, 5.0, \"5\", true, null]");
	long long x = -1;

	(void)state;
	assert_int_equal(rl_json_int_value(json_array_get(v, 0), "s[0]", 0, 5, &x, &err), 0);
	assert_int_equal(x, 5);
	/* 4294967301 = 2^32 + 5 would be 5 as an int; -4294967291 would be 5 too. */
	x = -1;
	assert_int_equal(rl_json_int_value(json_array_get(v, 1), "statement.scores[1]", 0, 5, &x, &err), -1);
	assert_int_equal(x, -1);
	assert_string_equal(err.fields[0].field, "statement.scores[1]");
	assert_string_equal(err.fields[0].message, "must be between 0 and 5");
	assert_int_equal(rl_json_int_value(json_array_get(v, 2), "s[2]", 0, 5, &x, &err), -1);
	assert_int_equal(rl_json_int_value(json_array_get(v, 3), "s[3]", 0, 5, &x, &err), -1);
	assert_int_equal(rl_json_int_value(json_array_get(v, 4), "s[4]", 0, 5, &x, &err), -1);
	assert_int_equal(rl_json_int_value(json_array_get(v, 5), "s[5]", 0, 5, &x, &err), -1);
	assert_string_equal(err.fields[4].message, "must be an integer");
	assert_int_equal(rl_json_int_value(json_array_get(v, 6), "s[6]", 0, 5, &x, &err), -1);
	assert_int_equal(rl_json_int_value(json_array_get(v, 7), "s[7]", 0, 5, &x, &err), -1);
	assert_int_equal(rl_json_int_value(json_array_get(v, 8), "s[8]", 0, 5, &x, &err), -1);
	assert_int_equal(rl_json_int_value(NULL, "s[9]", 0, 5, &x, &err), -1);
	assert_int_equal(err.nfields, 9);
	assert_int_equal(x, -1);
	rl_error_clear(&err);
	/* The extremes of the range are accepted at full width. */
	assert_int_equal(rl_json_int_value(json_array_get(v, 3), "s", 1, INT64_MAX, &x, &err), 0);
	assert_true(x == INT64_MAX);
	assert_int_equal(rl_json_int_value(json_array_get(v, 4), "s", INT64_MIN, 0, &x, &err), 0);
	assert_true(x == INT64_MIN);
	json_decref(v);
}

static void test_check_date(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	char today[11], tomorrow[11], yesterday[11];
	long d = 0;

	(void)state;
	rl_format_date(rl_today(), today);
	rl_format_date(rl_today() + 1, tomorrow);
	rl_format_date(rl_today() - 1, yesterday);
	assert_int_equal(rl_json_check_date("2000-01-01", "date", RL_DATE_NOT_FUTURE, &d, &err), 0);
	assert_int_equal(d, 10957);
	assert_int_equal(rl_json_check_date(today, "date", RL_DATE_NOT_FUTURE | RL_DATE_NOT_PAST, NULL, &err), 0);
	assert_int_equal(err.status, RL_OK);

	assert_int_equal(rl_json_check_date("1999-12-31", "date", 0, &d, &err), -1);
	assert_string_equal(err.fields[0].field, "date");
	assert_non_null(strstr(err.fields[0].message, "before 2000-01-01"));
	assert_int_equal(rl_json_check_date("1900-01-01", "date", 0, NULL, &err), -1);
	assert_int_equal(rl_json_check_date("2023-02-29", "date", 0, NULL, &err), -1);
	assert_non_null(strstr(err.fields[2].message, "not a real calendar date"));
	assert_int_equal(rl_json_check_date(NULL, "date", 0, NULL, &err), -1);
	assert_int_equal(rl_json_check_date(tomorrow, "date", RL_DATE_NOT_FUTURE, NULL, &err), -1);
	assert_non_null(strstr(err.fields[4].message, "in the future"));
	assert_int_equal(rl_json_check_date(yesterday, "statement.valid_until", RL_DATE_NOT_PAST, NULL, &err), -1);
	assert_string_equal(err.fields[5].field, "statement.valid_until");
	assert_non_null(strstr(err.fields[5].message, "already past"));
	assert_int_equal(err.nfields, 6);
	rl_error_clear(&err);
	/* Without the flags both sides of today pass. */
	assert_int_equal(rl_json_check_date(tomorrow, "d", RL_DATE_NOT_PAST, NULL, &err), 0);
	assert_int_equal(rl_json_check_date(yesterday, "d", RL_DATE_NOT_FUTURE, NULL, &err), 0);
	assert_int_equal(err.status, RL_OK);
}

static void test_nhs_number(void **state)
{
	static const char *const with[] = {
		"9434765919", "NHS 9434765919.", "943 476 5919", "943-476-5919", "(4010232137)",
		"pt 450 557 7104 seen", "x9434765919", "9434765919x", "a 2 943 476 5919", "943 476 5919 1",
		"notes\n4505577104", NULL,
	};
	static const char *const without[] = {
		"", "no numbers here", "9434765918",       /* wrong check digit */
		"943 476 5918", "1234567890",                 /* check digit 10: never valid */
		"94347659190", "19434765919", "99434765919",  /* inside longer runs of digits */
		"943476591", "943 4765919", "943476 5919",    /* short; half-grouped */
		"943  476 5919", "943 476-5919", "943.476.5919", /* double space; mixed or other separators */
		"94 34 76 59 19", NULL,
	};
	struct rl_error err = RL_ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; with[i]; i++)
		if (!rl_text_has_nhs_number(with[i]))
			fail_msg("missed the NHS number in '%s'", with[i]);
	for (i = 0; without[i]; i++)
		if (rl_text_has_nhs_number(without[i]))
			fail_msg("saw an NHS number in '%s'", without[i]);
	assert_int_equal(rl_text_has_nhs_number(NULL), 0);

	assert_int_equal(rl_json_check_free_text("fine text", "notes", &err), 0);
	assert_int_equal(rl_json_check_free_text(NULL, "notes", &err), 0);
	assert_int_equal(err.status, RL_OK);
	assert_int_equal(rl_json_check_free_text("patient 943 476 5919", "statement.reason", &err), -1);
	assert_int_equal(err.status, RL_E_INVALID);
	assert_string_equal(err.fields[0].field, "statement.reason");
	assert_non_null(strstr(err.fields[0].message, "patient identifiers must not be entered"));
	rl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_error_names_line),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_very_deep_is_quick),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_big_numbers),
		cmocka_unit_test(test_check_members),
		cmocka_unit_test(test_get_int),
		cmocka_unit_test(test_get_str),
		cmocka_unit_test(test_get_str_array),
		cmocka_unit_test(test_int_value),
		cmocka_unit_test(test_check_date),
		cmocka_unit_test(test_nhs_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
