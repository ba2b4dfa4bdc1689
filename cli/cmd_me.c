/*
 * cmd_me.c - raslog me: who the server says the token belongs to (GET
 * /me), with the curriculum and programme a trainee follows (from /me,
 * or else from their progress report).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#include "base/banned.h"

/* "Title (code v1)" of a curriculum object or string. */
static void curriculum_text(const json_t *cur, char *out, size_t size)
{
	char code[64], ver[32];
	const char *title = json_string_value(json_object_get(cur, "title"));

	if (json_is_string(cur))
		snprintf(out, size, "%s", json_string_value(cur));
	else if (title)
		snprintf(out, size, "%s (%s v%s)", title, cli_json_text(cur, "code", "?", code, sizeof(code)),
			 cli_json_text(cur, "version", "?", ver, sizeof(ver)));
	else
		snprintf(out, size, "%s v%s", cli_json_text(cur, "code", "?", code, sizeof(code)),
			 cli_json_text(cur, "version", "?", ver, sizeof(ver)));
}

static int is_trainee(const json_t *me)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(me, "roles"), i, r)
		if (json_string_value(r) && strcmp(json_string_value(r), "trainee") == 0)
			return 1;
	return 0;
}

static void print_me(const json_t *me)
{
	static const char *const fields[][2] = {
		{ "id", "id" }, { "name", "name" }, { "email", "e-mail" }, { "roles", "roles" },
		{ "site", "site" }, { "gmc", "GMC" }, { NULL, NULL },
	};
	const json_t *cur = json_object_get(me, "curriculum"), *prog = json_object_get(me, "programme");
	json_t *progress = NULL;
	char text[256];

	for (int i = 0; fields[i][0]; i++) {
		char tmp[512];
		const char *v = cli_json_text(me, fields[i][0], NULL, tmp, sizeof(tmp));
		if (v)
			printf("%-11s %s\n", fields[i][1], v);
	}
	/* A trainee's curriculum: from /me, else from their progress report. */
	if (!cur && is_trainee(me)) {
		char path[64];
		struct rl_error err = RL_ERROR_INIT;

		snprintf(path, sizeof(path), "/trainees/%lld/progress", (long long)json_integer_value(json_object_get(me, "id")));
		progress = cli_api("GET", path, NULL, &err);
		rl_error_clear(&err);
		cur = json_object_get(progress, "curriculum");
		if (!prog)
			prog = json_object_get(progress, "programme");
	}
	if (json_is_object(cur) || json_is_string(cur)) {
		curriculum_text(cur, text, sizeof(text));
		printf("%-11s %s\n", "curriculum", text);
	}
	if (json_is_string(prog))
		printf("%-11s %s\n", "programme", json_string_value(prog));
	else if (json_is_object(prog))
		printf("%-11s %s\n", "programme", json_string_value(json_object_get(prog, "name")) ?
		       json_string_value(json_object_get(prog, "name")) : "?");
	json_decref(progress);
}

static int me(const struct os_args *a)
{
	return cli_read(a, "/me", 0, print_me);
}

const struct os_cmd cli_cmd_me = {
	.name = "me",
	.max_args = 0,
	.summary = "who the server says I am",
	.about = "Shows the account the token belongs to: id, name, e-mail, roles, site,\n"
		 "GMC number, and a trainee's curriculum and programme.\n",
	.shared = cli_shared_read,
	.run = me,
	.flags = CLI_NEEDS_TOKEN,
};
