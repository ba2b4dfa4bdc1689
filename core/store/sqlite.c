/*
 * sqlite.c - the SQLite engine (engine.h): a file opened in WAL mode with
 * synchronous=FULL, so a commit is on disk before it is acknowledged;
 * foreign keys on; schema version in PRAGMA user_version; the online
 * backup API for raslogd backup.
 */
#include "base/prelude.h"

#include <fcntl.h>
/* The preupdate hook (lite_watch_rows): Debian's and most builds of the library have it (PRAGMA compile_options). */
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>
#include <sys/stat.h>

#include "base/util.h"
#include "store/engine.h"
#include "store/secrets.h"
#include "store/sqlite.h"

#define CONN(db) ((sqlite3 *)(db)->conn)

/* The writer's page cache ceiling (RL_DB_WRITER), in KiB (a negative cache_size). */
#define RL_SQLITE_WRITER_CACHE_PRAGMA "PRAGMA cache_size = -16384"

/*
 * The writer's WAL auto-checkpoint, in pages (SQLite's default is 1,000).
 * Each checkpoint copies every page the WAL holds back into the database
 * and syncs it; the hot pages (index interiors, the status rows) are copied
 * once per checkpoint however often they were written.  8,000 pages (about
 * 32 MiB of WAL) halved the bytes written per logged session (bench/README,
 * session 11).
 */
#define RL_SQLITE_WRITER_CHECKPOINT_PRAGMA "PRAGMA wal_autocheckpoint = 8000"

#define STMT(st) ((sqlite3_stmt *)(st)->impl)

static int lite_open(struct rl_db *db, int flags, struct rl_error *err)
{
	const char *path = db->path;
	int oflags = SQLITE_OPEN_NOMUTEX;
	sqlite3 *conn = NULL;

	if (!(flags & RL_DB_CREATE) && access(path, F_OK) != 0)
		return rl_error_set(err, RL_E_UNAVAILABLE, "no-database", "No database",
				    "there is no database at %s; create it with 'raslogd --db %s init'", path, path);
	if (flags & RL_DB_CREATE) {
		/* A new database is private from its first byte (not left to the umask). */
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		else if (errno != EEXIST)
			return rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL,
					    "cannot create the database %s: %s", path, strerror(errno));
	}
	oflags |= (flags & RL_DB_READONLY) ? SQLITE_OPEN_READONLY
					   : SQLITE_OPEN_READWRITE | ((flags & RL_DB_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &conn, oflags, NULL) != SQLITE_OK) {
		rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL, "cannot open the database %s: %s",
			     path, conn ? sqlite3_errmsg(conn) : "out of memory");
		sqlite3_close(conn);
		return -1;
	}
	db->conn = conn;
	sqlite3_extended_result_codes(conn, 1);
	sqlite3_busy_timeout(conn, 10000);
	if (!(flags & RL_DB_READONLY) && rl_db_exec(db, "PRAGMA journal_mode = WAL", err) < 0)
		return -1;
	/* recursive_triggers: REPLACE conflict resolution then fires delete
	 * triggers.  The ledger does not depend on it: its BEFORE INSERT
	 * triggers (schema/004) refuse a replace from any connection. */
	if (rl_db_exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA recursive_triggers = ON;",
		       err) < 0)
		return -1;
	/*
	 * The writer's page cache: SQLite's default 2 MiB spills a batch's
	 * dirty pages to the WAL in the middle of its transaction at full
	 * scale (issue 18).  Pages are allocated as they are used, so this is
	 * a ceiling, counted in raslogd's peak RSS; readers (one per server
	 * thread) and the operator's and start-up check's connections keep
	 * the default.
	 */
	if ((flags & RL_DB_WRITER) && !(flags & RL_DB_READONLY) &&
	    (rl_db_exec(db, RL_SQLITE_WRITER_CACHE_PRAGMA, err) < 0 ||
	     rl_db_exec(db, RL_SQLITE_WRITER_CHECKPOINT_PRAGMA, err) < 0))
		return -1;
	return 0;
}

static void lite_close(struct rl_db *db)
{
	/* The row watch's state (lite_watch_rows), if any. */
	free(sqlite3_preupdate_hook(CONN(db), NULL, NULL));
	sqlite3_close(CONN(db));
	db->conn = NULL;
}

