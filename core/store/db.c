/*
 * db.c - the engine-neutral half of database access: choosing the engine,
 * the statement cache, migrations' order, transactions, meta rows and the
 * wording of failures; see db.h and sql.h.  The engines are sqlite.c and
 * postgres.c (engine.h).
 */
#include "base/prelude.h"

#include "store/db.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "base/embedded.h"
#include "base/util.h"
#include "store/engine.h"
#include "store/secrets.h"

int rl_db_target_is_postgresql(const char *target)
{
	return target && (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0);
}

const char *rl_db_engine_name(const struct rl_db *db)
{
	return db->engine->name;
}

int rl_db_fail(struct rl_db *db, struct rl_error *err, const char *what)
{
	enum rl_sql_failure f = db && db->conn ? db->engine->failure(db) : RL_SQLF_UNAVAILABLE;
	const char *msg = db && db->conn ? db->engine->errmsg(db) : "no connection";

	switch (f) {
	case RL_SQLF_FULL:
		return rl_error_set(err, RL_E_UNAVAILABLE, "storage-full", NULL,
				    "the database disk is full while %s; nothing was stored, try again later", what);
	case RL_SQLF_UNAVAILABLE:
		return rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL,
				    "the database could not be written while %s (%s); nothing was stored, try again later",
				    what, msg);
	case RL_SQLF_CORRUPT:
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
	struct rl_stmt *st = rl_db_stmt(db, sql, err);
	char now[21];

	if (!st)
		return -1;
	rl_now_rfc3339(now);
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, user_id);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, what);
	return (int)rl_db_changes(db);
}

/* ---- statements ---- */

struct rl_stmt *rl_db_prepare(struct rl_db *db, const char *sql, struct rl_error *err)
{
	struct rl_stmt *st = calloc(1, sizeof(*st));

	if (!st) {
		rl_error_internal(err, "out of memory");
		return NULL;
	}
	st->db = db;
	st->sql = sql;
	if (db->engine->prepare(st, err) < 0) {
		free(st);
		return NULL;
	}
	return st;
}

void rl_finalize(struct rl_stmt *st)
{
	if (!st)
		return;
	st->db->engine->finalize(st);
	free(st);
}

/*
 * The cache is searched by the SQL's address alone (no string compare on
 * the hot path), so a caller that builds SQL in a buffer and calls again
 * with other text at the same address would get the first statement.
 * Builds with RL_CHECK_STMT_TEXT (every sanitizer build, so the whole test
 * suite) compare the text on every hit and stop the process on such a
 * misuse: a programming error, found by the tests rather than by users.
 */
static void check_cached_text(const char *copy, const char *sql)
{
#ifdef RL_CHECK_STMT_TEXT
	if (copy && strcmp(copy, sql) != 0) {
		fprintf(stderr, "rl_db_stmt: the SQL at %p changed from \"%s\" to \"%s\": "
			"rl_db_stmt needs a string with static storage\n", (const void *)sql, copy, sql);
		abort();
	}
#else
	(void)copy;
	(void)sql;
#endif
}

static void cache_put(struct rl_db *db, int i, const char *sql, struct rl_stmt *st)
{
	db->cache[i].text = sql;
	db->cache[i].copy = strdup(sql); /* NULL on no memory: only the check is lost */
	db->cache[i].stmt = st;
}

struct rl_stmt *rl_db_stmt(struct rl_db *db, const char *sql, struct rl_error *err)
{
	struct rl_stmt *st;

	for (int i = 0; i < db->nstmt; i++) {
		if (db->cache[i].text == sql) {
			check_cached_text(db->cache[i].copy, sql);
			st = db->cache[i].stmt;
			rl_reset(st);
			return st;
		}
	}
	if (!(st = rl_db_prepare(db, sql, err)))
		return NULL;
	if (db->nstmt < RL_DB_STMT_CACHE) {
		cache_put(db, db->nstmt++, sql, st);
	} else {
		/* Cache full: a programming error in practice; keep working, leak-free. */
		rl_finalize(db->cache[0].stmt);
		free(db->cache[0].copy);
		cache_put(db, 0, sql, st);
	}
	return st;
}

