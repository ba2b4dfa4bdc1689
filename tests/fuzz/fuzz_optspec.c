/*
 * fuzz_optspec.c - the command-line parser of both programs
 * (cli/optspec.c) on arbitrary argument vectors: the input split at NUL
 * bytes is argv, run against a group of two commands with required,
 * optional, short and hidden options, a checked option and counted
 * arguments.  It must never crash; it returns 0 (--help), 2 (a usage
 * error) or, when the command ran, the run's value, and a command only
 * runs with its required options given, its argument count in bounds and
 * every check passed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/optspec.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAN 7
#define MAX_ARGS 64

static int check_digit(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size)
{
	if (!*value || strspn(value, "0123456789") != strlen(value)) {
		os_usage_error(a->cmd->name, "--%s must be digits", opt);
		return -1;
	}
	snprintf(norm, size, "n%s", value);
	return 0;
}

static int run(const struct os_args *a)
{
	const char *n = os_get(a, "number");

	if (!os_get(a, "name") || a->argc < a->cmd->min_args ||
	    (a->cmd->max_args >= 0 && a->argc > a->cmd->max_args) || (n && n[0] != 'n'))
		abort();
	return RAN;
}

static const struct os_opt own[] = {
	{ "name", 0, "N", "required", OS_REQUIRED, NULL },
	{ "number", 0, "D", "checked", 0, check_digit },
	{ "yes", 'y', NULL, "short flag", OS_SHORT, NULL },
	{ "out", 'o', "FILE", "short with a value", OS_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt hidden[] = {
	{ "token", 0, "T", "hidden", OS_HIDDEN, NULL },
	{ "json", 0, NULL, "flag", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt *const shared[] = { hidden, NULL };

static const struct os_cmd subs[] = {
	{ .name = "grp one", .args = "ID...", .min_args = 1, .max_args = -1, .opts = own, .shared = shared, .run = run },
	{ .name = "grp two", .args = "[X]", .min_args = 0, .max_args = 1, .opts = own, .run = run },
	{ .name = NULL },
};

static const struct os_cmd group = { .name = "grp", .summary = "a group", .subs = subs };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 2];
	int argc = 0, rc;
	size_t i = 0;

	if (!quiet) {
		/* Usage text and errors go nowhere (libFuzzer keeps stderr): only crashes and wrong results count. */
		if (!freopen("/dev/null", "w", stdout) || !(os_errout = fopen("/dev/null", "w")))
			abort();
		quiet = 1;
	}
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = (char *)"grp";
	while (i <= size && argc < MAX_ARGS) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	argv[argc] = NULL;
	rc = os_dispatch(&group, argc, argv, NULL, NULL);
	if (rc != 0 && rc != 2 && rc != RAN)
		abort();
	free(copy);
	return 0;
}
