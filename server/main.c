/*
 * main.c - raslogd: the server and the operator's subcommands.
 *
 *   raslogd [--db FILE] [--key-dir DIR] [--config FILE] init | serve | user add | faculty-key add | demo | backup
 *
 * Every subcommand is one function in the table below; its return value
 * is the exit code (0 ok, 1 failure, 2 usage).
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/codes.h"
#include "config.h"
#include "operator.h"
#include "store/secrets.h"
#include "base/util.h"

#include "base/banned.h"

/* The commands, one row each (their options: the tables in server/cmd_*.c). */
static const struct os_cmd *const commands[] = {
	&op_cmd_init,
	&op_cmd_serve,
	&op_cmd_user,
	&op_cmd_faculty_key,
	&op_cmd_demo,
	&op_cmd_backup,
	&op_cmd_notify,
	&op_cmd_rebuild,
	&op_cmd_migrate,
	&op_cmd_erase_text,
	&op_cmd_check_routes,
	NULL,
};

/* Things the core says once to the operator (keys moved out of the database, modes tightened). */
static void notice_stderr(const char *message)
{
	fprintf(stderr, "raslogd: %s\n", message);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: raslogd [--db FILE] [--key-dir DIR] [--config FILE] COMMAND [ARGS]\n\n"
		     "The raslog server and its operator commands. --db defaults to $RASLOG_DB, then the\n"
		     "config file's database, then var/raslog.db. --config (or $RASLOG_CONFIG) names an INI\n"
		     "file with a [server] section (see raslogd(8)); command-line flags override it.\n"
		     "--key-dir DIR (or the config's key_dir) is where the log, credential issuer and token\n"
		     "keys are kept, 0600 files in a 0700 directory; the default is the database path with\n"
		     ".keys appended (var/raslog.db.keys/). The database never holds them.\n\n"
		     "commands:\n");
	for (const struct os_cmd *const *c = commands; *c; c++) {
		if ((*c)->run) {
			os_synopsis(out, *c, "  ");
		} else {
			for (const struct os_cmd *s = (*c)->subs; s->name; s++)
				os_synopsis(out, s, "  ");
		}
	}
	fprintf(out, "\n'raslogd COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	os_prog = "raslogd";
	const char *db = getenv("RASLOG_DB");
	const char *config = getenv("RASLOG_CONFIG");
	const char *key_dir = NULL;
	int i = 1;

	if (sodium_init() < 0) {
		fprintf(stderr, "raslogd: libsodium could not be initialised\n");
		return 1;
	}
	if (db && !*db)
		db = NULL;
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			db = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			db = argv[i] + 5;
			i++;
		} else if (strcmp(argv[i], "--key-dir") == 0 && i + 1 < argc) {
			key_dir = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--key-dir=", 10) == 0) {
			key_dir = argv[i] + 10;
			i++;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			config = argv[i] + 9;
			i++;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--help-man") == 0) {
			/* The roff synopsis of every command, for man/raslogd.8 (tools/man-synopsis.sh). */
			for (const struct os_cmd *const *c = commands; *c; c++) {
				const struct os_cmd one[2] = { **c, { .name = NULL } };
				os_man(stdout, one);
			}
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("raslogd 1.0 (schema %d)\n", 1);
			return 0;
		} else {
			fprintf(stderr, "raslogd: unknown option '%s'; see 'raslogd --help'\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (config && *config) {
		int rc = rl_config_load(config, &rl_config);
		if (rc)
			return rc;
	}
	if (!db)
		db = rl_config.database ? rl_config.database : "var/raslog.db";
	if (key_dir && !*key_dir) {
		fprintf(stderr, "raslogd: --key-dir needs a directory\n");
		return 2;
	}
	rl_secrets_set_dir(key_dir ? key_dir : rl_config.key_dir);
	rl_notice = notice_stderr;
	for (const struct os_cmd *const *c = commands; *c; c++)
		if (strcmp((*c)->name, argv[i]) == 0)
			return os_dispatch(*c, argc - i, argv + i, (void *)db, NULL);
	fprintf(stderr, "raslogd: '%s' is not a command; see 'raslogd --help'\n", argv[i]);
	return 2;
}