void rl_db_end_reads(struct rl_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->nstmt; i++)
		rl_reset(db->cache[i].stmt);
}

int rl_step(struct rl_stmt *st) { return st->db->engine->step(st); }

int rl_step_id(struct rl_stmt *st, int64_t *id)
{
	int rc = rl_step(st);

	*id = 0;
	if (rc != RL_ROW)
		return rc;
	*id = rl_col_int64(st, 0);
	rl_reset(st);
	return RL_DONE;
}

int rl_try_step(struct rl_stmt *st)
{
	return st->db->engine->try_step ? st->db->engine->try_step(st) : rl_step(st);
}
void rl_reset(struct rl_stmt *st) { st->db->engine->reset(st); }
int rl_bind_int64(struct rl_stmt *st, int i, int64_t v) { return st->db->engine->bind_int64(st, i, v); }
int rl_bind_int(struct rl_stmt *st, int i, int v) { return st->db->engine->bind_int64(st, i, v); }
int rl_bind_double(struct rl_stmt *st, int i, double v) { return st->db->engine->bind_double(st, i, v); }
int rl_bind_text(struct rl_stmt *st, int i, const char *s, int len)
{
	return s ? st->db->engine->bind_text(st, i, s, len) : st->db->engine->bind_null(st, i);
}
int rl_bind_blob(struct rl_stmt *st, int i, const void *p, int len)
{
	return st->db->engine->bind_blob(st, i, p ? p : "", len);
}
int rl_bind_null(struct rl_stmt *st, int i) { return st->db->engine->bind_null(st, i); }
int rl_db_bind_text(struct rl_stmt *st, int i, const char *s)
{
	return !s || !*s ? rl_bind_null(st, i) : rl_bind_text(st, i, s, -1);
}
int64_t rl_col_int64(struct rl_stmt *st, int i) { return st->db->engine->col_int64(st, i); }
int rl_col_int(struct rl_stmt *st, int i) { return (int)st->db->engine->col_int64(st, i); }
double rl_col_double(struct rl_stmt *st, int i) { return st->db->engine->col_double(st, i); }
const char *rl_col_text(struct rl_stmt *st, int i) { return st->db->engine->col_text(st, i); }
const void *rl_col_blob(struct rl_stmt *st, int i) { return st->db->engine->col_blob(st, i); }
int rl_col_bytes(struct rl_stmt *st, int i) { return st->db->engine->col_bytes(st, i); }
int rl_col_is_null(struct rl_stmt *st, int i) { return st->db->engine->col_is_null(st, i); }
int rl_col_type(struct rl_stmt *st, int i) { return st->db->engine->col_type(st, i); }

int64_t rl_db_changes(struct rl_db *db) { return db->engine->changes(db); }
int64_t rl_db_last_insert_id(struct rl_db *db) { return db->engine->last_insert_id(db); }
int rl_db_unique_violation(struct rl_db *db) { return db->engine->failure(db) == RL_SQLF_UNIQUE; }
int rl_db_constraint_violation(struct rl_db *db)
{
	enum rl_sql_failure f = db->engine->failure(db);
	return f == RL_SQLF_UNIQUE || f == RL_SQLF_CONSTRAINT;
}

/* ---- the row files' shared shapes (sql.h) ---- */

int rl_db_run(struct rl_db *db, struct rl_stmt *st, const char *what, struct rl_error *err)
{
	return rl_db_run_changes(db, st, what, NULL, err);
}

int rl_db_run_changes(struct rl_db *db, struct rl_stmt *st, const char *what, int64_t *changed,
		      struct rl_error *err)
{
	int rc = rl_step(st);

	if (rc == RL_DONE && changed)
		*changed = rl_db_changes(db);
	/* a statement that returns a row is not one for rl_db_run: a failure, as it always was */
	return rl_db_finish(db, st, rc == RL_ROW ? -1 : rc, what, err) < 0 ? -1 : 0;
}

