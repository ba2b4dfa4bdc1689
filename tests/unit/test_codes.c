/*
 * test_codes.c - the vocabularies compiled into the library (generated
 * from schema/codes.json by tools/gen-codes.sh at build time) are, code for
 * code and label for label, the tables of schema/codes.json; the user roles
 * keep the order of the rl_role bits; and the lookups built on them.
 * Run from the repository root (schema/codes.json is read at test time).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "base/codes.h"

#include "base/banned.h"

static void same_table(json_t *root, const char *name, const struct rl_code *table)
{
	json_t *arr = json_object_get(root, name), *e;
	size_t i, n = 0;

	assert_non_null(arr);
	for (const struct rl_code *c = table; c->code; c++)
		n++;
	assert_int_equal(n, json_array_size(arr));
	json_array_foreach(arr, i, e) {
		assert_string_equal(table[i].code, json_string_value(json_object_get(e, "code")));
		assert_string_equal(table[i].label, json_string_value(json_object_get(e, "label")));
	}
	assert_null(table[n].label);
}

static void tables_are_codes_json(void **state)
{
	json_error_t jerr;
	json_t *root = json_load_file("schema/codes.json", 0, &jerr);

	assert_non_null(root);
	same_table(root, "activity", rl_activities);
	same_table(root, "platform", rl_platforms);
	same_table(root, "case_role", rl_case_roles);
	same_table(root, "user_role", rl_user_roles);
	assert_int_equal(json_object_size(root), 4);
	json_decref(root);
}

static void user_roles_follow_the_bits(void **state)
{
	const char *names[4];
	int mask = 0;

	assert_int_equal(rl_roles_parse("trainee", &mask), 0);
	assert_int_equal(mask, RL_ROLE_TRAINEE);
	assert_int_equal(rl_roles_parse("admin,trainer", &mask), 0);
	assert_int_equal(mask, RL_ROLE_ADMIN | RL_ROLE_TRAINER);
	assert_int_equal(rl_roles_parse("faculty", &mask), 0);
	assert_int_equal(mask, RL_ROLE_FACULTY);
	assert_int_equal(rl_roles_parse("trainee,boss", &mask), -1);
	assert_int_equal(rl_roles_parse("", &mask), -1);
	assert_int_equal(rl_roles_names(RL_ROLE_ALL, names), 4);
	assert_string_equal(names[0], "trainee");
	assert_string_equal(names[3], "admin");
}

static void lookups(void **state)
{
	assert_string_equal(rl_platform_lookup("da Vinci Xi")->code, "davinci_xi");
	assert_string_equal(rl_platform_lookup("DAVINCI-XI")->code, "davinci_xi");
	assert_null(rl_platform_lookup("davinci"));
	assert_string_equal(rl_code_find(rl_case_roles, "S-TU")->label, "Supervised, trainer unscrubbed");
	assert_null(rl_code_find(rl_activities, "Dry_lab"));
	assert_string_equal(rl_code_list(rl_case_roles), "O, A, S-TS, S-TU, P or T");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_are_codes_json),
		cmocka_unit_test(user_roles_follow_the_bits),
		cmocka_unit_test(lookups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
