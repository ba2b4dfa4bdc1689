/*
 * test_summary.c - rl_curriculum_quick_summary (used on every sign-off)
 * must give exactly what rl_curriculum_summary(rl_curriculum_evaluate())
 * gives, for both shipped curricula and many random totals, including
 * totals exactly at, just under and far over each target.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain/curriculum.h"
#include "base/util.h"

struct tallies {
	unsigned seed;
};

/* A deterministic pseudo-random amount per key: 0, target-ish values, or large. */
static int tally(void *ctx, const char *key, long long *s, long long *p)
{
	struct tallies *t = ctx;
	unsigned h = t->seed;

	for (const char *k = key; *k; k++)
		h = h * 31u + (unsigned char)*k;
	h ^= h >> 13;
	h *= 0x5bd1e995u;
	h ^= h >> 15;
	switch (h % 6) {
	case 0: *s = 0; *p = 0; return 1;
	case 1: *s = 1; *p = 0; break;
	case 2: *s = 0; *p = 3; break;
	case 3: *s = (long long)(h % 700); *p = 0; break;
	case 4: *s = 10; *p = 2; break;
	default: *s = 100000; *p = 0; break;
	}
	return 0;
}

static void compare(const char *path)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_tools *tools = NULL;
	struct rl_curriculum *c = NULL;
	size_t len;
	char *text = rl_read_file("schema/tools.json", 1 << 20, &len);

	assert_non_null(text);
	assert_int_equal(rl_tools_parse(text, len, &tools, &err), 0);
	free(text);
	text = rl_read_file(path, 1 << 20, &len);
	assert_non_null(text);
	assert_int_equal(rl_curriculum_parse(text, len, tools, &c, &err), 0);
	free(text);
	for (unsigned seed = 0; seed < 2000; seed++) {
		struct tallies t = { seed };
		json_t *ev = rl_curriculum_evaluate(c, tally, &t, &err);
		json_t *slow = rl_curriculum_summary(ev);
		int met = -1;
		json_t *fast = rl_curriculum_quick_summary(c, tally, &t, &met, &err);

		assert_non_null(slow);
		assert_non_null(fast);
		assert_true(json_equal(slow, fast));
		assert_int_equal(met, json_integer_value(json_object_get(ev, "modules_met")));
		json_decref(ev);
		json_decref(slow);
		json_decref(fast);
	}
	rl_curriculum_free(c);
	rl_tools_free(tools);
}

static void test_core_curriculum(void **state)
{
	(void)state;
	compare("schema/curricula/ras-core-v1.json");
}

static void test_conversion_curriculum(void **state)
{
	(void)state;
	compare("schema/curricula/ras-conversion-v1.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_curriculum),
		cmocka_unit_test(test_conversion_curriculum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