int rl_db_run_one(struct rl_db *db, struct rl_stmt *st, const char *what, struct rl_error *err)
{
	int64_t changed = 0;

	if (rl_db_run_changes(db, st, what, &changed, err) < 0)
		return -1;
	if (changed != 1)
		return rl_error_set(err, RL_E_CONFLICT, "row-changed", "Changed meanwhile",
				    "%s changed %lld rows where it should change one: the row is no longer as it was read",
				    what, (long long)changed);
	return 0;
}

int rl_db_finish(struct rl_db *db, struct rl_stmt *st, int rc, const char *what, struct rl_error *err)
{
	int result = rc == RL_ROW ? 1 : rc == RL_DONE ? 0 : rl_db_fail(db, err, what);

	rl_reset(st);
	return result;
}

/* rl_db_each_id's and rl_db_lookup_int64's rows: column 0 handed on, or stored. */
struct each_id {
	int (*each)(void *ctx, int64_t id);
	void *ctx;
};

static int id_call(void *ctx, struct rl_stmt *st)
{
	const struct each_id *e = ctx;

	return e->each(e->ctx, rl_col_int64(st, 0));
}

static int int64_store(void *ctx, struct rl_stmt *st)
{
	*(int64_t *)ctx = rl_col_int64(st, 0);
	return 0;
}

int rl_db_each_id(struct rl_db *db, struct rl_stmt *st, int (*each)(void *ctx, int64_t id), void *ctx,
		  const char *what, struct rl_error *err)
{
	return rl_db_each_row(db, st, id_call, &(struct each_id){ each, ctx }, what, err);
}

int rl_db_lookup_int64(struct rl_db *db, struct rl_stmt *st, int64_t *v, const char *what, struct rl_error *err)
{
	int64_t found = 0;
	int rc = rl_db_get_row(db, st, int64_store, &found, what, err);

	if (rc == 1)
		*v = found;
	return rc;
}

int rl_db_get_row(struct rl_db *db, struct rl_stmt *st, int (*row)(void *ctx, struct rl_stmt *st), void *ctx,
		  const char *what, struct rl_error *err)
{
	int rc = rl_step(st), result;

	if (rc != RL_ROW)
		return rl_db_finish(db, st, rc, what, err);
	result = row(ctx, st);
	rl_reset(st);
	return result ? result : 1;
}

int rl_db_each_row(struct rl_db *db, struct rl_stmt *st, int (*row)(void *ctx, struct rl_stmt *st), void *ctx,
		   const char *what, struct rl_error *err)
{
	int rc, stop;

	while ((rc = rl_step(st)) == RL_ROW) {
		if ((stop = row(ctx, st))) {
			rl_reset(st);
			return stop;
		}
	}
	return rl_db_finish(db, st, rc, what, err);
}

struct id_text_each {
	int (*each)(void *ctx, int64_t id, const char *text);
	void *ctx;
};

static int id_text_call(void *ctx, struct rl_stmt *st)
{
	const struct id_text_each *e = ctx;

	return e->each(e->ctx, rl_col_int64(st, 0), rl_col_text(st, 1));
}

int rl_db_each_id_text(struct rl_db *db, struct rl_stmt *st, int (*each)(void *ctx, int64_t id, const char *text),
		       void *ctx, const char *what, struct rl_error *err)
{
	return rl_db_each_row(db, st, id_text_call, &(struct id_text_each){ each, ctx }, what, err);
}

/* ---- transactions ---- */

int rl_db_exec(struct rl_db *db, const char *sql, struct rl_error *err)
{
	if (db->engine->exec(db, sql) < 0)
		return rl_db_fail(db, err, "running a statement");
	return 0;
}

/*
 * SQLite: BEGIN, BEGIN IMMEDIATE, COMMIT and ROLLBACK run as statements
 * prepared once per connection (the statement cache holds the literal by
 * pointer), not parsed again by sqlite3_exec for every transaction: the
 * writer's every batch, a reader's every request.  PostgreSQL runs its
 * texts (engine->begin, engine->exec).  err may be NULL.
 */
