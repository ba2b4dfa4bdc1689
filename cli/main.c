/*
 * main.c - raslog, the command-line client: global options and the one
 * table of subcommands.
 *
 *   raslog [--server URL] [--token T] COMMAND [ARGS...]
 *
 * Each command is a struct os_cmd (optspec.h) declared in its cmd_*.c
 * file; its run function's return value is the exit code: 0 ok, 1
 * failure, 2 usage, 4 authentication.
 */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "base/banned.h"

#define RASLOG_VERSION "1.0"

/*
 * The commands, one row each: a declared command (struct os_cmd, whose
 * table gives its options, --help and man synopsis).
 */
static const struct os_cmd *const commands[] = {
	&cli_cmd_login, &cli_cmd_logout, &cli_cmd_me, &cli_cmd_log, &cli_cmd_edit, &cli_cmd_withdraw,
	&cli_cmd_sessions, &cli_cmd_pending, &cli_cmd_progress, &cli_cmd_export, &cli_cmd_key, &cli_cmd_sign,
	&cli_cmd_reject, &cli_cmd_assess, &cli_cmd_module, &cli_cmd_signoff, &cli_cmd_trainer, &cli_cmd_accredit,
	&cli_cmd_revoke_accreditation, &cli_cmd_ledger, &cli_cmd_verify, &cli_cmd_import, &cli_cmd_imports,
	&cli_cmd_sign_import, &cli_cmd_audit, NULL,
};

static const struct os_cmd *find(const char *name)
{
	for (const struct os_cmd *const *c = commands; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: raslog [--server URL] [--token TOKEN] COMMAND [ARGS...]\n\n"
		     "The logbook client for robot-assisted surgery training.\n\ncommands:\n");
	for (const struct os_cmd *const *c = commands; *c; c++)
		fprintf(out, "  %-22s %s\n", (*c)->name, (*c)->summary);
	fprintf(out, "\n'raslog COMMAND --help' describes a command.\n\n"
		     "configuration: --server/--token, then RASLOG_SERVER/RASLOG_TOKEN, then\n"
		     "$XDG_CONFIG_HOME/raslog/config ('server = URL', 'token = TOKEN' lines);\n"
		     "the default server is http://127.0.0.1:8080.  Signing keys live in\n"
		     "$XDG_DATA_HOME/raslog/.  Exit codes: 0 ok, 1 failure, 2 usage, 4 authentication.\n");
}

/* raslog --help-man: the roff synopsis of every declared command, for man/raslog.1 (tools/man-synopsis.sh). */
static void help_man(FILE *out)
{
	for (const struct os_cmd *const *c = commands; *c; c++) {
		const struct os_cmd one[2] = { **c, { .name = NULL } };
		os_man(out, one);
	}
}

int main(int argc, char **argv)
{
	const struct os_cmd *c;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(a, "--help-man") == 0) {
			help_man(stdout);
			return CLI_OK;
		} else if (strcmp(a, "--version") == 0) {
			printf("raslog %s\n", RASLOG_VERSION);
			return CLI_OK;
		} else if ((strcmp(a, "--server") == 0 || strcmp(a, "--token") == 0) && i + 1 < argc) {
			if (a[2] == 's')
				cli_config_set_server(argv[++i]);
			else
				cli_config_set_token(argv[++i]);
		} else if (strncmp(a, "--server=", 9) == 0) {
			cli_config_set_server(a + 9);
		} else if (strncmp(a, "--token=", 8) == 0) {
			cli_config_set_token(a + 8);
		} else {
			fprintf(stderr, "raslog: unknown option '%s' (see 'raslog --help')\n", a);
			return CLI_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			usage(stdout);
			return CLI_OK;
		}
		/* "raslog help sign" is "raslog sign --help". */
		if ((c = find(argv[i + 1]))) {
			char *hargv[] = { argv[i + 1], (char *)"--help", NULL };
			return cli_run(c, 2, hargv);
		}
		fprintf(stderr, "raslog: '%s' is not a raslog command (see 'raslog --help')\n", argv[i + 1]);
		return CLI_USAGE;
	}
	if (!(c = find(argv[i]))) {
		fprintf(stderr, "raslog: '%s' is not a raslog command (see 'raslog --help')\n", argv[i]);
		return CLI_USAGE;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "raslog: libsodium cannot be initialised\n");
		return CLI_FAIL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "raslog: libcurl cannot be initialised\n");
		return CLI_FAIL;
	}
	rc = cli_run(c, argc - i, argv + i);
	if (fflush(stdout) != 0 && rc == CLI_OK) {
		perror("raslog: cannot write the output");
		rc = CLI_FAIL;
	}
	cli_http_cleanup();
	curl_global_cleanup();
	return rc;
}
