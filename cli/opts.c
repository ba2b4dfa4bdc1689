/*
 * opts.c - option parsing shared by every command: the common options,
 * getopt's complaints turned into one-line usage errors, and checked
 * parsers for ids, dates and comma lists.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

void cli_getopt_reset(void)
{
	optind = 0; /* 0, not 1: glibc then also forgets its state inside a cluster */
	opterr = 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "raslog: %s: %s (see 'raslog %s --help')\n", cmd, msg, cmd);
	return CLI_USAGE;
}

int cli_opt_common(int c, char **argv, const char *cmd, const char *usage)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	switch (c) {
	case CLI_OPT_SERVER:
		cli_config_set_server(optarg);
		return -1;
	case CLI_OPT_TOKEN:
		cli_config_set_token(optarg);
		return -1;
	case 'h':
		fputs(usage, stdout);
		return CLI_OK;
	case ':':
		return cli_usage_error(cmd, "option '%s' needs a value", arg);
	case '?':
		if (optopt && optopt < 256)
			return cli_usage_error(cmd, "unknown option '-%c'", optopt);
		return cli_usage_error(cmd, "unknown option '%s'", arg);
	default:
		return cli_usage_error(cmd, "unexpected option '%s'", arg);
	}
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