static int transaction_run(struct rl_db *db, const char *literal, const char *what, struct rl_error *err)
{
	struct rl_error unprepared = RL_ERROR_INIT;
	struct rl_stmt *st = db->engine == &rl_engine_sqlite ? rl_db_stmt(db, literal, &unprepared) : NULL;

	rl_error_clear(&unprepared);
	if (st)
		return rl_db_finish(db, st, rl_step(st), what, err) < 0 ? -1 : 0;
	return db->engine->exec(db, literal) < 0 ? rl_db_fail(db, err, what) : 0;
}

int rl_db_begin(struct rl_db *db, struct rl_error *err)
{
	if (db->engine == &rl_engine_sqlite)
		return transaction_run(db, "BEGIN IMMEDIATE", "starting a transaction", err);
	if (db->engine->begin(db) < 0)
		return rl_db_fail(db, err, "starting a transaction");
	return 0;
}

int rl_db_commit(struct rl_db *db, struct rl_error *err)
{
	if (transaction_run(db, "COMMIT", "committing", err) < 0) {
		rl_db_rollback(db);
		return -1;
	}
	return 0;
}

void rl_db_rollback(struct rl_db *db)
{
	if (db->engine->in_transaction(db))
		transaction_run(db, "ROLLBACK", "rolling back", NULL);
}

int rl_db_begin_read(struct rl_db *db, struct rl_error *err)
{
	return transaction_run(db, "BEGIN", "starting a read transaction", err);
}

void rl_db_end_read(struct rl_db *db)
{
	if (transaction_run(db, "COMMIT", "ending a read transaction", NULL) < 0)
		rl_db_rollback(db);
}

/* SQLite takes locks per read transaction; PostgreSQL's are round trips (db.h). */
static int reads_grouped(const struct rl_db *db)
{
	return strcmp(db->engine->name, "sqlite") == 0;
}

int rl_db_begin_reads(struct rl_db *db, struct rl_error *err)
{
	return reads_grouped(db) ? rl_db_begin_read(db, err) : 0;
}

void rl_db_finish_reads(struct rl_db *db)
{
	if (reads_grouped(db))
		rl_db_end_read(db);
}

/*
 * SQLite: the statement "VERB NAME" prepared once for the connection and
 * kept in its cache (its text in db->savepoint_sql, which the cache holds
 * by pointer), so the writer's savepoint per job is not parsed again at
 * every job.  NULL when the texts are all taken or it cannot be prepared:
 * the caller runs the text instead.
 */
static struct rl_stmt *savepoint_stmt(struct rl_db *db, const char *sql)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st;
	int i;

	for (i = 0; i < RL_DB_SAVEPOINT_TEXTS && db->savepoint_sql[i][0]; i++)
		if (strcmp(db->savepoint_sql[i], sql) == 0)
			break;
	if (i == RL_DB_SAVEPOINT_TEXTS || strlen(sql) >= sizeof(db->savepoint_sql[i]))
		return NULL;
	if (!db->savepoint_sql[i][0])
		memcpy(db->savepoint_sql[i], sql, strlen(sql) + 1);
	st = rl_db_stmt(db, db->savepoint_sql[i], &err);
	rl_error_clear(&err);
	return st;
}

/* SAVEPOINT, RELEASE and ROLLBACK TO with a static identifier (never input); err may be NULL. */
static int savepoint_run(struct rl_db *db, const char *verb, const char *name, const char *what,
			 struct rl_error *err)
{
	char sql[96];
	int n = snprintf(sql, sizeof(sql), "%s %s", verb, name);
	struct rl_stmt *st;

	if (n < 0 || (size_t)n >= sizeof(sql))
		return rl_error_internal(err, "savepoint name too long");
	if (db->engine == &rl_engine_sqlite && (st = savepoint_stmt(db, sql)))
		return rl_db_finish(db, st, rl_step(st), what, err) < 0 ? -1 : 0;
	return db->engine->exec(db, sql) < 0 ? rl_db_fail(db, err, what) : 0;
}

