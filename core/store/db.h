/*
 * db.h - a connection to raslog's database: opening it (migrations
 * included), transactions, meta rows, and mapping the engine's failures
 * to struct rl_error (a full disk becomes "unavailable", never a
 * half-written record).  Statements are in sql.h.
 *
 * Two engines sit behind it (engine.h): SQLite, the embedded default,
 * for a path, and PostgreSQL for a postgresql:// or postgres:// URI.
 * A struct rl_db is one connection and is used by one thread at a time.
 */
#ifndef RASLOG_DB_H
#define RASLOG_DB_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/sql.h"

#define RL_DB_CREATE   1 /* create the file if missing and apply migrations */
#define RL_DB_READONLY 2 /* a reader: never writes, never migrates */
#define RL_DB_MIGRATE  4 /* apply pending migrations to an existing file */
#define RL_DB_WRITER   8 /* the single writer's connection: SQLite gives it a larger page cache (sqlite.c) */

#define RL_DB_STMT_CACHE 96
#define RL_DB_SAVEPOINT_TEXTS 4 /* SAVEPOINT, RELEASE, ROLLBACK TO of one name (db.c savepoint_stmt) */

struct rl_secrets;
struct rl_engine;

struct rl_db {
	const struct rl_engine *engine;
	void *conn;                   /* the engine's connection */
	char *path;                   /* file path or connection URI */
	char *key_dir;                /* where its key files are (secrets.h) */
	struct rl_secrets *secrets;   /* keys loaded so far, guarded memory */
	uint64_t serial;              /* this connection's number in the process (rl_db_data_version) */
	int nstmt;
	struct {
		const char *text;     /* the SQL, compared by pointer (static strings) */
		char *copy;           /* its text when prepared, for RL_CHECK_STMT_TEXT builds' check */
		struct rl_stmt *stmt;
	} cache[RL_DB_STMT_CACHE];
	char savepoint_sql[RL_DB_SAVEPOINT_TEXTS][48]; /* their texts, which the cache above holds by pointer */
};

/*
 * Opens the database.  RL_DB_CREATE makes a missing file with mode 0600
 * (SQLite gives the -wal and -shm files the database file's mode).  A
 * writable open applies pending migrations and moves keys still held in
 * the database out to the key directory (secrets.h).
 */
int rl_db_open(const char *path, int flags, struct rl_db **out, struct rl_error *err);
void rl_db_close(struct rl_db *db);

/* The schema version this build knows (highest NNN in schema/). */
int rl_db_schema_version(void);

/* Whether target names a PostgreSQL database (a postgresql:// or postgres:// URI). */
int rl_db_target_is_postgresql(const char *target);
/* The engine's name: "sqlite" or "postgresql". */
const char *rl_db_engine_name(const struct rl_db *db);

/*
 * Resets every cached statement, ending any read transaction one of them
 * still holds, so the connection's next read sees the latest commit.  The
 * server calls it after each request.
 */
void rl_db_end_reads(struct rl_db *db);

/* Runs SQL with no result rows. */
int rl_db_exec(struct rl_db *db, const char *sql, struct rl_error *err);

/* Fills err from the connection's last error; what names the operation. Returns -1. */
int rl_db_fail(struct rl_db *db, struct rl_error *err, const char *what);

/*
 * Stamps the current time on a user's rows: runs sql, an UPDATE whose first
 * parameter is the time and second the user id (e.g. "UPDATE tokens SET
 * revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"), as revoking
 * tokens, ending web sessions and disabling passkeys do.  Returns how many
 * rows it changed, or -1 with err saying it failed while `what`.
 */
int rl_db_stamp_user_rows(struct rl_db *db, const char *sql, int64_t user_id, const char *what,
			  struct rl_error *err);
int rl_db_begin(struct rl_db *db, struct rl_error *err);   /* a write transaction (SQLite: BEGIN IMMEDIATE) */
int rl_db_commit(struct rl_db *db, struct rl_error *err);
void rl_db_rollback(struct rl_db *db);

/*
 * A read transaction: every read between the two sees one snapshot.
 * Ending it cannot undo anything, so rl_db_end_read never fails (a
 * COMMIT that fails is rolled back).
 */
int rl_db_begin_read(struct rl_db *db, struct rl_error *err);
void rl_db_end_read(struct rl_db *db);
/*
 * The same for a group of reads that only wants them cheap: on SQLite one
 * read transaction instead of one per statement (each takes and drops
 * the file's and the WAL index's locks); on PostgreSQL nothing, where a
 * BEGIN and COMMIT would be two more round trips and READ COMMITTED
 * gives each statement its own snapshot anyway.  0, or -1 with err.
 */
int rl_db_begin_reads(struct rl_db *db, struct rl_error *err);
void rl_db_finish_reads(struct rl_db *db);

/*
 * Savepoints inside a write transaction, named by a static identifier
 * ("job"): rl_db_savepoint starts one, rl_db_release keeps its work,
 * rl_db_rollback_to undoes it (the savepoint stays, as in SQL).
 */
