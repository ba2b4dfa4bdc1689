/*
 * cmd_migrate.c - raslogd migrate --from FILE.db --to TARGET: moves a
 * programme's database to another engine (a SQLite file to PostgreSQL,
 * or to another SQLite file), keys and all.
 *
 * The target is new and empty: migrations make its schema, the key files
 * are copied into its key directory (--key-dir or the config's key_dir;
 * beside a target file by default), every row is copied in one
 * transaction (core/store/copy.h), and then both ledgers are compared:
 * the same number of entries, the same Merkle root and the same signed
 * tree head, or the command fails.  The source is only read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ledger/ledger.h"
#include "operator.h"
#include "store/copy.h"
#include "store/db.h"
#include "store/secrets.h"
#include "../cli/optspec.h"

#include "base/banned.h"

static void show_progress(const char *table, int64_t done, int64_t total, void *ctx)
{
	if (!isatty(2))
		return;
	fprintf(stderr, "\rcopying %-24s %lld of %lld rows", table, (long long)done, (long long)total);
	if (done == total)
		fprintf(stderr, "\n");
}

/* The signed head of a database as one comparable string. */
static char *head_text(struct rl_db *db, int64_t *size, struct rl_error *err)
{
	json_t *head = rl_ledger_head(db, err);
	char *text;

	if (!head || rl_ledger_size(db, size, err) < 0) {
		json_decref(head);
		return NULL;
	}
	text = json_dumps(head, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(head);
	return text;
}

/* Undoes what a failed migrate made: the copied key files and a new target file. */
static void remove_made(const char *keys, const char *target_file)
{
	static const char *const files[] = { "log.key", "issuer.key", "token.key", "cache.key" };
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char p[4200];

	if (keys) {
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", keys, files[i]);
			unlink(p);
		}
		rmdir(keys);
	}
	for (size_t i = 0; target_file && i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", target_file, suffixes[i]);
		unlink(p);
	}
}

static int cmd_migrate(const struct os_args *args)
{
	static char target_keys[4096];
	const char *from = os_get(args, "from"), *to = os_get(args, "to");
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *src = NULL, *dst = NULL;
	struct rl_copy_stats stats;
	char *src_head = NULL, *dst_head = NULL;
	int64_t src_size = 0, dst_size = 0;
	int rc = 1, made_keys = 0, made_file = 0;

	if (rl_db_target_is_postgresql(from))
		return os_usage_error("migrate", "--from must be a SQLite database file, not '%s'", from);
	if (strcmp(from, to) == 0)
		return os_usage_error("migrate", "--from and --to name the same database");
	if (rl_secrets_dir_for(to, target_keys, sizeof(target_keys), &err) < 0)
		return operator_fail(&err);
	/* The source's keys are beside it unless --from-key-dir says where. */
	rl_secrets_set_dir(os_get(args, "from-key-dir"));
	if (!rl_db_target_is_postgresql(to) && access(to, F_OK) == 0) {
		rl_error_set(&err, RL_E_CONFLICT, "migrate-exists", NULL,
			     "%s already exists; migrate into a new database", to);
		goto fail;
	}
	if (rl_db_open(from, RL_DB_READONLY, &src, &err) < 0 || rl_secrets_check(src, &err) < 0 ||
	    rl_secrets_copy_to(src, target_keys, &err) < 0)
		goto fail;
	made_keys = 1;
	made_file = !rl_db_target_is_postgresql(to);
	rl_secrets_set_dir(target_keys);
	if (rl_db_open(to, RL_DB_CREATE, &dst, &err) < 0 ||
	    rl_db_copy(src, dst, show_progress, NULL, &stats, &err) < 0 || rl_secrets_check(dst, &err) < 0)
		goto fail;
	if (!(src_head = head_text(src, &src_size, &err)) || !(dst_head = head_text(dst, &dst_size, &err)))
		goto fail;
	if (src_size != dst_size || strcmp(src_head, dst_head) != 0) {
		rl_error_set(&err, RL_E_INTERNAL, "migrate-mismatch", NULL,
			     "after the copy the ledgers differ (%lld entries, head %s; %lld entries, head %s)",
			     (long long)src_size, src_head, (long long)dst_size, dst_head);
		goto fail;
	}
	printf("copied %d tables, %lld rows, from %s to %s (%s); the ledger of %lld entries has the same signed "
	       "head on both: %s\nkeys: %s\n",
	       stats.tables, (long long)stats.rows, from, to, rl_db_engine_name(dst), (long long)dst_size, dst_head,
	       target_keys);
	rc = 0;
	goto out;
fail:
	rc = operator_fail(&err);
out:
	free(src_head);
	free(dst_head);
	rl_db_close(src);
	rl_db_close(dst);
	if (rc != 0)
		remove_made(made_keys ? target_keys : NULL, made_file ? to : NULL);
	return rc;
}

static const struct os_opt migrate_opts[] = {
	{ "from", 'f', "FILE", "the SQLite database to copy (only read)", OS_REQUIRED, NULL },
	{ "to", 't', "TARGET", "the new database: postgresql://... or a new SQLite file", OS_REQUIRED, NULL },
	{ "from-key-dir", 'k', "DIR", "the source's key directory (default FILE.keys)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd op_cmd_migrate = {
	.name = "migrate",
	.max_args = 0,
	.summary = "copy a SQLite database into a new PostgreSQL (or SQLite) database, keys and all",
	.about = "The target must be new: its schema is made, the key files are copied into its key\n"
		 "directory (--key-dir, or the config's key_dir), every row is copied in one transaction,\n"
		 "and the two ledgers must then have the same size and signed head.\n",
	.opts = migrate_opts,
	.run = cmd_migrate,
};
