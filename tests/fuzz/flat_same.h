/*
 * flat_same.h - whether a flat tree of rl_jcs_scan_canonical (ledger/jcs.h)
 * holds the same values as a jansson value: types, member names in order
 * (each found again by rl_jcs_flat_get), strings byte for byte, integers.
 * Shared by tests/fuzz/fuzz_jcs_flat.c and tests/unit/test_jcs.c.
 */
#ifndef RASLOG_FLAT_SAME_H
#define RASLOG_FLAT_SAME_H

#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "ledger/jcs.h"

/* Node n of f holds the value v (recursively). */
static int flat_same(const struct rl_jcs_flat *f, uint32_t n, const json_t *v)
{
	const struct rl_jcs_node *x = &f->node[n];
	uint32_t c = x->first;
	const char *k;
	json_t *m;

	switch (x->type) {
	case RL_JCS_OBJECT:
		if (!json_is_object(v) || json_object_size(v) != x->count)
			return 0;
		for (uint32_t j = 0; j < x->count; j++, c = f->node[c].next) {
			k = f->text.data + f->node[c].name;
			if (strlen(k) != f->node[c].name_len || !(m = json_object_get(v, k)) || !flat_same(f, c, m) ||
			    rl_jcs_flat_get(f, (int)n, k) != (int)c)
				return 0;
		}
		return 1;
	case RL_JCS_ARRAY:
		if (!json_is_array(v) || json_array_size(v) != x->count)
			return 0;
		for (size_t i = 0; i < x->count; i++, c = f->node[c].next)
			if (!flat_same(f, c, json_array_get(v, i)))
				return 0;
		return 1;
	case RL_JCS_STRING:
		return json_is_string(v) && json_string_length(v) == x->len &&
		       memcmp(json_string_value(v), f->text.data + x->str, x->len + 1) == 0;
	case RL_JCS_INTEGER:
		return json_is_integer(v) && json_integer_value(v) == x->num;
	case RL_JCS_TRUE:
		return json_is_true(v);
	case RL_JCS_FALSE:
		return json_is_false(v);
	case RL_JCS_NULL:
		return json_is_null(v);
	}
	return 0;
}

#endif