static int lite_schema_version(struct rl_db *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(CONN(db), "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int lite_set_schema_version(struct rl_db *db, int v, struct rl_error *err)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	return rl_db_exec(db, sql, err);
}

static int lite_exec_script(struct rl_db *db, const char *sql, struct rl_error *err)
{
	if (sqlite3_exec(CONN(db), sql, NULL, NULL, NULL) != SQLITE_OK)
		return rl_error_set(err, RL_E_INTERNAL, "migration-failed", NULL, "applying a migration failed: %s",
				    sqlite3_errmsg(CONN(db)));
	return 0;
}

#define RETURNING_ID " RETURNING id"

static int lite_prepare(struct rl_stmt *st, struct rl_error *err)
{
	sqlite3_stmt *s = NULL;
	size_t n = strlen(st->sql), k = strlen(RETURNING_ID);

	/* An INSERT's own rowid instead of its RETURNING id (engine.h). */
	st->rowid_returning = n > k && strncmp(st->sql, "INSERT ", 7) == 0 && strcmp(st->sql + n - k, RETURNING_ID) == 0;
	if (sqlite3_prepare_v3(CONN(st->db), st->sql, st->rowid_returning ? (int)(n - k) : -1, SQLITE_PREPARE_PERSISTENT,
			       &s, NULL) != SQLITE_OK)
		return rl_db_fail(st->db, err, "preparing a query");
	st->impl = s;
	return 0;
}

static void lite_finalize(struct rl_stmt *st) { sqlite3_finalize(STMT(st)); }
static int lite_step(struct rl_stmt *st)
{
	int rc;

	if (st->rowid_returning && st->rowid_state)
		return st->rowid_state = 2, RL_DONE;
	rc = sqlite3_step(STMT(st));
	/* The row RETURNING id would give: none when the insert did nothing (ON CONFLICT DO NOTHING). */
	if (st->rowid_returning && rc == SQLITE_DONE && sqlite3_changes(CONN(st->db)) > 0) {
		st->rowid = sqlite3_last_insert_rowid(CONN(st->db));
		st->rowid_state = 1;
		return RL_ROW;
	}
	return rc == SQLITE_ROW ? RL_ROW : rc == SQLITE_DONE ? RL_DONE : rc;
}
static void lite_reset(struct rl_stmt *st)
{
	st->rowid_state = 0;
	sqlite3_reset(STMT(st));
	sqlite3_clear_bindings(STMT(st));
}
static int lite_bind_int64(struct rl_stmt *st, int i, int64_t v) { return sqlite3_bind_int64(STMT(st), i, v); }
static int lite_bind_double(struct rl_stmt *st, int i, double v) { return sqlite3_bind_double(STMT(st), i, v); }
static int lite_bind_text(struct rl_stmt *st, int i, const char *s, int len)
{
	return sqlite3_bind_text(STMT(st), i, s, len, SQLITE_TRANSIENT);
}
static int lite_bind_blob(struct rl_stmt *st, int i, const void *p, int len)
{
	return sqlite3_bind_blob(STMT(st), i, p, len, SQLITE_TRANSIENT);
}
static int lite_bind_null(struct rl_stmt *st, int i) { return sqlite3_bind_null(STMT(st), i); }
static int64_t lite_col_int64(struct rl_stmt *st, int i)
{
	return st->rowid_state == 1 && i == 0 ? st->rowid : sqlite3_column_int64(STMT(st), i);
}
static double lite_col_double(struct rl_stmt *st, int i) { return sqlite3_column_double(STMT(st), i); }
static const char *lite_col_text(struct rl_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(STMT(st), i);
}
static const void *lite_col_blob(struct rl_stmt *st, int i) { return sqlite3_column_blob(STMT(st), i); }
static int lite_col_bytes(struct rl_stmt *st, int i) { return sqlite3_column_bytes(STMT(st), i); }
static int lite_col_is_null(struct rl_stmt *st, int i)
{
	return st->rowid_state == 1 && i == 0 ? 0 : sqlite3_column_type(STMT(st), i) == SQLITE_NULL;
}
static int lite_col_type(struct rl_stmt *st, int i)
{
	switch (sqlite3_column_type(STMT(st), i)) {
	case SQLITE_INTEGER: return RL_TYPE_INTEGER;
	case SQLITE_FLOAT: return RL_TYPE_FLOAT;
	case SQLITE_TEXT: return RL_TYPE_TEXT;
	case SQLITE_BLOB: return RL_TYPE_BLOB;
	default: return RL_TYPE_NULL;
	}
}

static int lite_exec(struct rl_db *db, const char *sql)
{
	return sqlite3_exec(CONN(db), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}
static int lite_begin(struct rl_db *db) { return lite_exec(db, "BEGIN IMMEDIATE"); }
static int lite_in_transaction(struct rl_db *db) { return !sqlite3_get_autocommit(CONN(db)); }
static int64_t lite_changes(struct rl_db *db) { return sqlite3_changes(CONN(db)); }
static int64_t lite_last_insert_id(struct rl_db *db) { return sqlite3_last_insert_rowid(CONN(db)); }
static const char *lite_errmsg(struct rl_db *db) { return sqlite3_errmsg(CONN(db)); }

static enum rl_sql_failure lite_failure(struct rl_db *db)
{
	int code = sqlite3_extended_errcode(CONN(db));

	if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
		return RL_SQLF_UNIQUE;
	switch (code & 0xff) {
	case SQLITE_FULL:
		return RL_SQLF_FULL;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_NOMEM:
	case SQLITE_PROTOCOL:
		return RL_SQLF_UNAVAILABLE;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return RL_SQLF_CORRUPT;
	case SQLITE_CONSTRAINT:
		return RL_SQLF_CONSTRAINT;
	default:
		return RL_SQLF_OTHER;
	}
}

static int lite_secure_delete(struct rl_db *db, int on)
{
	sqlite3_stmt *st;
	int was = -1;
	char sql[40];

	if (sqlite3_prepare_v2(CONN(db), "PRAGMA secure_delete", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		was = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	snprintf(sql, sizeof(sql), "PRAGMA secure_delete = %s", on ? "ON" : "OFF");
	return lite_exec(db, sql) < 0 ? -1 : was;
}

/* Old page images may still be in the WAL: copy the wiped pages back and empty it. */
static void lite_forget_deleted(struct rl_db *db)
{
	lite_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

/*
 * Inside a transaction: pins its snapshot (a read of the schema) and gives
 * the pager's data version, which moves with every commit by any
 * connection or process, with the connection's serial above it.
 */
static int lite_data_version(struct rl_db *db, uint64_t *v)
{
	unsigned int dv = 0;

	if (sqlite3_get_autocommit(CONN(db)) ||
	    sqlite3_exec(CONN(db), "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_file_control(CONN(db), "main", SQLITE_FCNTL_DATA_VERSION, &dv) != SQLITE_OK)
		return -1;
	*v = db->serial << 32 | dv;
	return 0;
}

/* PRAGMA data_version: moves with other connections' commits, never with this one's. */
static int lite_others_version(struct rl_db *db, uint64_t *v)
{
	sqlite3_stmt *st;
	int ok;

	if (sqlite3_prepare_v2(CONN(db), "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if ((ok = sqlite3_step(st) == SQLITE_ROW))
		*v = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/* The row watch: each watched table's column index (-1: the rowid), found once. */
#define WATCH_TABLES 8
struct lite_watch {
	struct rl_db_watch w;
	int n;
	int col[WATCH_TABLES];
};

static void watch_value(const struct lite_watch *x, sqlite3_value *v)
{
	if (v && sqlite3_value_type(v) == SQLITE_INTEGER)
		x->w.touched(x->w.ctx, sqlite3_value_int64(v));
}

static void watch_row(void *ctx, sqlite3 *conn, int op, const char *schema, const char *table, sqlite3_int64 k1,
		      sqlite3_int64 k2)
{
	const struct lite_watch *x = ctx;
	sqlite3_value *v;

	if (strcmp(schema, "main") != 0)
		return;
	for (int i = 0; x->w.any_tables && x->w.any_tables[i]; i++)
		if (strcmp(table, x->w.any_tables[i]) == 0) {
			x->w.any(x->w.ctx);
			return;
		}
	for (int i = 0; i < x->n; i++) {
		if (strcmp(table, x->w.tables[i]) != 0)
			continue;
		if (x->col[i] < 0) {
			if (op != SQLITE_INSERT)
				x->w.touched(x->w.ctx, k1);
			if (op != SQLITE_DELETE)
				x->w.touched(x->w.ctx, k2);
			return;
		}
		if (op != SQLITE_INSERT && sqlite3_preupdate_old(conn, x->col[i], &v) == SQLITE_OK)
			watch_value(x, v);
		if (op != SQLITE_DELETE && sqlite3_preupdate_new(conn, x->col[i], &v) == SQLITE_OK)
			watch_value(x, v);
		return;
	}
}

static int lite_watch_rows(struct rl_db *db, const struct rl_db_watch *w)
{
	struct lite_watch *x = calloc(1, sizeof(*x));
	sqlite3_stmt *st = NULL;

	if (!x)
		return -1;
	x->w = *w;
	for (; w->tables[x->n]; x->n++) {
		if (x->n == WATCH_TABLES)
			goto fail;
		x->col[x->n] = -1;
		if (!w->columns[x->n])
			continue;
		if (sqlite3_prepare_v2(CONN(db), "SELECT cid FROM pragma_table_info(?1) WHERE name = ?2", -1, &st, NULL) !=
		    SQLITE_OK)
			goto fail;
		sqlite3_bind_text(st, 1, w->tables[x->n], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, w->columns[x->n], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			goto fail;
		x->col[x->n] = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		st = NULL;
	}
	free(sqlite3_preupdate_hook(CONN(db), watch_row, x));
	return 0;
fail:
	sqlite3_finalize(st);
	free(x);
	return -1;
}

const struct rl_engine rl_engine_sqlite = {
	.name = "sqlite",
	.schema_prefix = "schema/",
	.open = lite_open,
	.close = lite_close,
	.schema_version = lite_schema_version,
	.set_schema_version = lite_set_schema_version,
	.exec_script = lite_exec_script,
	.prepare = lite_prepare,
	.finalize = lite_finalize,
	.step = lite_step,
	.reset = lite_reset,
	.bind_int64 = lite_bind_int64,
	.bind_double = lite_bind_double,
	.bind_text = lite_bind_text,
	.bind_blob = lite_bind_blob,
	.bind_null = lite_bind_null,
	.col_int64 = lite_col_int64,
	.col_double = lite_col_double,
	.col_text = lite_col_text,
	.col_blob = lite_col_blob,
	.col_bytes = lite_col_bytes,
	.col_is_null = lite_col_is_null,
	.col_type = lite_col_type,
	.exec = lite_exec,
	.begin = lite_begin,
	.in_transaction = lite_in_transaction,
	.changes = lite_changes,
	.last_insert_id = lite_last_insert_id,
	.failure = lite_failure,
	.errmsg = lite_errmsg,
	.secure_delete = lite_secure_delete,
	.forget_deleted = lite_forget_deleted,
	.data_version = lite_data_version,
	.others_version = lite_others_version,
	.watch_rows = lite_watch_rows,
};

/* ---- files and backups: SQLite only ---- */

int rl_db_secure_files(const char *path, struct rl_error *err)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX];
	struct stat st;

	if (rl_db_target_is_postgresql(path))
		return 0;
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
	int rc, fd;

	if (db->engine != &rl_engine_sqlite)
		return rl_error_set(err, RL_E_INVALID, "backup-engine", NULL,
				    "raslogd backup copies a SQLite database; back up PostgreSQL with pg_dump or "
				    "pg_basebackup (deploy/README.md) and the key directory with it");
	fd = open(out_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
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
	b = sqlite3_backup_init(dst, "main", CONN(db), "main");
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
	sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	sqlite3_close(dst);
	return 0;
}

/* For tests and tools that must reach SQLite itself (store/sqlite_handle.h). */
void *rl_db_sqlite_handle(struct rl_db *db)
{
	return db->engine == &rl_engine_sqlite ? db->conn : NULL;
}