int rl_db_savepoint(struct rl_db *db, const char *name, struct rl_error *err);
int rl_db_release(struct rl_db *db, const char *name, struct rl_error *err);
void rl_db_rollback_to(struct rl_db *db, const char *name);
/*
 * Releases savepoint name and starts a new one of the same name, in one
 * statement run (one round trip on PostgreSQL, where two would cost a
 * batch of small jobs twice the time): the writer's next job.
 */
int rl_db_savepoint_next(struct rl_db *db, const char *name, struct rl_error *err);

/* meta table: small named values (keys, secrets). get returns the length or -1. */
int rl_db_meta_get(struct rl_db *db, const char *key, void *out, size_t size);
int rl_db_meta_put(struct rl_db *db, const char *key, const void *value, size_t len,
		   struct rl_error *err);

/*
 * Several processes on one database (PostgreSQL): a writer calls
 * rl_db_announce_commit inside each write transaction; every other
 * process's connection that called rl_db_listen learns of the commit from
 * rl_db_wait_commit (1: another commit happened, 0: timeout, -1: the
 * connection failed), and drops what it cached.  rl_db_listen returns 0
 * when the engine can tell, 1 when it cannot (SQLite: one process owns
 * the file), -1 with err set.
 */
int rl_db_listen(struct rl_db *db, struct rl_error *err);
/*
 * A number for the data the connection's current transaction reads: two
 * calls give the same number only if nothing was committed to the
 * database in between (by this connection, another one, another process
 * or a shell), so a result computed from the data can be reused while
 * the number stays.  Call it inside a read transaction (rl_db_exec
 * "BEGIN"): SQLite pins the transaction's snapshot first and gives its
 * data_version with the connection's serial (numbers of two connections
 * never match); PostgreSQL hashes pg_current_snapshot(), which only a
 * transaction ending changes, so equal numbers before and after a
 * statement mean it read unchanged data.  0, or -1 when the engine cannot
 * tell (the caller then reuses nothing).
 */
int rl_db_data_version(struct rl_db *db, uint64_t *v);
/*
 * 1 when rl_db_data_version's numbers mean the same data on every
 * connection (PostgreSQL: the snapshot names it), 0 when they are the
 * connection's own (SQLite: its pager's counter, with its serial).
 */
int rl_db_data_version_shared(const struct rl_db *db);
/*
 * A number that moves when a connection other than this one commits, and
 * not when this one does (SQLite: PRAGMA data_version): the writer's
 * connection tells its own commits from anyone else's with it (a shell's,
 * another process's, another connection of this one).  In a write
 * transaction it counts the commits made before the transaction took the
 * write lock.  0, or -1 when the engine cannot tell (PostgreSQL).
 */
int rl_db_others_version(struct rl_db *db, uint64_t *v);
/*
 * Reports the rows this connection changes in the tables named: for each
 * row inserted, updated or deleted in tables[i], touched(ctx, id) with
 * the value of columns[i] before and after the change (NULL: the rowid;
 * a NULL value is not reported), and any(ctx) for each row changed in
 * any_tables, as the statement runs, committed or not.
 * At most one watch per connection; w is copied, its tables and
 * columns must outlive the connection.  0, 1 when the engine cannot (PostgreSQL), -1 with err.
 */
struct rl_db_watch {
	const char *const *tables; /* NULL-terminated */
	const char *const *columns;
	void (*touched)(void *ctx, int64_t id);
	void *ctx;
	const char *const *any_tables; /* NULL-terminated, or NULL: tables where a change of any row ... */
	void (*any)(void *ctx);        /* ... calls this */
};
int rl_db_watch_rows(struct rl_db *db, const struct rl_db_watch *w, struct rl_error *err);
int rl_db_wait_commit(struct rl_db *db, int timeout_ms);
void rl_db_announce_commit(struct rl_db *db);

/*
 * Deleting rows whose content must not survive (keys): secure_delete(db, 1)
 * before, secure_delete(db, previous) after, then forget_deleted(db) to
 * drop old page images (SQLite: overwrite freed pages, truncate the WAL;
 * PostgreSQL: nothing it can promise, VACUUM is the operator's).
 * secure_delete returns the previous setting, or -1.
 */
int rl_db_secure_delete(struct rl_db *db, int on);
void rl_db_forget_deleted(struct rl_db *db);

/*
 * Sets mode 0600 on the database file and its -wal and -shm files where
 * they are looser (files of an older raslogd were 0644), saying so
 * through rl_notice.  0, or -1 with err set.
 */
int rl_db_secure_files(const char *path, struct rl_error *err);

/*
 * Consistent online copy to out_path (created 0600, never over an existing
 * file; SQLite backup API), with a progress callback.  A PostgreSQL
 * database is refused: its backups are pg_dump's or pg_basebackup's.
 */
int rl_db_backup(struct rl_db *db, const char *out_path,
		 void (*progress)(int remaining, int total, void *ctx), void *ctx,
		 struct rl_error *err);

#endif
