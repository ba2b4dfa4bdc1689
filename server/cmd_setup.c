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
#include "../cli/optspec.h"

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

static int cmd_init(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *db = a->ctx;
	char dir[4096];

	if (rl_setup_database(db, &err) < 0 || rl_secrets_dir_for(db, dir, sizeof(dir), &err) < 0)
		return operator_fail(&err);
	fprintf(stderr, "raslogd: %s is ready (schema version %d); its keys are in %s/\n", db, rl_db_schema_version(),
		dir);
	return 0;
}

static int user_add(const struct os_args *a)
{
	struct rl_user_new nu = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	char token[RL_TOKEN_LEN + 1], loaded[512];
	const char *path = a->ctx, *roles = os_get(a, "role");
	int64_t id;

	nu.name = os_get(a, "name");
	nu.email = os_get(a, "email");
	nu.gmc = os_get(a, "gmc");
	nu.site = os_get(a, "site");
	nu.curriculum = os_get(a, "curriculum");
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
	/* A trainee follows a curriculum: say which one they were put on when none was named. */
	if ((nu.roles & RL_ROLE_TRAINEE) && !nu.curriculum) {
		rl_curricula_codes(db, loaded, sizeof(loaded));
		fprintf(stderr, "raslogd: user %lld follows the default curriculum ras-core; --curriculum CODE chooses "
				"another (loaded: %s)\n", (long long)id, loaded);
	}
	rl_db_close(db);
	printf("{\"id\":%lld,\"token\":\"%s\"}\n", (long long)id, token);
	return 0;
}

/* raslogd user token USER_ID [--name N] [--scope read|write] [--expires-at T]: one new token. */
static int user_token(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_pat_new p = { "issued by the operator", 0, 0 };
	struct rl_user u;
	struct rl_db *db;
	char token[RL_TOKEN_LEN + 1];
	const char *path = a->ctx, *scope = os_get(a, "scope"), *expires = os_get(a, "expires-at");
	int64_t token_id;
	long long id;
	int active;

	if (os_get(a, "name"))
		p.name = os_get(a, "name");
	if (scope) {
		if (strcmp(scope, "read") && strcmp(scope, "write"))
			goto usage;
		p.read_only = strcmp(scope, "read") == 0;
	}
	if (expires && (rl_parse_rfc3339(expires, &p.expires) < 0 || p.expires <= time(NULL))) {
		fprintf(stderr, "raslogd: --expires-at must be a future RFC 3339 UTC time such as "
				"2026-12-31T23:59:59Z\n");
		return 2;
	}
	if (rl_parse_int(a->argv[0], 1, INT64_MAX, &id) < 0)
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
	os_usage(stderr, a->cmd);
	return 2;
}

/* raslogd user revoke-tokens USER_ID --token-id N | --all: one token or every token, never by default. */
static int user_revoke(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user u;
	struct rl_db *db;
	const char *path = a->ctx;
	long long id, token_id = 0;
	int all = os_has(a, "all"), n = 0;

	if (os_get(a, "token-id") && rl_parse_int(os_get(a, "token-id"), 1, INT64_MAX, &token_id) < 0)
		goto usage;
	if (rl_parse_int(a->argv[0], 1, INT64_MAX, &id) < 0)
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
	os_usage(stderr, a->cmd);
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
static int cmd_backup(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	char keys[4096];
	const char *path = a->ctx;
	const char *out = a->argv[0];
	static const char *const files[] = { "log.key", "issuer.key", "token.key" };

	if ((size_t)snprintf(keys, sizeof(keys), "%s.keys", out) >= sizeof(keys) - 16) {
		fprintf(stderr, "raslogd: the backup path is too long\n");
		return 2;
	}
	if (access(out, F_OK) == 0 || access(keys, F_OK) == 0) {
		fprintf(stderr, "raslogd: %s or %s already exists; choose a new name for the backup\n", out, keys);
		return 1;
	}
	if (rl_db_open(path, RL_DB_READONLY, &db, &err) < 0)
		return operator_fail(&err);
	if (rl_secrets_copy_to(db, keys, &err) < 0) {
		rl_db_close(db);
		goto undo;
	}
	if (rl_db_backup(db, out, backup_progress, NULL, &err) < 0) {
		rl_db_close(db);
		goto undo;
	}
	rl_db_close(db);
	if (isatty(2))
		fputc('\n', stderr);
	fprintf(stderr, "raslogd: backed up %s to %s (mode 0600) and its log, credential issuer and token keys to "
			"%s/ (mode 0700): keep the two together and as private as the live server; a restore needs both\n",
		path, out, keys);
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

const struct os_cmd op_cmd_init = {
	.name = "init",
	.max_args = 0,
	.summary = "create or migrate the database; load the default curricula",
	.run = cmd_init,
};

static const struct os_opt user_add_opts[] = {
	{ "name", 'n', "N", "the person's name", OS_REQUIRED, NULL },
	{ "email", 'e', "E", "their e-mail address", OS_REQUIRED, NULL },
	{ "role", 'r', "R[,R...]", "trainee, trainer, faculty, admin", OS_REQUIRED, NULL },
	{ "gmc", 'g', "NNNNNNN", "the GMC number", 0, NULL },
	{ "site", 's', "S", "the home site", 0, NULL },
	{ "curriculum", 'c', "CODE", "a trainee's curriculum (default ras-core, which it says)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt user_token_opts[] = {
	{ "name", 'n', "N", "the token's name", 0, NULL },
	{ "scope", 's', "read|write", "what the token may do (default write)", 0, NULL },
	{ "expires-at", 'x', "TIME", "an RFC 3339 UTC time (default: never)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt user_revoke_opts[] = {
	{ "token-id", 't', "N", "the token to revoke (see GET /api/v1/tokens)", 0, NULL },
	{ "all", 'a', NULL, "every token of the user", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_cmd user_cmds[] = {
	{ .name = "user add", .max_args = 0, .summary = "add a user and print their first token (JSON)",
	  .opts = user_add_opts, .run = user_add },
	{ .name = "user token", .args = "USER_ID", .min_args = 1, .max_args = 1, .summary = "issue another token",
	  .opts = user_token_opts, .run = user_token },
	{ .name = "user revoke-tokens", .args = "USER_ID", .min_args = 1, .max_args = 1,
	  .summary = "revoke one token (--token-id N) or every token (--all)", .opts = user_revoke_opts, .run = user_revoke },
	{ .name = NULL },
};

const struct os_cmd op_cmd_user = {
	.name = "user",
	.summary = "add users, issue and revoke their tokens",
	.subs = user_cmds,
};

const struct os_cmd op_cmd_backup = {
	.name = "backup",
	.args = "OUT",
	.min_args = 1,
	.max_args = 1,
	.summary = "consistent online copy of the database (OUT) and its keys (OUT.keys/)",
	.run = cmd_backup,
};
