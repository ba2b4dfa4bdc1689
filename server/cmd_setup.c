/*
 * cmd_setup.c - raslogd init, user, backup: the operator's direct
 * database commands.  They print results on stdout (JSON where a program
 * reads them) and one sentence on stderr on failure.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/accounts.h"
#include "base/codes.h"
#include "store/db.h"
#include "operator.h"
#include "store/secrets.h"
#include "app/setup.h"
#include "domain/logbook.h"
#include "domain/users.h"
#include "base/util.h"

#include "base/banned.h"

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
	if (rl_db_begin(db, &err) < 0 || rl_logbook_add_user(db, &nu, &id, token, &err) < 0 ||
	    rl_db_commit(db, &err) < 0) {
		rl_db_rollback(db);
		rl_db_close(db);
		return operator_fail(&err);
	}
	rl_db_close(db);
	printf("{\"id\":%lld,\"token\":\"%s\"}\n", (long long)id, token);
	return 0;
}

/* raslogd user token USER_ID [--name N] [--scope read|write] [--expires-at T]: one new token. */
static int user_token(const char *path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "scope", required_argument, NULL, 's' },
		{ "expires-at", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct rl_error err = RL_ERROR_INIT;
	struct rl_pat_new p = { "issued by the operator", 0, 0 };
	struct rl_user u;
	struct rl_db *db;
	char token[RL_TOKEN_LEN + 1];
	int64_t token_id;
	long long id;
	int c, active;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': p.name = optarg; break;
		case 's':
			if (strcmp(optarg, "read") && strcmp(optarg, "write"))
				goto usage;
			p.read_only = strcmp(optarg, "read") == 0;
			break;
		case 'x':
			if (rl_parse_rfc3339(optarg, &p.expires) < 0 || p.expires <= time(NULL)) {
				fprintf(stderr, "raslogd: --expires-at must be a future RFC 3339 UTC time such as "
						"2026-12-31T23:59:59Z\n");
				return 2;
			}
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || rl_parse_int(argv[optind], 1, INT64_MAX, &id) < 0)
		goto usage;
	if (rl_db_open(path, 0, &db, &err) < 0)
		return operator_fail(&err);
	if (rl_db_begin(db, &err) < 0 || rl_user_get(db, id, &u, &err) < 0 ||
	    (active = rl_user_is_active(db, id, &err)) < 0 ||
	    (!active && rl_error_set(&err, RL_E_CONFLICT, "deactivated", NULL,
				     "user %lld (%s) is deactivated; reactivate the account first", id, u.name) < 0) ||
	    rl_pat_create(db, id, &p, &token_id, token, &err) < 0 || rl_db_commit(db, &err) < 0) {
		rl_db_rollback(db);
		rl_db_close(db);
		return operator_fail(&err);
	}
	rl_db_close(db);
	printf("{\"id\":%lld,\"token_id\":%lld,\"token\":\"%s\"}\n", id, (long long)token_id, token);
	return 0;
usage:
	fprintf(stderr, "usage: raslogd --db FILE user token USER_ID [--name N] [--scope read|write] "
			"[--expires-at TIME]\n");
	return 2;
}

/* raslogd user revoke-tokens USER_ID --token-id N | --all: one token or every token, never by default. */
static int user_revoke(const char *path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token-id", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user u;
	struct rl_db *db;
	long long id, token_id = 0;
	int c, all = 0, n = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (rl_parse_int(optarg, 1, INT64_MAX, &token_id) < 0)
				goto usage;
			break;
		case 'a': all = 1; break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || rl_parse_int(argv[optind], 1, INT64_MAX, &id) < 0)
		goto usage;
	if (all == !!token_id) {
		fprintf(stderr, "raslogd: say which tokens to revoke: --token-id N for one (see GET /api/v1/tokens), "
				"or --all for every token of the user\n");
		return 2;
	}
	if (rl_db_open(path, 0, &db, &err) < 0)
		return operator_fail(&err);
	if (rl_db_begin(db, &err) < 0 || rl_user_get(db, id, &u, &err) < 0 ||
	    (all ? (n = rl_token_revoke_all(db, id, &err)) : rl_pat_revoke(db, id, token_id, &err)) < 0 ||
	    rl_db_commit(db, &err) < 0) {
		rl_db_rollback(db);
		rl_db_close(db);
		return operator_fail(&err);
	}
	rl_db_close(db);
	printf("{\"id\":%lld,\"revoked_tokens\":%d}\n", id, all ? n : 1);
	fprintf(stderr, "raslogd: revoked %s of user %lld (%s)\n", all ? "every token" : "one token", id, u.name);
	return 0;
usage:
	fprintf(stderr, "usage: raslogd --db FILE user revoke-tokens USER_ID --token-id N | --all\n");
	return 2;
}

int cmd_user(const char *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return user_add(db, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "token") == 0)
		return user_token(db, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "revoke-tokens") == 0)
		return user_revoke(db, argc - 1, argv + 1);
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
