/*
 * engine.h - what a storage engine supplies (SQLite in sqlite.c,
 * PostgreSQL in postgres.c).  Private to core/store/: the rest of raslog
 * sees only db.h and sql.h.
 *
 * db.c owns everything engine-neutral (the statement cache, migrations'
 * order, meta rows, error wording); an engine owns its connection, its
 * statements and the mapping of its failures to an engine-neutral class.
 */
#ifndef RASLOG_ENGINE_H
#define RASLOG_ENGINE_H

#include "store/db.h"
#include "store/sql.h"

/* Engine-neutral classes of a failure, for rl_db_fail's wording. */
enum rl_sql_failure {
	RL_SQLF_OTHER = 0,
	RL_SQLF_FULL,        /* disk full */
	RL_SQLF_UNAVAILABLE, /* I/O, busy, lost connection, read-only, out of memory */
	RL_SQLF_CORRUPT,     /* damaged or not a database */
	RL_SQLF_UNIQUE,      /* UNIQUE or PRIMARY KEY violation */
	RL_SQLF_CONSTRAINT,  /* any other constraint, including a trigger's refusal */
};

struct rl_stmt {
	struct rl_db *db;
	const char *sql;
	void *impl; /* the engine's statement */
	/*
	 * SQLite: an INSERT whose text ends in " RETURNING id" is prepared
	 * without it (SQLite gathers RETURNING rows in a temporary table: a
	 * b-tree opened, begun and written per insert) and its one row is the
	 * rowid the insert gave (sqlite.c).  rowid_state: 0 not run, 1 the row
	 * is served, 2 done.
	 */
	unsigned char rowid_returning, rowid_state;
	int64_t rowid;
};

struct rl_engine {
	const char *name;          /* "sqlite", "postgresql" */
	const char *schema_prefix; /* where its migrations are embedded: "schema/", "schema/postgresql/" */

	/* Connects db (db->path is the target); fills err on failure. */
	int (*open)(struct rl_db *db, int flags, struct rl_error *err);
	void (*close)(struct rl_db *db);
	int (*schema_version)(struct rl_db *db);            /* -1 on failure */
	int (*set_schema_version)(struct rl_db *db, int v, struct rl_error *err);
	/* Runs one migration file's whole text (several statements). */
	int (*exec_script)(struct rl_db *db, const char *sql, struct rl_error *err);

	int (*prepare)(struct rl_stmt *st, struct rl_error *err);
	void (*finalize)(struct rl_stmt *st);
	int (*step)(struct rl_stmt *st);
	/* optional: step so that a failure leaves the transaction usable (sql.h rl_try_step) */
	int (*try_step)(struct rl_stmt *st);
	void (*reset)(struct rl_stmt *st);
	int (*bind_int64)(struct rl_stmt *st, int i, int64_t v);
	int (*bind_double)(struct rl_stmt *st, int i, double v);
	int (*bind_text)(struct rl_stmt *st, int i, const char *s, int len);
	int (*bind_blob)(struct rl_stmt *st, int i, const void *p, int len);
	int (*bind_null)(struct rl_stmt *st, int i);
	int64_t (*col_int64)(struct rl_stmt *st, int i);
	double (*col_double)(struct rl_stmt *st, int i);
	const char *(*col_text)(struct rl_stmt *st, int i);
	const void *(*col_blob)(struct rl_stmt *st, int i);
	int (*col_bytes)(struct rl_stmt *st, int i);
	int (*col_is_null)(struct rl_stmt *st, int i);
	int (*col_type)(struct rl_stmt *st, int i);         /* RL_TYPE_* */

	int (*exec)(struct rl_db *db, const char *sql);     /* 0 or -1 */
	int (*begin)(struct rl_db *db);                     /* a write transaction */
	int (*in_transaction)(struct rl_db *db);
	int64_t (*changes)(struct rl_db *db);
	int64_t (*last_insert_id)(struct rl_db *db);
	enum rl_sql_failure (*failure)(struct rl_db *db);   /* class of the last failure */
	const char *(*errmsg)(struct rl_db *db);
	int (*secure_delete)(struct rl_db *db, int on);     /* optional: previous setting */
	void (*forget_deleted)(struct rl_db *db);           /* optional */
	/* After rows were copied in with their keys (copy.c): move identity
	 * sequences past them.  Optional. */
	int (*after_copy)(struct rl_db *db, struct rl_error *err);
	/* Commits seen by other processes (db.h rl_db_listen): optional. */
	int (*listen)(struct rl_db *db, struct rl_error *err);
	int (*wait_commit)(struct rl_db *db, int timeout_ms);
	void (*announce_commit)(struct rl_db *db);
	/* optional: db.h rl_db_data_version; 0 or -1 */
	int (*data_version)(struct rl_db *db, uint64_t *v);
	/* optional: db.h rl_db_others_version; 0 or -1 */
	int (*others_version)(struct rl_db *db, uint64_t *v);
	/* optional: db.h rl_db_watch_rows; 0 or -1 */
	int (*watch_rows)(struct rl_db *db, const struct rl_db_watch *w);
	/* optional: on = 1 waits until no other process is migrating the
	 * database and holds it so; on = 0 lets go.  0 or -1. */
	int (*lock_migrations)(struct rl_db *db, int on);
};

extern const struct rl_engine rl_engine_sqlite;
extern const struct rl_engine rl_engine_postgresql;

#endif
