/*
 * db.c - SQLite access: open, pragmas, migrations, statement cache,
 * transactions and error mapping; see db.h.
 */
#include "base/prelude.h"

#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/embedded.h"
#include "store/secrets.h"
#include "base/util.h"

int rl_db_fail(struct rl_db *db, struct rl_error *err, const char *what)
{
	int code = db && db->sql ? sqlite3_extended_errcode(db->sql) : SQLITE_ERROR;
	const char *msg = db && db->sql ? sqlite3_errmsg(db->sql) : "no connection";

	switch (code & 0xff) {
	case SQLITE_FULL:
		return rl_error_set(err, RL_E_UNAVAILABLE, "storage-full", NULL,
				    "the database disk is full while %s; nothing was stored, try again later", what);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_NOMEM:
	case SQLITE_PROTOCOL:
		return rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL,
				    "the database could not be written while %s (%s); nothing was stored, try again later",
				    what, msg);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return rl_error_set(err, RL_E_UNAVAILABLE, "storage-corrupt", NULL,
				    "the database is damaged (%s) while %s", msg, what);
	default:
		return rl_error_set(err, RL_E_INTERNAL, "internal", NULL,
				    "database error while %s: %s", what, msg);
	}
}

int rl_db_stamp_user_rows(struct rl_db *db, const char *sql, int64_t user_id, const char *what,
			  struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db, sql, err);
	char now[21];

	if (!st)
		return -1;
	rl_now_rfc3339(now);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, user_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return rl_db_fail(db, err, what);
	return sqlite3_changes(db->sql);
}

