/*
 * test_pg.c - the PostgreSQL engine (core/store/postgres.c) against what
 * sql.h and db.h promise, on a real server.
 *
 * RASLOG_TEST_PG_URI names an empty database of a throwaway cluster
 * (tests/run.sh starts one with tests/lib/pg.sh when PostgreSQL is
 * installed); without it the tests that need a server are skipped, saying
 * so.  The tests use temporary tables of their own, so they do not
 * depend on raslog's schema: whatever schema/postgresql/ holds is applied
 * by the open and then left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "domain/device.h"
#include "store/db.h"
#include "store/engine.h"
#include "store/secrets.h"
#include "store/sql.h"

#include "temp_db.h"

#include "base/banned.h"

static const char *uri;
static char key_dir[64];

static struct rl_db *open_db(int flags)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db = NULL;

	if (rl_db_open(uri, flags, &db, &err) < 0)
		fail_msg("opening %s: %s", uri, err.detail);
	return db;
}

/* Runs SQL with no rows, failing the test if it fails. */
static void exec_ok(struct rl_db *db, const char *sql)
{
	struct rl_error err = RL_ERROR_INIT;

	if (rl_db_exec(db, sql, &err) < 0)
		fail_msg("%s: %s", sql, err.detail);
}

/* One int64 from a query with no parameters. */
static int64_t scalar(struct rl_db *db, const char *sql)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_prepare(db, sql, &err);
	int64_t v;

	assert_non_null(st);
	if (rl_step(st) != RL_ROW)
		fail_msg("%s: %s", sql, rl_db_engine_name(db));
	v = rl_col_int64(st, 0);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_finalize(st);
	return v;
}

static int setup(void **state)
{
	(void)state;
	uri = getenv("RASLOG_TEST_PG_URI");
	if (uri && !*uri)
		uri = NULL;
	snprintf(key_dir, sizeof(key_dir), "/tmp/raslog-test-pg.XXXXXX");
	if (!mkdtemp(key_dir))
		return -1;
	if (uri) {
		/* what raslogd init does first: the tests then open it as the server would */
		struct rl_error err = RL_ERROR_INIT;
		struct rl_db *db;
		rl_secrets_set_dir(key_dir);
		if (rl_db_open(uri, RL_DB_CREATE, &db, &err) < 0) {
			fprintf(stderr, "# cannot open %s: %s\n", uri, err.detail);
			return -1;
		}
		rl_db_close(db);
	}
	return 0;
}

static int teardown(void **state)
{
	char path[128];
	static const char *const files[] = { "log.key", "issuer.key", "token.key", "cache.key" };

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", key_dir, files[i]);
		unlink(path);
	}
	rmdir(key_dir);
	return 0;
}

/*
 * Without a server a test passes having checked nothing, saying so
 * (cmocka's skip() prints "not ok ... # SKIP", which tests/run.sh counts
 * as a failure).
 */
#define NEED_SERVER()                                                                  \
	do {                                                                           \
		if (!uri) {                                                            \
			print_message("# skipped: RASLOG_TEST_PG_URI is not set "      \
				      "(PostgreSQL 15 is not installed?)\n");          \
			return;                                                        \
		}                                                                      \
		rl_secrets_set_dir(key_dir);                                           \
	} while (0)

/* ---- needs no server ---- */

static void test_target_is_postgresql(void **state)
{
	(void)state;
	assert_true(rl_db_target_is_postgresql("postgresql:///raslog?host=/tmp"));
	assert_true(rl_db_target_is_postgresql("postgres://u@db.example/raslog"));
	assert_false(rl_db_target_is_postgresql("var/raslog.db"));
	assert_false(rl_db_target_is_postgresql("postgresql.db"));
}

/* A URI has no file beside which the keys could live: key_dir is required. */
static void test_uri_needs_key_dir(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db = NULL;
	char dir[256];

	(void)state;
	rl_secrets_set_dir(NULL);
	assert_int_equal(rl_secrets_dir_for("postgresql:///x?host=/nowhere", dir, sizeof(dir), &err), -1);
	assert_string_equal(err.type, "no-key-dir");
	assert_non_null(strstr(err.detail, "key_dir"));
	rl_error_clear(&err);
	assert_int_equal(rl_db_open("postgresql:///x?host=/nowhere", RL_DB_CREATE, &db, &err), -1);
	assert_null(db);
	assert_string_equal(err.type, "no-key-dir");
	rl_error_clear(&err);
	/* a file still gets its default */
	assert_int_equal(rl_secrets_dir_for("var/raslog.db", dir, sizeof(dir), &err), 0);
	assert_string_equal(dir, "var/raslog.db.keys");
}

