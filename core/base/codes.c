/*
 * codes.c - vocabularies and their lookups; see codes.h.
 */
#include "base/prelude.h"

#include "base/codes.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"

const struct rl_code rl_activities[] = {
	{ "elearning", "Robotic literacy e-learning" },
	{ "simulator", "Virtual reality simulator" },
	{ "dry_lab", "Dry lab" },
	{ "wet_lab", "Wet lab" },
	{ "cadaveric", "Cadaveric training" },
	{ "observation", "Observation" },
	{ "bedside_assist", "Bedside assistant" },
	{ "console_modular", "Console, modular training" },
	{ "console_full", "Console, full case" },
	{ NULL, NULL },
};

const struct rl_code rl_platforms[] = {
	{ "davinci_xi", "da Vinci Xi" },
	{ "davinci_x", "da Vinci X" },
	{ "davinci_sp", "da Vinci SP" },
	{ "davinci_si", "da Vinci Si" },
	{ "davinci_5", "da Vinci 5" },
	{ "versius", "CMR Versius" },
	{ "hugo_ras", "Medtronic Hugo RAS" },
	{ "sim_dvss", "da Vinci Skills Simulator" },
	{ "sim_simnow", "da Vinci SimNow" },
	{ "sim_mimic", "Mimic dV-Trainer" },
	{ "sim_robotix", "Simbionix RobotiX Mentor" },
	{ "sim_versius", "Versius Trainer" },
	{ "sim_hugo", "Hugo RAS simulator" },
	{ "box_trainer", "Box trainer (no robot)" },
	{ NULL, NULL },
};

const struct rl_code rl_case_roles[] = {
	{ "O", "Observed" },
	{ "A", "Assisted" },
	{ "S-TS", "Supervised, trainer scrubbed" },
	{ "S-TU", "Supervised, trainer unscrubbed" },
	{ "P", "Performed" },
	{ "T", "Training a more junior trainee" },
	{ NULL, NULL },
};

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

static const char *const role_names[] = { "trainee", "trainer", "faculty", "admin" };

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

		for (int i = 0; i < 4; i++) {
			if (strlen(role_names[i]) == len && strncmp(p, role_names[i], len) == 0) {
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

	for (int i = 0; i < 4; i++)
		if (mask & (1 << i))
			names[n++] = role_names[i];
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
