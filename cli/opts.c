/*
 * opts.c - option parsing shared by every command: the option tables
 * every command shares (optspec.h), the run hook that applies --server
 * and --token and checks a token is there, the option checks (ids,
 * dates, role, tool and step codes, case-insensitive where the codes
 * are), and the usage-error and parsing helpers the commands call.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "base/codes.h"
#include "base/util.h"
#include "domain/curriculum.h"
#include "domain/progress.h"

#include "base/banned.h"

const struct os_opt cli_common_opts[] = {
	{ "server", 0, "URL", "the server (as 'raslog --server')", OS_HIDDEN, NULL },
	{ "token", 0, "TOKEN", "the API token (as 'raslog --token')", OS_HIDDEN, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt json_opts[] = {
	{ "json", 0, NULL, "print the server's JSON", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt sign_opts[] = {
	{ "yes", 'y', NULL, "sign without asking (needed without a terminal)", OS_SHORT, NULL },
	{ "passphrase-file", 0, "FILE", "the passphrase of a sealed key (or RASLOG_PASSPHRASE)", 0, NULL },
	{ "json", 0, NULL, "print the server's answers as JSON", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_opt *const cli_shared_plain[] = { cli_common_opts, NULL };
const struct os_opt *const cli_shared_read[] = { json_opts, cli_common_opts, NULL };
const struct os_opt *const cli_shared_sign[] = { sign_opts, cli_common_opts, NULL };

/* Applies --server and --token; for a command that needs one, says at once when there is no token. */
static int hook(const struct os_args *a)
{
	const char *server, *token;
	struct rl_error err = RL_ERROR_INIT;

	if (os_declares(a->cmd, "server") >= 0 && os_get(a, "server"))
		cli_config_set_server(os_get(a, "server"));
	if (os_declares(a->cmd, "token") >= 0 && os_get(a, "token"))
		cli_config_set_token(os_get(a, "token"));
	if ((a->cmd->flags & CLI_NEEDS_TOKEN) && cli_config_get(&server, &token, 1, &err) < 0)
		return cli_fail(&err);
	return 0;
}

int cli_run(const struct os_cmd *cmd, int argc, char **argv)
{
	return os_dispatch(cmd, argc, argv, NULL, hook);
}

int cli_check_id(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size)
{
	char what[64];
	int64_t id;

	(void)norm;
	(void)size;
	snprintf(what, sizeof(what), "--%s", opt);
	return cli_parse_id(a->cmd->name, what, value, &id);
}

int64_t cli_opt_id(const struct os_args *a, const char *name)
{
	const char *v = os_get(a, name);

	return v ? (int64_t)strtoll(v, NULL, 10) : 0;
}

int cli_check_date(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size)
{
	char what[64];

	(void)norm;
	(void)size;
	snprintf(what, sizeof(what), "--%s", opt);
	return cli_parse_date(a->cmd->name, what, value);
}

int cli_check_index(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size)
{
	long long v;

	(void)norm;
	(void)size;
	if (rl_parse_int(value, 0, INT64_MAX, &v) < 0) {
		os_usage_error(a->cmd->name, "--%s must be a ledger index (0 or more), not '%s'", opt, value);
		return -1;
	}
	return 0;
}

int cli_check_role(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size)
{
	for (const struct rl_code *c = rl_case_roles; c->code; c++)
		if (strcasecmp(c->code, value) == 0) {
			snprintf(norm, size, "%s", c->code);
			return 0;
		}
	os_usage_error(a->cmd->name, "--%s must be one of %s, not '%s'", opt, rl_code_list(rl_case_roles), value);
	return -1;
}

int cli_check_tool(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	const struct rl_tools *tools = rl_tools_default(&err);
	char list[256] = "";
	size_t len = 0;

	for (size_t i = 0; tools && i < rl_tools_count(tools); i++) {
		const char *id = rl_tool_id(rl_tools_at(tools, i));
		int k;
		if (strcasecmp(id, value) == 0) {
			snprintf(norm, size, "%s", id);
			return 0;
		}
		k = snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "", id);
		if (k > 0 && (size_t)k < sizeof(list) - len)
			len += (size_t)k;
	}
	rl_error_clear(&err);
	os_usage_error(a->cmd->name, "--%s must be one of %s, not '%s'", opt, len ? list : "(no tools are loaded)", value);
	return -1;
}

int cli_check_steps(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size)
{
	char what[64];
	json_t *list;
	size_t i, len = 0;
	json_t *s;

	snprintf(what, sizeof(what), "--%s", opt);
	if (!(list = cli_split_list(a->cmd->name, what, value)))
		return -1;
	json_array_foreach(list, i, s) {
		char code[80];
		size_t n = 0;
		for (const char *p = json_string_value(s); *p && n + 1 < sizeof(code); p++)
			code[n++] = (char)tolower((unsigned char)*p);
		code[n] = '\0';
		if (!rl_step_code_valid(code)) {
			os_usage_error(a->cmd->name, "--%s: '%s' is not a step code (1 to 64 of a-z, 0-9, '_', '.', '-')", opt,
				       json_string_value(s));
			json_decref(list);
			return -1;
		}
		/* A list too long for the buffer is passed on as given (the server checks it). */
		if (len + n + 2 < size) {
			len += (size_t)snprintf(norm + len, size - len, "%s%s", len ? "," : "", code);
		} else {
			norm[0] = '\0';
			break;
		}
	}
	json_decref(list);
	return 0;
}

int cli_parse_id(const char *cmd, const char *what, const char *text, int64_t *out)
{
	long long v;

	if (!text || rl_parse_int(text, 1, INT64_MAX, &v) < 0 || text[0] == '0') {
		cli_usage_error(cmd, "%s must be a positive whole number, not '%s'", what, text ? text : "");
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_date(const char *cmd, const char *what, const char *text)
{
	long days;

	if (!text || strlen(text) != 10 || rl_parse_date(text, &days) < 0) {
		cli_usage_error(cmd, "%s must be a date written YYYY-MM-DD, not '%s'", what, text ? text : "");
		return -1;
	}
	return 0;
}

json_t *cli_split_list(const char *cmd, const char *what, const char *text)
{
	json_t *a = json_array();
	const char *p = text;

	for (;;) {
		size_t n = strcspn(p, ",");
		const char *s = p, *e = p + n;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e == s) {
			json_decref(a);
			cli_usage_error(cmd, "%s has an empty item in '%s'", what, text);
			return NULL;
		}
		if (json_array_append_new(a, json_stringn(s, (size_t)(e - s))) < 0) {
			json_decref(a);
			cli_usage_error(cmd, "%s is not valid UTF-8", what);
			return NULL;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	return a;
}
