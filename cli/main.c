/*
 * main.c - raslog, the command-line client: global options and the one
 * table of subcommands.
 *
 *   raslog [--server URL] [--token T] COMMAND [ARGS...]
 *
 * Each command is `int cmd_foo(int argc, char **argv)` (argv[0] is the
 * command's name) whose return value is the exit code: 0 ok, 1 failure,
 * 2 usage, 4 authentication.
 */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "base/banned.h"

#define RASLOG_VERSION "1.0"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "login", cmd_login, "sign in from the browser and store a token (no pasting)" },
	{ "logout", cmd_logout, "revoke the stored token and forget it" },
	{ "me", cmd_me, "who the server says I am" },
	{ "log", cmd_log, "log a training session for a trainer to sign" },
	{ "edit", cmd_edit, "correct my pending session" },
	{ "withdraw", cmd_withdraw, "withdraw my pending session (it stays in my history)" },
	{ "sessions", cmd_sessions, "list the sessions I may see" },
	{ "pending", cmd_pending, "list the sessions waiting for my signature" },
	{ "progress", cmd_progress, "show a trainee's progress towards accreditation" },
	{ "export", cmd_export, "export a trainee's portfolio (csv, json, credential)" },
	{ "key", cmd_key, "generate, register, list and revoke my signing key" },
	{ "sign", cmd_sign, "confirm sessions with my signature (trainer)" },
	{ "reject", cmd_reject, "reject a session with a signed reason (trainer)" },
	{ "assess", cmd_assess, "sign a scored assessment of a session (trainer)" },
	{ "module", cmd_module, "sign a trainee's module completion (trainer)" },
	{ "trainer", cmd_trainer, "list trainers; accredit a trainer's key; assign trainees (faculty)" },
	{ "accredit", cmd_accredit, "sign a trainee's accreditation (faculty)" },
	{ "revoke-accreditation", cmd_revoke_accreditation, "revoke an earlier accreditation (faculty)" },
	{ "ledger", cmd_ledger, "export the ledger, show its head, fetch proofs" },
	{ "verify", cmd_verify, "verify a ledger export offline" },
	{ "audit", cmd_audit, "recompute every figure from the signed ledger and compare with the server" },
	{ "import", cmd_import, "upload a simulator attempts file for a trainer to countersign" },
	{ "imports", cmd_imports, "list the imports I uploaded or that wait for me" },
	{ "sign-import", cmd_sign_import, "countersign or reject an import (trainer)" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: raslog [--server URL] [--token TOKEN] COMMAND [ARGS...]\n\n"
		     "The logbook client for robot-assisted surgery training.\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-22s %s\n", c->name, c->summary);
	fprintf(out, "\n'raslog COMMAND --help' describes a command.\n\n"
		     "configuration: --server/--token, then RASLOG_SERVER/RASLOG_TOKEN, then\n"
		     "$XDG_CONFIG_HOME/raslog/config ('server = URL', 'token = TOKEN' lines);\n"
		     "the default server is http://127.0.0.1:8080.  Signing keys live in\n"
		     "$XDG_DATA_HOME/raslog/.  Exit codes: 0 ok, 1 failure, 2 usage, 4 authentication.\n");
}

int main(int argc, char **argv)
{
	const struct command *c;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
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
		for (c = commands; c->name; c++)
			if (strcmp(c->name, argv[i + 1]) == 0) {
				char *hargv[] = { argv[i + 1], (char *)"--help", NULL };
				return c->fn(2, hargv);
			}
		fprintf(stderr, "raslog: '%s' is not a raslog command (see 'raslog --help')\n", argv[i + 1]);
		return CLI_USAGE;
	}
	for (c = commands; c->name; c++)
		if (strcmp(c->name, argv[i]) == 0)
			break;
	if (!c->name) {
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
	rc = c->fn(argc - i, argv + i);
	if (fflush(stdout) != 0 && rc == CLI_OK) {
		perror("raslog: cannot write the output");
		rc = CLI_FAIL;
	}
	cli_http_cleanup();
	curl_global_cleanup();
	return rc;
}
