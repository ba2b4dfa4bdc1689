/*
 * cmd_setup.c - raslogd init, user, backup: the operator's direct
 * database commands.  They print results on stdout (JSON where a program
 * reads them) and one sentence on stderr on failure.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "codes.h"
#include "db.h"
#include "operator.h"
#include "secrets.h"
#include "setup.h"
#include "users.h"
#include "util.h"

#include "banned.h"

int operator_fail(const struct rl_error *err)
{
	if (err->nfields) {
		for (int i = 0; i < err->nfields; i++)
			fprintf(stderr, "raslogd: %s: %s\n", err->fields[i].field, err->fields[i].message);
		return 2;
	}
	fprintf(stderr, "raslogd: %s\n", err->detail[0] ? err->detail : err->title);
	return 1;
}

int cmd_init(const char *db, int argc, char **argv)
{
	struct rl_error err = RL_ERROR_INIT;

	if (argc > 1) {
		fprintf(stderr, "usage: raslogd --db FILE init\n");
		return 2;
	}
	char dir[4096];

	if (rl_setup_database(db, &err) < 0 || rl_secrets_dir_for(db, dir, sizeof(dir), &err) < 0)
		return operator_fail(&err);
	fprintf(stderr, "raslogd: %s is ready (schema version %d); its keys are in %s/\n", db, rl_db_schema_version(),
		dir);
	return 0;
}

static int user_add(const char *path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "email", required_argument, NULL, 'e' },
		{ "role", required_argument, NULL, 'r' },
		{ "gmc", required_argument, NULL, 'g' },
		{ "site", required_argument, NULL, 's' },
		{ "curriculum", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct rl_user_new nu = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	char token[RL_TOKEN_LEN + 1];
	const char *roles = NULL;
	int64_t id;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': nu.name = optarg; break;
		case 'e': nu.email = optarg; break;
		case 'r': roles = optarg; break;
		case 'g': nu.gmc = optarg; break;
		case 's': nu.site = optarg; break;
		case 'c': nu.curriculum = optarg; break;
		default:
			fprintf(stderr, "usage: raslogd --db FILE user add --name N --email E --role R[,R...] "
					"[--gmc NNNNNNN] [--site S] [--curriculum CODE]\n");
			return 2;
		}
	}
	if (!roles || rl_roles_parse(roles, &nu.roles) < 0) {
		fprintf(stderr, "raslogd: --role must be one or more of trainee, trainer, faculty, admin, "
				"separated by commas\n");
		return 2;
	}
	if (rl_db_open(path, 0, &db, &err) < 0)
		return operator_fail(&err);
	if (rl_db_begin(db, &err) < 0 || rl_user_add(db, &nu, &id, token, &err) < 0 ||
	    rl_db_commit(db, &err) < 0) {
		rl_db_rollback(db);
		rl_db_close(db);
		return operator_fail(&err);
	}
	rl_db_close(db);
	printf("{\"id\":%lld,\"token\":\"%s\"}\n", (long long)id, token);
	return 0;
}

static int user_token(const char *path, int argc, char **argv, int revoke)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user u;
	struct rl_db *db;
	char token[RL_TOKEN_LEN + 1];
	long long id;
	int n = 0;

	if (argc != 2 || rl_parse_int(argv[1], 1, INT64_MAX, &id) < 0) {
		fprintf(stderr, "usage: raslogd --db FILE user %s USER_ID\n", revoke ? "revoke-tokens" : "token");
		return 2;
	}
	if (rl_db_open(path, 0, &db, &err) < 0)
		return operator_fail(&err);
	if (rl_db_begin(db, &err) < 0 || rl_user_get(db, id, &u, &err) < 0 ||
	    (revoke ? (n = rl_token_revoke_all(db, id, &err)) : rl_token_issue(db, id, token, &err)) < 0 ||
	    rl_db_commit(db, &err) < 0) {
		rl_db_rollback(db);
		rl_db_close(db);
		return operator_fail(&err);
	}
	rl_db_close(db);
	if (revoke)
		printf("{\"id\":%lld,\"revoked_tokens\":%d}\n", id, n);
	else
		printf("{\"id\":%lld,\"token\":\"%s\"}\n", id, token);
	return 0;
}

int cmd_user(const char *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return user_add(db, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "token") == 0)
		return user_token(db, argc - 1, argv + 1, 0);
	if (argc >= 2 && strcmp(argv[1], "revoke-tokens") == 0)
		return user_token(db, argc - 1, argv + 1, 1);
	fprintf(stderr, "usage: raslogd --db FILE user add|token|revoke-tokens ...\n");
	return 2;
}

static void backup_progress(int remaining, int total, void *ctx)
{
	if (isatty(2) && total > 0)
		fprintf(stderr, "\rraslogd: backup %3d%%", (int)(100.0 * (total - remaining) / total));
}

/*
 * backup OUT: the database to OUT (0600) and its three key files to
 * OUT.keys/ (0700, files 0600), so that a restore of the two together
 * can serve and sign.  Refuses when either exists; on failure removes
 * what it wrote.  A pure reader: a database whose keys are still inside
 * (an older raslogd's) must be opened once for writing first.
 */
int cmd_backup(const char *path, int argc, char **argv)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	char keys[4096];
	static const char *const files[] = { "log.key", "issuer.key", "token.key" };

	if (argc != 2) {
		fprintf(stderr, "usage: raslogd --db FILE backup OUT   (writes OUT and OUT.keys/)\n");
		return 2;
	}
	if ((size_t)snprintf(keys, sizeof(keys), "%s.keys", argv[1]) >= sizeof(keys) - 16) {
		fprintf(stderr, "raslogd: the backup path is too long\n");
		return 2;
	}
	if (access(argv[1], F_OK) == 0 || access(keys, F_OK) == 0) {
		fprintf(stderr, "raslogd: %s or %s already exists; choose a new name for the backup\n", argv[1], keys);
		return 1;
	}
	if (rl_db_open(path, RL_DB_READONLY, &db, &err) < 0)
		return operator_fail(&err);
	if (rl_secrets_copy_to(db, keys, &err) < 0) {
		rl_db_close(db);
		goto undo;
	}
	if (rl_db_backup(db, argv[1], backup_progress, NULL, &err) < 0) {
		rl_db_close(db);
		goto undo;
	}
	rl_db_close(db);
	if (isatty(2))
		fputc('\n', stderr);
	fprintf(stderr, "raslogd: backed up %s to %s (mode 0600) and its log, credential issuer and token keys to "
			"%s/ (mode 0700): keep the two together and as private as the live server; a restore needs both\n",
		path, argv[1], keys);
	return 0;
undo:
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char p[4096 + 16];
		snprintf(p, sizeof(p), "%s/%s", keys, files[i]);
		unlink(p);
	}
	rmdir(keys);
	return operator_fail(&err);
}
