/*
 * json_same.h - the unit tests' check that two JSON values are the same
 * document byte for byte: their compact texts equal (member order
 * included, which json_equal does not look at), a failure printing both.
 * Include after cmocka.h.
 */
#ifndef RASLOG_TEST_JSON_SAME_H
#define RASLOG_TEST_JSON_SAME_H

#include <stdlib.h>

#include <jansson.h>

static inline void assert_json_text_equal(const json_t *a, const json_t *b)
{
	char *ta = json_dumps(a, JSON_COMPACT), *tb = json_dumps(b, JSON_COMPACT);

	assert_non_null(ta);
	assert_non_null(tb);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
}

#endif