/* No server there: one sentence naming the target, with the password hidden. */
static void test_refused_connection(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db = NULL;

	(void)state;
	rl_secrets_set_dir(key_dir);
	assert_int_equal(rl_db_open("postgresql://raslog:hunter2@/nodb?host=/nonexistent-dir", 0, &db, &err), -1);
	assert_null(db);
	assert_int_equal(err.status, RL_E_UNAVAILABLE);
	assert_string_equal(err.type, "storage-unavailable");
	assert_non_null(strstr(err.detail, "cannot connect to the PostgreSQL database"));
	assert_null(strstr(err.detail, "hunter2"));
	assert_null(strchr(err.detail, '\n'));
	rl_error_clear(&err);
}

/* ---- on the server ---- */

static void test_missing_database(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db = NULL;
	char other[512];
	const char *q;

	(void)state;
	NEED_SERVER();
	/* the same cluster, a database that is not there: postgresql:///NAME?... */
	q = strchr(uri, '?');
	assert_non_null(q);
	snprintf(other, sizeof(other), "postgresql:///raslog_no_such_db%s", q);
	assert_int_equal(rl_db_open(other, RL_DB_CREATE, &db, &err), -1);
	assert_string_equal(err.type, "no-database");
	assert_non_null(strstr(err.detail, "raslog_no_such_db"));
	assert_null(strchr(err.detail, '\n'));
	rl_error_clear(&err);
}

/* An empty PostgreSQL database is raslog's only after init (RL_DB_CREATE), as a SQLite file is. */
static void test_blank_database(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db, *blank = NULL;
	char other[512];

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	exec_ok(db, "DROP DATABASE IF EXISTS raslog_blank");
	exec_ok(db, "CREATE DATABASE raslog_blank");
	snprintf(other, sizeof(other), "postgresql:///raslog_blank%s", strchr(uri, '?'));
	assert_int_equal(rl_db_open(other, 0, &blank, &err), -1);
	assert_string_equal(err.type, "no-database");
	assert_non_null(strstr(err.detail, "init"));
	rl_error_clear(&err);
	assert_int_equal(rl_db_open(other, RL_DB_READONLY, &blank, &err), -1);
	assert_string_equal(err.type, "no-database");
	rl_error_clear(&err);
	if (rl_db_open(other, RL_DB_CREATE, &blank, &err) < 0)
		fail_msg("init on a blank database: %s", err.detail);
	rl_db_close(blank);
	/* made: now any open takes it */
	if (rl_db_open(other, 0, &blank, &err) < 0)
		fail_msg("opening it again: %s", err.detail);
	rl_db_close(blank);
	exec_ok(db, "DROP DATABASE raslog_blank");
	rl_db_close(db);
}

/* ?, ?NNN and a bare ? after a number; a ? inside literals, identifiers and comments is text. */
static void test_parameters(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	struct rl_stmt *st;

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	st = rl_db_stmt(db, "SELECT ?2, ?1, ?, '?''?' AS \"a?\" -- what?\n", &err);
	assert_non_null(st);
	assert_int_equal(rl_bind_text(st, 1, "one", -1), 0);
	assert_int_equal(rl_bind_text(st, 2, "two", -1), 0);
	assert_int_equal(rl_bind_text(st, 3, "three", -1), 0);
	assert_int_not_equal(rl_bind_text(st, 4, "four", -1), 0); /* no ?4 */
	assert_int_equal(rl_step(st), RL_ROW);
	assert_string_equal(rl_col_text(st, 0), "two");
	assert_string_equal(rl_col_text(st, 1), "one");
	assert_string_equal(rl_col_text(st, 2), "three");
	assert_string_equal(rl_col_text(st, 3), "?'?");
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);

	/* types the server cannot infer come from the bindings: ? IS NULL, ? + 1 */
	st = rl_db_stmt(db, "SELECT ? IS NULL, ? + 1", &err);
	assert_non_null(st);
	rl_bind_int64(st, 1, 5);
	rl_bind_int64(st, 2, INT64_C(41));
	assert_int_equal(rl_step(st), RL_ROW);
	assert_int_equal(rl_col_int64(st, 0), 0); /* a boolean 'f' */
	assert_int_equal(rl_col_int64(st, 1), 42);
	rl_reset(st);
	/* bound another way: prepared again under another name */
	rl_bind_null(st, 1);
	rl_bind_int64(st, 2, -1);
	assert_int_equal(rl_step(st), RL_ROW);
	assert_int_equal(rl_col_int64(st, 0), 1);
	assert_int_equal(rl_col_int64(st, 1), 0);
	rl_reset(st);
	/* an integer where PostgreSQL wants a boolean (raslog's flags are 0 and 1) */
	st = rl_db_stmt(db, "SELECT count(*) FROM (VALUES (1), (2)) AS v(x) WHERE ? AND x > 1", &err);
	assert_non_null(st);
	rl_bind_int64(st, 1, 1);
	assert_int_equal(rl_step(st), RL_ROW);
	assert_int_equal(rl_col_int64(st, 0), 1);
	rl_reset(st);
	rl_bind_int64(st, 1, 0);
	assert_int_equal(rl_step(st), RL_ROW);
	assert_int_equal(rl_col_int64(st, 0), 0);
	rl_reset(st);
	/* an int8 where the function wants an int4 */
	st = rl_db_stmt(db, "SELECT substr('abcdef', ?, ?)", &err);
	assert_non_null(st);
	rl_bind_int64(st, 1, 2);
	rl_bind_int64(st, 2, 3);
	assert_int_equal(rl_step(st), RL_ROW);
	assert_string_equal(rl_col_text(st, 0), "bcd");
	rl_reset(st);
	rl_db_close(db);
}

