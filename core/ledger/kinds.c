/*
 * kinds.c - looking up the table of statement kinds; see kinds.h.  The
 * table itself is generated from schema/kinds.json, its one source, which
 * also makes web/js/kinds.js for the web page's checker.
 */
#include "base/prelude.h"

#include "ledger/kinds.h"

/* rl_kinds[] is generated from schema/kinds.json by tools/gen-kinds.sh ($(BUILD)/gen/kinds_table.c). */

const struct rl_kind *rl_kind_find(const char *name)
{
	for (const struct rl_kind *k = rl_kinds; name && k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int64_t rl_kind_subject(const struct rl_kind *k, const json_t *statement)
{
	const char *path = k ? k->subject : NULL, *dot;
	const json_t *v = statement;
	char member[32];

	if (!path)
		return 0;
	while ((dot = strchr(path, '.'))) {
		snprintf(member, sizeof(member), "%.*s", (int)(dot - path), path);
		v = json_object_get(v, member);
		path = dot + 1;
	}
	v = json_object_get(v, path);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}
