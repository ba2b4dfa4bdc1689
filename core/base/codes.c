/*
 * codes.c - lookups over the vocabularies; see codes.h.  The tables
 * themselves are generated from schema/codes.json by tools/gen-codes.sh
 * into $(BUILD)/gen/codes_tables.c.
 */
#include "base/prelude.h"

#include "base/codes.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"

const struct rl_code *rl_code_find(const struct rl_code *table, const char *code)
{
	if (!code)
		return NULL;
	for (const struct rl_code *c = table; c->code; c++)
		if (strcmp(c->code, code) == 0)
			return c;
	return NULL;
}

/* Lower-cases and drops spaces, '-', '_' and '.': "da Vinci Xi" -> "davincixi". */
static void squash(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 1 < size; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == ' ' || c == '-' || c == '_' || c == '.')
			continue;
		out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
}

const struct rl_code *rl_platform_lookup(const char *text)
{
	char want[64], have[64];
	const struct rl_code *c = rl_code_find(rl_platforms, text);

	if (c || !text || strlen(text) >= sizeof(want))
		return c;
	squash(text, want, sizeof(want));
	for (c = rl_platforms; c->code; c++) {
		squash(c->code, have, sizeof(have));
		if (strcmp(want, have) == 0)
			return c;
		squash(c->label, have, sizeof(have));
		if (strcmp(want, have) == 0)
			return c;
	}
	return NULL;
}

const char *rl_code_list(const struct rl_code *table)
{
	static _Thread_local char out[512];
	size_t n = 0, count = 0, i = 0;

	for (const struct rl_code *c = table; c->code; c++)
		count++;
	out[0] = '\0';
	for (const struct rl_code *c = table; c->code; c++, i++) {
		const char *sep = i == 0 ? "" : (i + 1 == count ? " or " : ", ");
		int w = snprintf(out + n, sizeof(out) - n, "%s%s", sep, c->code);
		if (w < 0 || (size_t)w >= sizeof(out) - n)
			break;
		n += (size_t)w;
	}
	return out;
}

int rl_roles_parse(const char *text, int *mask)
{
	const char *p = text;
	int m = 0;

	if (!text || !*text)
		return -1;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int found = 0;

		for (int i = 0; i < 4 && rl_user_roles[i].code; i++) {
			if (strlen(rl_user_roles[i].code) == len && strncmp(p, rl_user_roles[i].code, len) == 0) {
				m |= 1 << i;
				found = 1;
			}
		}
		if (!found)
			return -1;
		p += len;
		if (*p == ',')
			p++;
	}
	*mask = m;
	return 0;
}

int rl_roles_names(int mask, const char *names[4])
{
	int n = 0;

	for (int i = 0; i < 4 && rl_user_roles[i].code; i++)
		if (mask & (1 << i))
			names[n++] = rl_user_roles[i].code;
	return n;
}

int rl_step_code_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return 0;
	return 1;
}