static const char t_create[] =
	"CREATE TEMP TABLE t(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n bigint, s text, "
	"b bytea, u text UNIQUE, flag boolean)";

/* text, int64, blob (with zero bytes, and empty) and NULL round trips; RL_DONE, RL_ROW; changes; ids. */
static void test_round_trips(void **state)
{
	static const unsigned char bytes[] = { 0, 1, 0, 0xff, '\\', 'x', 0 };
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	struct rl_stmt *ins, *sel;
	int64_t id1, id2, id3;

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	exec_ok(db, t_create);
	ins = rl_db_stmt(db, "INSERT INTO t(n, s, b, u, flag) VALUES (?, ?, ?, ?, ?)", &err);
	assert_non_null(ins);
	rl_bind_int64(ins, 1, INT64_MAX);
	rl_bind_text(ins, 2, "Ærø – ✓", -1);
	rl_bind_blob(ins, 3, bytes, (int)sizeof(bytes));
	rl_bind_text(ins, 4, "a", -1);
	rl_bind_text(ins, 5, "true", -1);
	assert_int_equal(rl_step(ins), RL_DONE);
	assert_int_equal(rl_db_changes(db), 1);
	id1 = rl_db_last_insert_id(db);
	assert_true(id1 > 0);

	rl_reset(ins);
	rl_bind_int64(ins, 1, INT64_MIN);
	rl_bind_text(ins, 2, "abcdef", 3); /* a length: "abc" */
	rl_bind_blob(ins, 3, "", 0);        /* empty, not NULL */
	rl_bind_null(ins, 4);
	rl_bind_text(ins, 5, "false", -1);
	assert_int_equal(rl_step(ins), RL_DONE);
	id2 = rl_db_last_insert_id(db);
	assert_int_equal(id2, id1 + 1);

	rl_reset(ins);
	rl_bind_null(ins, 1);
	rl_bind_null(ins, 2);
	rl_bind_null(ins, 3);
	rl_bind_text(ins, 4, "c", -1);
	/* parameter 5 left unbound: NULL, as in SQLite */
	assert_int_equal(rl_step(ins), RL_DONE);
	id3 = rl_db_last_insert_id(db);
	assert_int_equal(id3, id2 + 1);
	rl_reset(ins);

	sel = rl_db_stmt(db, "SELECT n, s, b, u, flag FROM t WHERE id >= ? ORDER BY id", &err);
	assert_non_null(sel);
	rl_bind_int64(sel, 1, id1);
	assert_int_equal(rl_step(sel), RL_ROW);
	assert_int_equal(rl_col_int64(sel, 0), INT64_MAX);
	assert_string_equal(rl_col_text(sel, 1), "Ærø – ✓");
	assert_int_equal(rl_col_bytes(sel, 1), (int)strlen("Ærø – ✓"));
	assert_int_equal(rl_col_bytes(sel, 2), (int)sizeof(bytes));
	assert_memory_equal(rl_col_blob(sel, 2), bytes, sizeof(bytes));
	assert_int_equal(rl_col_int64(sel, 4), 1);
	assert_false(rl_col_is_null(sel, 3));

	assert_int_equal(rl_step(sel), RL_ROW);
	assert_int_equal(rl_col_int64(sel, 0), INT64_MIN);
	assert_string_equal(rl_col_text(sel, 1), "abc");
	assert_false(rl_col_is_null(sel, 2));
	assert_int_equal(rl_col_bytes(sel, 2), 0);
	assert_true(rl_col_is_null(sel, 3));
	assert_null(rl_col_text(sel, 3));
	assert_int_equal(rl_col_int64(sel, 4), 0);

	assert_int_equal(rl_step(sel), RL_ROW);
	for (int i = 0; i < 3; i++) {
		assert_true(rl_col_is_null(sel, i));
		assert_null(rl_col_blob(sel, i));
		assert_int_equal(rl_col_bytes(sel, i), 0);
		assert_int_equal(rl_col_int64(sel, i), 0);
	}
	assert_true(rl_col_is_null(sel, 4));
	assert_int_equal(rl_step(sel), RL_DONE);
	rl_reset(sel);

	/* changes counts the last INSERT, UPDATE or DELETE; a SELECT leaves it */
	exec_ok(db, "UPDATE t SET n = 7 WHERE u IS NOT NULL");
	assert_int_equal(rl_db_changes(db), 2);
	assert_int_equal(scalar(db, "SELECT count(*) FROM t"), 3);
	assert_int_equal(rl_db_changes(db), 2);
	{
		struct rl_stmt *del = rl_db_stmt(db, "DELETE FROM t WHERE id = ?", &err);
		rl_bind_int64(del, 1, id3);
		assert_int_equal(rl_step(del), RL_DONE);
		assert_int_equal(rl_db_changes(db), 1);
		rl_reset(del);
		rl_bind_int64(del, 1, id3);
		assert_int_equal(rl_step(del), RL_DONE);
		assert_int_equal(rl_db_changes(db), 0);
		rl_reset(del);
	}
	rl_db_close(db);
}