sqlite3_stmt *rl_db_stmt(struct rl_db *db, const char *sql, struct rl_error *err)
{
	sqlite3_stmt *st = NULL;

	for (int i = 0; i < db->nstmt; i++) {
		if (db->cache[i].text == sql) {
			st = db->cache[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		rl_db_fail(db, err, "preparing a query");
		return NULL;
	}
	if (db->nstmt < RL_DB_STMT_CACHE) {
		db->cache[db->nstmt].text = sql;
		db->cache[db->nstmt].stmt = st;
		db->nstmt++;
	} else {
		/* Cache full: a programming error in practice; keep working, leak-free. */
		sqlite3_finalize(db->cache[0].stmt);
		db->cache[0].text = sql;
		db->cache[0].stmt = st;
	}
	return st;
}

void rl_db_end_reads(struct rl_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->nstmt; i++)
		sqlite3_reset(db->cache[i].stmt);
}

int rl_db_exec(struct rl_db *db, const char *sql, struct rl_error *err)
{
	if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return rl_db_fail(db, err, "running a statement");
	return 0;
}

int rl_db_begin(struct rl_db *db, struct rl_error *err)
{
	return rl_db_exec(db, "BEGIN IMMEDIATE", err);
}

int rl_db_commit(struct rl_db *db, struct rl_error *err)
{
	if (sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rl_db_fail(db, err, "committing");
		rl_db_rollback(db);
		return -1;
	}
	return 0;
}

void rl_db_rollback(struct rl_db *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

int rl_db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (!s || !*s)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

const char *rl_db_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int rl_db_meta_get(struct rl_db *db, const char *key, void *out, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	sqlite3_stmt *st = rl_db_stmt(db, "SELECT value FROM meta WHERE key = ?", &err);
	int n = -1;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_bytes(st, 0);
		if ((size_t)n > size)
			n = -1;
		else
			memcpy(out, sqlite3_column_blob(st, 0), (size_t)n);
	}
	sqlite3_reset(st);
	return n;
}

int rl_db_meta_put(struct rl_db *db, const char *key, const void *value, size_t len,
		   struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", err);

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, value, (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return rl_db_fail(db, err, "storing a setting");
	sqlite3_reset(st);
	return 0;
}

/* Migrations are the embedded files schema/NNN_name.sql, applied in order. */
static int migration_number(const char *path)
{
	const char *base;
	long long n;
	char digits[4];

	if (strncmp(path, "schema/", 7) != 0)
		return -1;
	base = path + 7;
	if (strchr(base, '/') || strlen(base) < 8 || base[3] != '_' ||
	    strcmp(base + strlen(base) - 4, ".sql") != 0)
		return -1;
	memcpy(digits, base, 3);
	digits[3] = '\0';
	if (rl_parse_int(digits, 0, 999, &n) < 0 || digits[0] == '-')
		return -1;
	return (int)n;
}

int rl_db_schema_version(void)
{
	int max = 0;

	for (const struct rl_embedded *e = rl_embedded_files; e->path; e++) {
		int n = migration_number(e->path);
		if (n > max)
			max = n;
	}
	return max;
}

static int pragma_int(struct rl_db *db, const char *sql)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(struct rl_db *db, struct rl_error *err)
{
	int have = pragma_int(db, "PRAGMA user_version");
	int want = rl_db_schema_version();
	char sql[64];

	if (have < 0)
		return rl_db_fail(db, err, "reading the schema version");
	if (have > want)
		return rl_error_set(err, RL_E_UNAVAILABLE, "schema-too-new", "Database is newer than this raslog",
				    "the database %s has schema version %d but this raslog knows only up to %d; "
				    "upgrade raslog rather than opening it with an older one", db->path, have, want);
	for (int v = have + 1; v <= want; v++) {
		const struct rl_embedded *m = NULL;

		for (const struct rl_embedded *e = rl_embedded_files; e->path; e++)
			if (migration_number(e->path) == v)
				m = e;
		if (!m)
			return rl_error_set(err, RL_E_INTERNAL, "internal", NULL,
					    "migration %03d is missing from this build", v);
		if (rl_db_begin(db, err) < 0)
			return -1;
		if (sqlite3_exec(db->sql, m->data, NULL, NULL, NULL) != SQLITE_OK) {
			rl_error_set(err, RL_E_INTERNAL, "migration-failed", NULL,
				     "applying %s failed: %s", m->path, sqlite3_errmsg(db->sql));
			rl_db_rollback(db);
			return -1;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
		if (rl_db_exec(db, sql, err) < 0 || rl_db_commit(db, err) < 0) {
			rl_db_rollback(db);
			return -1;
		}
	}
	return 0;
}

int rl_db_open(const char *path, int flags, struct rl_db **out, struct rl_error *err)
{
	struct rl_db *db;
	int oflags = SQLITE_OPEN_NOMUTEX;

	*out = NULL;
	if (!(flags & RL_DB_CREATE) && access(path, F_OK) != 0)
		return rl_error_set(err, RL_E_UNAVAILABLE, "no-database", "No database",
				    "there is no database at %s; create it with 'raslogd --db %s init'", path, path);
	db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return rl_error_internal(err, "out of memory");
	}
	{
		char dir[PATH_MAX];
		if (rl_secrets_dir_for(path, dir, sizeof(dir), err) < 0)
			goto fail;
		if (!(db->key_dir = strdup(dir))) {
			rl_error_internal(err, "out of memory");
			goto fail;
		}
	}
	if (flags & RL_DB_CREATE) {
		/* A new database is private from its first byte (not left to the umask). */
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		else if (errno != EEXIST) {
			rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL, "cannot create the database %s: %s",
				     path, strerror(errno));
			goto fail;
		}
	}
	oflags |= (flags & RL_DB_READONLY) ? SQLITE_OPEN_READONLY
					   : SQLITE_OPEN_READWRITE | ((flags & RL_DB_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &db->sql, oflags, NULL) != SQLITE_OK) {
		rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL,
			     "cannot open the database %s: %s", path,
			     db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->sql, 1);
	sqlite3_busy_timeout(db->sql, 10000);
	if (!(flags & RL_DB_READONLY)) {
		if (rl_db_exec(db, "PRAGMA journal_mode = WAL", err) < 0)
			goto fail;
	}
	/* recursive_triggers: REPLACE conflict resolution then fires delete
	 * triggers.  The ledger does not depend on it: its BEFORE INSERT
	 * triggers (schema/004) refuse a replace from any connection. */
	if (rl_db_exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA recursive_triggers = ON;", err) < 0)
		goto fail;
	if (flags & RL_DB_READONLY) {
		int have = pragma_int(db, "PRAGMA user_version");
		if (have != rl_db_schema_version()) {
			rl_error_set(err, RL_E_UNAVAILABLE, "schema-mismatch", NULL,
				     "the database %s has schema version %d, this raslog expects %d", path,
				     have, rl_db_schema_version());
			goto fail;
		}
	} else if (migrate(db, err) < 0 || rl_secrets_move_out(db, err) < 0) {
		goto fail;
	}
	*out = db;
	return 0;
fail:
	rl_db_close(db);
	return -1;
}

void rl_db_close(struct rl_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->nstmt; i++)
		sqlite3_finalize(db->cache[i].stmt);
	sqlite3_close(db->sql);
	rl_secrets_release(db);
	free(db->key_dir);
	free(db->path);
	free(db);
}

int rl_db_secure_files(const char *path, struct rl_error *err)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (snprintf(p, sizeof(p), "%s%s", path, suffixes[i]) >= (int)sizeof(p))
			return rl_error_set(err, RL_E_INVALID, "bad-path", NULL, "the database path is too long");
		if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 077))
			continue;
		if (chmod(p, st.st_mode & 0700) < 0)
			return rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL,
					    "cannot make %s private (mode 0600): %s", p, strerror(errno));
		if (rl_notice) {
			char msg[PATH_MAX + 96];
			snprintf(msg, sizeof(msg), "set mode %04o on %s (it was %04o: readable by other users)",
				 (unsigned)(st.st_mode & 0700), p, (unsigned)(st.st_mode & 07777));
			rl_notice(msg);
		}
	}
	return 0;
}

int rl_db_backup(struct rl_db *db, const char *out_path,
		 void (*progress)(int remaining, int total, void *ctx), void *ctx,
		 struct rl_error *err)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc;

	int fd = open(out_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 && errno == EEXIST)
		return rl_error_set(err, RL_E_CONFLICT, "exists", NULL,
				    "%s already exists; choose a new file for the backup", out_path);
	if (fd < 0)
		return rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL, "cannot create %s: %s",
				    out_path, strerror(errno));
	close(fd);
	if (sqlite3_open(out_path, &dst) != SQLITE_OK) {
		rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL,
			     "cannot create %s: %s", out_path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		unlink(out_path);
		return -1;
	}
	b = sqlite3_backup_init(dst, "main", db->sql, "main");
	if (!b) {
		rl_error_set(err, RL_E_INTERNAL, "internal", NULL, "backup failed: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		unlink(out_path);
		return -1;
	}
	do {
		rc = sqlite3_backup_step(b, 256);
		if (progress)
			progress(sqlite3_backup_remaining(b), sqlite3_backup_pagecount(b), ctx);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL,
			     "backup to %s failed: %s", out_path, sqlite3_errstr(rc));
		sqlite3_close(dst);
		unlink(out_path);
		return -1;
	}
	rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	sqlite3_close(dst);
	return 0;
}