int rl_db_savepoint(struct rl_db *db, const char *name, struct rl_error *err)
{
	return savepoint_run(db, "SAVEPOINT", name, "starting a savepoint", err);
}

int rl_db_release(struct rl_db *db, const char *name, struct rl_error *err)
{
	return savepoint_run(db, "RELEASE", name, "releasing a savepoint", err);
}

void rl_db_rollback_to(struct rl_db *db, const char *name)
{
	savepoint_run(db, "ROLLBACK TO", name, "rolling back to a savepoint", NULL);
}

int rl_db_savepoint_next(struct rl_db *db, const char *name, struct rl_error *err)
{
	char sql[160];
	int n;

	/* SQLite: two prepared statements (no round trip to save); PostgreSQL: one text, one round trip. */
	if (db->engine == &rl_engine_sqlite)
		return rl_db_release(db, name, err) < 0 ? -1 : rl_db_savepoint(db, name, err);
	n = snprintf(sql, sizeof(sql), "RELEASE %s; SAVEPOINT %s", name, name);
	if (n < 0 || (size_t)n >= sizeof(sql) || db->engine->exec(db, sql) < 0)
		return rl_db_fail(db, err, "starting a savepoint");
	return 0;
}

/* ---- meta rows ---- */

int rl_db_meta_get(struct rl_db *db, const char *key, void *out, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT value FROM meta WHERE key = ?", &err);
	int n = -1;

	if (!st)
		return -1;
	rl_bind_text(st, 1, key, -1);
	if (rl_step(st) == RL_ROW) {
		n = rl_col_bytes(st, 0);
		if ((size_t)n > size)
			n = -1;
		else if (n > 0)
			memcpy(out, rl_col_blob(st, 0), (size_t)n);
	}
	rl_reset(st);
	return n;
}

int rl_db_meta_put(struct rl_db *db, const char *key, const void *value, size_t len,
		   struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO meta(key, value) VALUES (?, ?) "
					    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, key, -1);
	rl_bind_blob(st, 2, value, (int)len);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "storing a setting");
	rl_reset(st);
	return 0;
}

int rl_db_secure_delete(struct rl_db *db, int on)
{
	return db->engine->secure_delete ? db->engine->secure_delete(db, on) : 0;
}

void rl_db_forget_deleted(struct rl_db *db)
{
	if (db->engine->forget_deleted)
		db->engine->forget_deleted(db);
}

int rl_db_listen(struct rl_db *db, struct rl_error *err)
{
	return db->engine->listen ? db->engine->listen(db, err) : 1;
}

int rl_db_wait_commit(struct rl_db *db, int timeout_ms)
{
	return db->engine->wait_commit ? db->engine->wait_commit(db, timeout_ms) : -1;
}

int rl_db_data_version(struct rl_db *db, uint64_t *v)
{
	return db->engine->data_version ? db->engine->data_version(db, v) : -1;
}

int rl_db_data_version_shared(const struct rl_db *db)
{
	return strcmp(db->engine->name, "postgresql") == 0;
}

int rl_db_others_version(struct rl_db *db, uint64_t *v)
{
	return db->engine->others_version ? db->engine->others_version(db, v) : -1;
}

int rl_db_watch_rows(struct rl_db *db, const struct rl_db_watch *w, struct rl_error *err)
{
	if (!db->engine->watch_rows)
		return 1;
	return db->engine->watch_rows(db, w) < 0 ? rl_db_fail(db, err, "watching the rows changed") : 0;
}

void rl_db_announce_commit(struct rl_db *db)
{
	if (db->engine->announce_commit)
		db->engine->announce_commit(db);
}

/* ---- migrations: the embedded files <prefix>NNN_name.sql, applied in order ---- */

static int migration_number(const char *prefix, const char *path)
{
	size_t plen = strlen(prefix);
	const char *base;
	long long n;
	char digits[4];

	if (strncmp(path, prefix, plen) != 0)
		return -1;
	base = path + plen;
	if (strchr(base, '/') || strlen(base) < 8 || base[3] != '_' ||
	    strcmp(base + strlen(base) - 4, ".sql") != 0)
		return -1;
	memcpy(digits, base, 3);
	digits[3] = '\0';
	if (rl_parse_int(digits, 0, 999, &n) < 0 || digits[0] == '-')
		return -1;
	return (int)n;
}