/* The meta rows (db.c) on a table like raslog's: ON CONFLICT DO UPDATE, a blob back. */
static void test_meta(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	unsigned char out[16];

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	exec_ok(db, "CREATE TEMP TABLE meta(key text PRIMARY KEY, value bytea)");
	assert_int_equal(rl_db_meta_put(db, "k", "\0\1\2", 3, &err), 0);
	assert_int_equal(rl_db_meta_put(db, "k", "\3\0\4\5", 4, &err), 0);
	assert_int_equal(rl_db_meta_get(db, "k", out, sizeof(out)), 4);
	assert_memory_equal(out, "\3\0\4\5", 4);
	assert_int_equal(rl_db_meta_get(db, "missing", out, sizeof(out)), -1);
	rl_db_close(db);
}

/* Failures: a UNIQUE violation, a trigger's RAISE, and the wording that follows. */
static void test_failures_classified(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	struct rl_stmt *st;

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	exec_ok(db, t_create);
	exec_ok(db, "CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS "
		    "$$BEGIN RAISE EXCEPTION 't is append-only'; END$$");
	exec_ok(db, "CREATE TRIGGER t_no_delete BEFORE DELETE ON t FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()");

	st = rl_db_stmt(db, "INSERT INTO t(u) VALUES (?)", &err);
	rl_bind_text(st, 1, "same", -1);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);
	rl_bind_text(st, 1, "same", -1);
	assert_int_not_equal(rl_step(st), RL_DONE);
	assert_true(rl_db_unique_violation(db));
	assert_true(rl_db_constraint_violation(db));
	rl_reset(st);
	/* the same statement runs again after a failure */
	rl_bind_text(st, 1, "other", -1);
	assert_int_equal(rl_step(st), RL_DONE);
	assert_false(rl_db_unique_violation(db));
	rl_reset(st);

	st = rl_db_stmt(db, "DELETE FROM t WHERE u = ?", &err);
	rl_bind_text(st, 1, "same", -1);
	assert_int_not_equal(rl_step(st), RL_DONE);
	assert_false(rl_db_unique_violation(db));
	assert_true(rl_db_constraint_violation(db));
	rl_reset(st);
	assert_int_equal(scalar(db, "SELECT count(*) FROM t"), 2);
	/* rl_db_finish reads the server's own message of a failed step, then resets */
	rl_bind_text(st, 1, "same", -1);
	assert_int_equal(rl_db_finish(db, st, rl_step(st), "deleting a row", &err), -1);
	assert_non_null(strstr(err.detail, "deleting a row"));
	assert_non_null(strstr(err.detail, "t is append-only"));
	rl_error_clear(&err);
	st = rl_db_stmt(db, "SELECT 1 / ?", &err);
	rl_bind_int64(st, 1, 0);
	assert_int_equal(rl_db_finish(db, st, rl_step(st), "dividing", &err), -1);
	assert_non_null(strstr(err.detail, "division by zero"));
	rl_error_clear(&err);
	rl_bind_int64(st, 1, 1);
	assert_int_equal(rl_db_finish(db, st, rl_step(st), "dividing", &err), 1);
	assert_int_equal(err.status, RL_OK);

	/* an error in the SQL itself is "internal", with the server's message */
	assert_int_equal(rl_db_exec(db, "SELECT nosuchcolumn FROM t", &err), -1);
	assert_string_equal(err.type, "internal");
	assert_non_null(strstr(err.detail, "nosuchcolumn"));
	rl_error_clear(&err);
	rl_db_close(db);
}

/* begin / rollback / commit, in_transaction; a statement prepared inside a transaction that must retry. */
static void test_transactions(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	struct rl_stmt *st;

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	exec_ok(db, t_create);
	assert_int_equal(rl_db_begin(db, &err), 0);
	assert_true(db->engine->in_transaction(db));
	exec_ok(db, "INSERT INTO t(u) VALUES ('gone')");
	assert_int_equal(scalar(db, "SELECT count(*) FROM t"), 1);
	rl_db_rollback(db);
	assert_false(db->engine->in_transaction(db));
	assert_int_equal(scalar(db, "SELECT count(*) FROM t"), 0);

	assert_int_equal(rl_db_begin(db, &err), 0);
	/* first prepared here, needing the second try (int4 wanted): the transaction survives */
	st = rl_db_stmt(db, "INSERT INTO t(u) VALUES (substr('kept-xyz', 1, ?))", &err);
	rl_bind_int64(st, 1, 4);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);
	assert_int_equal(rl_db_commit(db, &err), 0);
	assert_false(db->engine->in_transaction(db));
	assert_int_equal(scalar(db, "SELECT count(*) FROM t WHERE u = 'kept'"), 1);
	rl_db_close(db);
}

/* rl_db_data_version: unchanged while nothing commits, moved by another connection's commit. */
static void test_data_version(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *a, *b;
	uint64_t v, again, w;

	(void)state;
	NEED_SERVER();
	a = open_db(0);
	b = open_db(0);
	exec_ok(b, "CREATE TABLE IF NOT EXISTS data_version_t(n bigint)");
	exec_ok(a, "BEGIN");
	assert_int_equal(rl_db_data_version(a, &v), 0);
	assert_int_equal(scalar(a, "SELECT count(*) FROM data_version_t") >= 0, 1);
	assert_int_equal(rl_db_data_version(a, &again), 0);
	assert_true(v == again);
	exec_ok(b, "INSERT INTO data_version_t(n) VALUES (1)");
	assert_int_equal(rl_db_data_version(a, &w), 0);
	assert_true(w != v);
	exec_ok(a, "COMMIT");
	exec_ok(b, "DROP TABLE data_version_t");
	(void)err;
	rl_db_close(a);
	rl_db_close(b);
}

/*
 * The ledger writer's batch (core/ledger/writer.c): every job in a
 * savepoint, a failed job rolled back to it, the others committed.  On
 * PostgreSQL a failure aborts the transaction until ROLLBACK TO.
 */
static void test_writer_savepoints(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	struct rl_stmt *st;
	static const char *const jobs[] = { "first", "first", "second" }; /* the middle one fails */

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	exec_ok(db, t_create);
	assert_int_equal(rl_db_begin(db, &err), 0);
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		int rc;
		exec_ok(db, "SAVEPOINT job");
		st = rl_db_stmt(db, "INSERT INTO t(u) VALUES (?)", &err);
		rl_bind_text(st, 1, jobs[i], -1);
		rc = rl_step(st);
		rl_reset(st);
		assert_int_equal(rc == RL_DONE, i != 1);
		if (rc != RL_DONE) {
			assert_true(rl_db_unique_violation(db));
			exec_ok(db, "ROLLBACK TO job");
		}
		exec_ok(db, "RELEASE job");
		assert_true(db->engine->in_transaction(db));
	}
	assert_int_equal(rl_db_commit(db, &err), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM t"), 2);

	/* without the savepoint the failure takes the transaction with it, and COMMIT says so */
	assert_int_equal(rl_db_begin(db, &err), 0);
	exec_ok(db, "INSERT INTO t(u) VALUES ('third')");
	assert_int_equal(rl_db_exec(db, "INSERT INTO t(u) VALUES ('first')", &err), -1);
	rl_error_clear(&err);
	assert_int_equal(rl_db_commit(db, &err), -1);
	rl_error_clear(&err);
	assert_false(db->engine->in_transaction(db));
	assert_int_equal(scalar(db, "SELECT count(*) FROM t"), 2);
	rl_db_close(db);
}