static int schema_version_for(const char *prefix)
{
	int max = 0;

	for (const struct rl_embedded *e = rl_embedded_files; e->path; e++) {
		int n = migration_number(prefix, e->path);
		if (n > max)
			max = n;
	}
	return max;
}

int rl_db_schema_version(void)
{
	return schema_version_for(rl_engine_sqlite.schema_prefix);
}

static int migrate_locked(struct rl_db *db, struct rl_error *err)
{
	const char *prefix = db->engine->schema_prefix;
	int have = db->engine->schema_version(db);
	int want = schema_version_for(prefix);

	if (have < 0)
		return rl_db_fail(db, err, "reading the schema version");
	if (have > want)
		return rl_error_set(err, RL_E_UNAVAILABLE, "schema-too-new", "Database is newer than this raslog",
				    "the database %s has schema version %d but this raslog knows only up to %d; "
				    "upgrade raslog rather than opening it with an older one", db->path, have, want);
	for (int v = have + 1; v <= want; v++) {
		const struct rl_embedded *m = NULL;

		for (const struct rl_embedded *e = rl_embedded_files; e->path; e++)
			if (migration_number(prefix, e->path) == v)
				m = e;
		if (!m)
			return rl_error_set(err, RL_E_INTERNAL, "internal", NULL,
					    "migration %03d is missing from this build", v);
		if (rl_db_begin(db, err) < 0)
			return -1;
		if (db->engine->exec_script(db, m->data, err) < 0 ||
		    db->engine->set_schema_version(db, v, err) < 0 || rl_db_commit(db, err) < 0) {
			rl_db_rollback(db);
			return -1;
		}
	}
	return 0;
}

/*
 * Two processes opening one database at once (PostgreSQL: two raslogd)
 * take turns, so the second reads the version the first left and never
 * applies a migration twice.
 */
static int migrate(struct rl_db *db, struct rl_error *err)
{
	int rc;

	if (!db->engine->lock_migrations)
		return migrate_locked(db, err);
	if (db->engine->lock_migrations(db, 1) < 0)
		return rl_db_fail(db, err, "waiting for another process's migrations");
	rc = migrate_locked(db, err);
	db->engine->lock_migrations(db, 0);
	return rc;
}

int rl_db_open(const char *path, int flags, struct rl_db **out, struct rl_error *err)
{
	struct rl_db *db;
	char dir[PATH_MAX];

	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return rl_error_internal(err, "out of memory");
	}
	db->engine = rl_db_target_is_postgresql(path) ? &rl_engine_postgresql : &rl_engine_sqlite;
	{
		static _Atomic uint64_t serials;
		db->serial = ++serials;
	}
	if (rl_secrets_dir_for(path, dir, sizeof(dir), err) < 0)
		goto fail;
	if (!(db->key_dir = strdup(dir))) {
		rl_error_internal(err, "out of memory");
		goto fail;
	}
	if (db->engine->open(db, flags, err) < 0)
		goto fail;
	if (flags & RL_DB_READONLY) {
		int have = db->engine->schema_version(db);
		int want = schema_version_for(db->engine->schema_prefix);
		if (have != want) {
			rl_error_set(err, RL_E_UNAVAILABLE, "schema-mismatch", NULL,
				     "the database %s has schema version %d, this raslog expects %d", path, have, want);
			goto fail;
		}
	} else if (migrate(db, err) < 0 || rl_secrets_move_out(db, err) < 0 || rl_secrets_add_cache_key(db, err) < 0) {
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
	for (int i = 0; i < db->nstmt; i++) {
		rl_finalize(db->cache[i].stmt);
		free(db->cache[i].copy);
	}
	if (db->conn)
		db->engine->close(db);
	rl_secrets_release(db);
	free(db->key_dir);
	free(db->path);
	free(db);
}