/* The engine's raslog_schema row, written inside the migration's transaction. */
static void test_schema_version(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db, *ro;
	int v;

	(void)state;
	NEED_SERVER();
	db = open_db(RL_DB_CREATE);
	v = db->engine->schema_version(db);
	assert_true(v >= 0);
	assert_int_equal(scalar(db, "SELECT COALESCE(max(version), 0) FROM raslog_schema"), v);
	assert_int_equal(rl_db_begin(db, &err), 0);
	assert_int_equal(db->engine->set_schema_version(db, v + 7, &err), 0);
	assert_int_equal(db->engine->schema_version(db), v + 7);
	assert_int_equal(scalar(db, "SELECT count(*) FROM raslog_schema"), 1);
	rl_db_rollback(db);
	assert_int_equal(db->engine->schema_version(db), v);

	/* a reader: writing is refused, as "unavailable" */
	ro = open_db(RL_DB_READONLY);
	assert_int_equal(rl_db_exec(ro, "CREATE TABLE nope(x integer)", &err), -1);
	assert_string_equal(err.type, "storage-unavailable");
	rl_error_clear(&err);
	rl_db_close(ro);
	rl_db_close(db);
}

struct opener {
	struct rl_db *db;
	struct rl_error err;
	int rc;
};

static void *open_in_thread(void *arg)
{
	struct opener *o = arg;

	o->rc = rl_db_open(uri, RL_DB_CREATE, &o->db, &o->err);
	return NULL;
}

/*
 * Two processes opening one database take turns at its migrations: an
 * open waits while another connection holds the migration lock, and
 * goes on once it is let go.
 */
static void test_migrations_take_turns(void **state)
{
	struct opener o = { .err = RL_ERROR_INIT };
	struct rl_db *db, *watcher;
	pthread_t t;
	int waiting = 0;

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	watcher = open_db(0);
	assert_int_equal(db->engine->lock_migrations(db, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, open_in_thread, &o), 0);
	/* until the other open is seen waiting for the lock (never a fixed sleep) */
	for (int i = 0; i < 3000 && !waiting; i++) {
		waiting = scalar(watcher, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") > 0;
		if (!waiting)
			usleep(10000);
	}
	assert_true(waiting);
	assert_null(o.db);
	assert_int_equal(db->engine->lock_migrations(db, 0), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	if (o.rc < 0)
		fail_msg("the second open: %s", o.err.detail);
	assert_non_null(o.db);
	rl_db_close(o.db);
	rl_db_close(watcher);
	rl_db_close(db);
}

static int backend_pid(struct rl_db *db)
{
	return (int)scalar(db, "SELECT pg_backend_pid()");
}

static void kill_backend(struct rl_db *killer, int pid)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(killer, "SELECT pg_terminate_backend(?::integer)", &err);

	rl_bind_int64(st, 1, pid);
	assert_int_equal(rl_step(st), RL_ROW);
	assert_int_equal(rl_col_int64(st, 0), 1);
	rl_reset(st);
	/* until the server has ended it */
	for (int i = 0; i < 200; i++) {
		st = rl_db_stmt(killer, "SELECT count(*) FROM pg_stat_activity WHERE pid = ?::integer", &err);
		rl_bind_int64(st, 1, pid);
		assert_int_equal(rl_step(st), RL_ROW);
		if (rl_col_int64(st, 0) == 0) {
			rl_reset(st);
			return;
		}
		rl_reset(st);
		usleep(10000);
	}
	fail_msg("backend %d did not end", pid);
}

/*
 * A lost connection: the failure is "unavailable"; the next statement
 * reconnects and prepares again.  Inside a transaction nothing runs on a
 * new connection until the caller has rolled back.
 */
static void test_reconnect(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db, *killer;
	struct rl_stmt *st;
	static const char q[] = "SELECT ? + 1";

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	killer = open_db(0);
	st = rl_db_stmt(db, q, &err);
	rl_bind_int64(st, 1, 1);
	assert_int_equal(rl_step(st), RL_ROW);
	rl_reset(st);

	kill_backend(killer, backend_pid(db));
	st = rl_db_stmt(db, q, &err);
	rl_bind_int64(st, 1, 1);
	assert_int_not_equal(rl_step(st), RL_ROW);
	rl_reset(st);
	assert_int_equal(db->engine->failure(db), RL_SQLF_UNAVAILABLE);
	rl_db_fail(db, &err, "testing");
	assert_string_equal(err.type, "storage-unavailable");
	rl_error_clear(&err);
	/* the next use reconnects; the cached statement is prepared again */
	st = rl_db_stmt(db, q, &err);
	rl_bind_int64(st, 1, 2);
	assert_int_equal(rl_step(st), RL_ROW);
	assert_int_equal(rl_col_int64(st, 0), 3);
	rl_reset(st);

	/* lost inside a transaction */
	exec_ok(db, t_create);
	assert_int_equal(rl_db_begin(db, &err), 0);
	exec_ok(db, "INSERT INTO t(u) VALUES ('lost')");
	kill_backend(killer, backend_pid(db));
	st = rl_db_stmt(db, "INSERT INTO t(u) VALUES (?)", &err);
	rl_bind_text(st, 1, "half", -1);
	assert_int_not_equal(rl_step(st), RL_DONE);
	rl_reset(st);
	rl_bind_text(st, 1, "half", -1);
	assert_int_not_equal(rl_step(st), RL_DONE); /* not on a new connection, outside any transaction */
	rl_reset(st);
	assert_int_equal(rl_db_commit(db, &err), -1);
	assert_string_equal(err.type, "storage-unavailable");
	rl_error_clear(&err);
	assert_false(db->engine->in_transaction(db));
	/* a new transaction on a new connection; the temp table went with the old one */
	assert_int_equal(rl_db_begin(db, &err), 0);
	assert_int_equal(scalar(db, "SELECT to_regclass('pg_temp.t') IS NULL"), 1);
	rl_db_rollback(db);
	rl_db_close(killer);
	rl_db_close(db);
}

/*
 * Randomness that can be replayed: libsodium's generator replaced by a
 * counter-based one (randombytes_set_implementation), so a test can draw
 * the same device code and user code twice.
 */
static uint64_t replay_state;

static uint64_t replay_next(void)
{
	uint64_t x = (replay_state += 0x9e3779b97f4a7c15ULL);
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint32_t replay_random(void)
{
	return (uint32_t)replay_next();
}

static void replay_buf(void *const buf, const size_t size)
{
	for (size_t i = 0; i < size; i++)
		((unsigned char *)buf)[i] = (unsigned char)replay_next();
}

static const char *replay_name(void)
{
	return "replay";
}

static randombytes_implementation replay_impl = {
	.implementation_name = replay_name,
	.random = replay_random,
	.buf = replay_buf,
};

/* SQLite's temporary database for the tests that run on both engines. */
static char lite_dir[64], lite_path[96];

static struct rl_db *open_lite(void)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db = NULL;

	snprintf(lite_dir, sizeof(lite_dir), "/tmp/raslog-test-pg-lite.XXXXXX");
	if (!mkdtemp(lite_dir))
		fail_msg("mkdtemp");
	snprintf(lite_path, sizeof(lite_path), "%s/raslog.db", lite_dir);
	rl_secrets_set_dir(NULL);
	if (rl_db_open(lite_path, RL_DB_CREATE, &db, &err) < 0)
		fail_msg("opening %s: %s", lite_path, err.detail);
	return db;
}

/*
 * rl_device_start draws a user code again when the one it drew is held by
 * another grant (core/domain/device.c).  The retry runs in the writer's
 * transaction, where a failed INSERT aborts all of it on PostgreSQL unless
 * it runs in a savepoint (rl_try_step): here the second grant replays the
 * first one's draws, collides, draws again and commits, and an earlier
 * write of the same transaction is kept.
 */
static void device_collision(struct rl_db *db)
{
	struct rl_error err = RL_ERROR_INIT;
	char device1[RL_SECRET_LEN + 1], user1[RL_DEVICE_USER_CODE_LEN + 2];
	char device2[RL_SECRET_LEN + 1], user2[RL_DEVICE_USER_CODE_LEN + 2];
	int64_t before = scalar(db, "SELECT count(*) FROM device_grants");
	int64_t meta_before = scalar(db, "SELECT count(*) FROM meta");

	randombytes_set_implementation(&replay_impl);
	replay_state = 42;
	assert_int_equal(rl_db_begin(db, &err), 0);
	assert_int_equal(rl_device_start(db, "raslog-cli", "192.0.2.7", device1, user1, &err), 0);
	assert_int_equal(rl_db_commit(db, &err), 0);

	replay_state = 42; /* the same draws again: the first user code (and device code) collide */
	assert_int_equal(rl_db_begin(db, &err), 0);
	assert_int_equal(rl_db_meta_put(db, "test-device-collision", "x", 1, &err), 0);
	if (rl_device_start(db, "raslog-cli", "192.0.2.7", device2, user2, &err) < 0)
		fail_msg("%s: rl_device_start after a collision: %s", rl_db_engine_name(db), err.detail);
	assert_int_equal(rl_db_commit(db, &err), 0);
	randombytes_set_implementation(&randombytes_sysrandom_implementation);

	assert_string_not_equal(user1, user2);
	assert_string_not_equal(device1, device2);
	assert_int_equal(scalar(db, "SELECT count(*) FROM device_grants"), before + 2);
	assert_int_equal(scalar(db, "SELECT count(*) FROM meta"), meta_before + 1);
}

static void test_device_collision_pg(void **state)
{
	struct rl_db *db;

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	device_collision(db);
	rl_db_close(db);
}

/* The same on SQLite, where a failed statement never took the transaction with it. */
static void test_device_collision_sqlite(void **state)
{
	struct rl_db *db;

	(void)state;
	db = open_lite();
	device_collision(db);
	rl_db_close(db);
	temp_db_remove(lite_dir, lite_path);
}

/*
 * rl_step_id reads an INSERT ... RETURNING id's key from its row, and
 * rl_try_step leaves a transaction usable after a UNIQUE violation, on
 * both engines alike.
 */
static void step_id_and_try(struct rl_db *db)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st;
	int64_t id1 = 0, id2 = 0, none = -1;

	exec_ok(db, strcmp(rl_db_engine_name(db), "sqlite") == 0
			    ? "CREATE TEMP TABLE r(id INTEGER PRIMARY KEY, u TEXT UNIQUE)"
			    : "CREATE TEMP TABLE r(id INTEGER PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, u TEXT UNIQUE)");
	assert_int_equal(rl_db_begin(db, &err), 0);
	st = rl_db_stmt(db, "INSERT INTO r(u) VALUES (?) RETURNING id", &err);
	rl_bind_text(st, 1, "a", -1);
	assert_int_equal(rl_step_id(st, &id1), RL_DONE);
	rl_bind_text(st, 1, "b", -1);
	assert_int_equal(rl_step_id(st, &id2), RL_DONE);
	assert_true(id1 > 0);
	assert_int_equal(id2, id1 + 1);
	/* a refused insert: the failure is readable, and the transaction goes on */
	rl_bind_text(st, 1, "a", -1);
	assert_int_not_equal(rl_try_step(st), RL_ROW);
	assert_true(rl_db_unique_violation(db));
	rl_reset(st);
	/* a row not inserted gives id 0 */
	st = rl_db_stmt(db, "INSERT INTO r(u) VALUES (?) ON CONFLICT (u) DO NOTHING RETURNING id", &err);
	rl_bind_text(st, 1, "b", -1);
	assert_int_equal(rl_step_id(st, &none), RL_DONE);
	assert_int_equal(none, 0);
	st = rl_db_stmt(db, "INSERT INTO r(u) VALUES (?) RETURNING id", &err);
	rl_bind_text(st, 1, "c", -1);
	assert_int_equal(rl_try_step(st), RL_ROW);
	assert_true(rl_col_int64(st, 0) > id2); /* PostgreSQL's sequence moved on for the refused rows too */
	rl_reset(st);
	assert_int_equal(rl_db_commit(db, &err), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM r"), 3);
}

static void test_step_id_and_try_pg(void **state)
{
	struct rl_db *db;

	(void)state;
	NEED_SERVER();
	db = open_db(0);
	step_id_and_try(db);
	rl_db_close(db);
}

static void test_step_id_and_try_sqlite(void **state)
{
	struct rl_db *db;

	(void)state;
	db = open_lite();
	step_id_and_try(db);
	rl_db_close(db);
	temp_db_remove(lite_dir, lite_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_is_postgresql),
		cmocka_unit_test(test_uri_needs_key_dir),
		cmocka_unit_test(test_refused_connection),
		cmocka_unit_test(test_missing_database),
		cmocka_unit_test(test_blank_database),
		cmocka_unit_test(test_parameters),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_failures_classified),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_data_version),
		cmocka_unit_test(test_writer_savepoints),
		cmocka_unit_test(test_step_id_and_try_sqlite),
		cmocka_unit_test(test_step_id_and_try_pg),
		cmocka_unit_test(test_device_collision_sqlite),
		cmocka_unit_test(test_device_collision_pg),
		cmocka_unit_test(test_schema_version),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_migrations_take_turns),
	};
	return cmocka_run_group_tests_name("pg", tests, setup, teardown);
}
