/*
 * test_core.c - unit tests for the core library's storage layer: schema
 * migrations and their version guard, accounts and bearer tokens, session
 * validation and storage, the ledger's append-only triggers, and calendar
 * dates.  Each test works on its own database file in a temporary
 * directory, created with rl_setup_database as raslogd init does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite.h"
#include "base/codes.h"
#include "store/db.h"
#include "base/error.h"
#include "domain/oversight.h"
#include "domain/programmes.h"
#include "domain/sessions.h"
#include "app/setup.h"
#include "domain/users.h"
#include "domain/accounts.h"
#include "base/util.h"

#include "temp_db.h"

#include "base/banned.h"

struct fixture {
	char dir[64];
	char path[96];
	struct rl_db *db;
	int64_t trainee, trainer, other_trainee, dual;
	char trainee_token[RL_TOKEN_LEN + 1];
};

static int64_t add_user(struct rl_db *db, const char *name, const char *email, int roles, char *token)
{
	struct rl_user_new nu = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	char tok[RL_TOKEN_LEN + 1];
	int64_t id = 0;

	nu.name = name;
	nu.email = email;
	nu.roles = roles;
	if (rl_user_add(db, &nu, &id, token ? token : tok, &err) < 0)
		fail_msg("rl_user_add %s: %s", name, err.detail);
	assert_true(id > 0);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rl_error err = RL_ERROR_INIT;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/raslog-unit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	if (rl_setup_database(f->path, &err) < 0)
		fail_msg("rl_setup_database: %s", err.detail);
	if (rl_db_open(f->path, 0, &f->db, &err) < 0)
		fail_msg("rl_db_open: %s", err.detail);
	f->trainee = add_user(f->db, "Tia Trainee", "tia@example.org", RL_ROLE_TRAINEE, f->trainee_token);
	f->trainer = add_user(f->db, "Rob Trainer", "rob@example.org", RL_ROLE_TRAINER, NULL);
	f->other_trainee = add_user(f->db, "Ben Trainee", "ben@example.org", RL_ROLE_TRAINEE, NULL);
	f->dual = add_user(f->db, "Dee Dual", "dee@example.org", RL_ROLE_TRAINEE | RL_ROLE_TRAINER, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rl_db_close(f->db);
	temp_db_remove(f->dir, f->path);
	free(f);
	return 0;
}

static long long query_int(struct rl_db *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(((sqlite3 *)rl_db_sqlite_handle(db)), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- migrations ------------------------------------------------------------ */

static void test_schema_version(void **state)
{
	struct fixture *f = *state;

	assert_true(rl_db_schema_version() >= 1);
	assert_int_equal(query_int(f->db, "PRAGMA user_version"), rl_db_schema_version());
	assert_int_equal(query_int(f->db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(f->db, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
}

static void test_reopen_idempotent(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db2 = NULL;
	long long users = query_int(f->db, "SELECT count(*) FROM users");
	long long curricula = query_int(f->db, "SELECT count(*) FROM curricula");

	/* init again (as raslogd init would) and open again: nothing changes */
	if (rl_setup_database(f->path, &err) < 0)
		fail_msg("second rl_setup_database: %s", err.detail);
	if (rl_db_open(f->path, RL_DB_MIGRATE, &db2, &err) < 0)
		fail_msg("reopen: %s", err.detail);
	assert_int_equal(query_int(db2, "PRAGMA user_version"), rl_db_schema_version());
	assert_int_equal(query_int(db2, "SELECT count(*) FROM users"), users);
	assert_int_equal(query_int(db2, "SELECT count(*) FROM curricula"), curricula);
	rl_db_close(db2);
	if (rl_db_open(f->path, RL_DB_READONLY, &db2, &err) < 0)
		fail_msg("read-only open: %s", err.detail);
	rl_db_close(db2);
}

/* v of a read transaction on db, as the accreditation list takes it. */
static uint64_t read_version(struct rl_db *db)
{
	struct rl_error err = RL_ERROR_INIT;
	uint64_t v = 0, again = 1;

	assert_int_equal(rl_db_exec(db, "BEGIN", &err), 0);
	assert_int_equal(rl_db_data_version(db, &v), 0);
	assert_int_equal(rl_db_data_version(db, &again), 0);
	assert_true(v == again);
	assert_int_equal(rl_db_exec(db, "COMMIT", &err), 0);
	return v;
}

/*
 * rl_db_data_version: the same number while nothing is committed, another
 * after a commit by the connection itself, by another connection, or by
 * another process (the sqlite3 library here stands for the shell), and
 * two connections never share a number.
 */
static void test_data_version(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *reader = NULL;
	sqlite3 *other = NULL;
	uint64_t v, w;

	if (rl_db_open(f->path, RL_DB_READONLY, &reader, &err) < 0)
		fail_msg("read-only open: %s", err.detail);
	assert_int_equal(rl_db_data_version(reader, &v), -1); /* outside a transaction: no number */
	v = read_version(reader);
	assert_true(read_version(reader) == v);
	assert_true(read_version(f->db) != v);

	/* the writer's own commit moves both its number and the reader's */
	w = read_version(f->db);
	add_user(f->db, "Val Version", "val@example.org", RL_ROLE_TRAINEE, NULL);
	assert_true(read_version(f->db) != w);
	w = read_version(reader);
	assert_true(w != v);
	assert_true(read_version(reader) == w);

	/* a commit by a connection raslog knows nothing of */
	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "UPDATE users SET name = 'Val Edited' WHERE email = 'val@example.org'",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	v = read_version(reader);
	assert_true(v != w);
	assert_true(read_version(reader) == v);
	rl_db_close(reader);
}

/* What a row watch heard (rl_db_watch_rows). */
static int64_t heard[16];
static int nheard;
static void hear(void *ctx, int64_t id)
{
	(void)ctx;
	if (nheard < 16)
		heard[nheard++] = id;
}

static int heard_any;
static void hear_any(void *ctx)
{
	(void)ctx;
	heard_any++;
}

static int heard_id(int64_t id)
{
	for (int i = 0; i < nheard; i++)
		if (heard[i] == id)
			return 1;
	return 0;
}

/*
 * rl_db_others_version: a connection's own commits never move it, another
 * connection's (a shell's) do, also as seen inside a write transaction.
 * rl_db_watch_rows: every row the connection changes in a watched table
 * is reported by the column named (or the rowid), a change of any row of
 * an any-table by a call without an id, other tables not.
 */
static void test_others_version_and_watch(void **state)
{
	static const char *const tables[] = { "users", "watch_t", NULL };
	static const char *const columns[] = { NULL, "subject", NULL };
	static const char *const any[] = { "curricula", NULL };
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db_watch w = { .tables = tables, .columns = columns, .touched = hear, .any_tables = any, .any = hear_any };
	sqlite3 *other = NULL;
	uint64_t a, b;
	int64_t val;

	assert_int_equal(rl_db_others_version(f->db, &a), 0);
	val = add_user(f->db, "Otto Own", "otto@example.org", RL_ROLE_TRAINEE, NULL);
	assert_int_equal(rl_db_others_version(f->db, &b), 0);
	assert_true(a == b);
	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "UPDATE users SET name = 'Otto Other' WHERE email = 'otto@example.org'",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(rl_db_begin(f->db, &err), 0);
	assert_int_equal(rl_db_others_version(f->db, &b), 0);
	assert_true(a != b);
	rl_db_rollback(f->db);
	assert_int_equal(rl_db_others_version(f->db, &a), 0);
	assert_true(a == b);

	assert_int_equal(rl_db_exec(f->db, "CREATE TABLE watch_t(x INTEGER, subject INTEGER)", &err), 0);
	assert_int_equal(rl_db_watch_rows(f->db, &w, &err), 0);
	nheard = 0;
	assert_int_equal(rl_db_exec(f->db, "UPDATE users SET name = 'Otto Watched' WHERE email = 'otto@example.org'", &err), 0);
	assert_true(heard_id(val));
	nheard = 0;
	heard_any = 0;
	assert_int_equal(rl_db_exec(f->db, "UPDATE curricula SET title = title", &err), 0);
	assert_int_equal(nheard, 0);
	assert_int_equal(heard_any, query_int(f->db, "SELECT count(*) FROM curricula"));
	assert_true(heard_any > 0);
	heard_any = 0;
	assert_int_equal(rl_db_exec(f->db, "UPDATE users SET name = name", &err), 0);
	assert_int_equal(heard_any, 0);
	/* a named column: its value before and after an update, on insert and on delete */
	nheard = 0;
	assert_int_equal(rl_db_exec(f->db, "INSERT INTO watch_t(x, subject) VALUES (1, 41)", &err), 0);
	assert_true(heard_id(41));
	assert_int_equal(rl_db_exec(f->db, "UPDATE watch_t SET subject = 42 WHERE x = 1", &err), 0);
	assert_true(heard_id(42));
	nheard = 0;
	assert_int_equal(rl_db_exec(f->db, "DELETE FROM watch_t", &err), 0);
	assert_int_equal(nheard, 1);
	assert_true(heard_id(42));
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db2 = (struct rl_db *)1;
	int want = rl_db_schema_version();
	char sql[64], have_s[16], want_s[16];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", want + 7);
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(rl_db_open(f->path, RL_DB_MIGRATE, &db2, &err), -1);
	assert_null(db2);
	assert_int_equal(err.status, RL_E_UNAVAILABLE);
	snprintf(have_s, sizeof(have_s), "%d", want + 7);
	snprintf(want_s, sizeof(want_s), "%d", want);
	if (!strstr(err.detail, have_s) || !strstr(err.detail, want_s))
		fail_msg("the message does not name both versions %s and %s: %s", have_s, want_s, err.detail);
	rl_error_clear(&err);
	/* a reader is refused too, and nothing was changed by the attempts */
	assert_int_equal(rl_db_open(f->path, RL_DB_READONLY, &db2, &err), -1);
	assert_non_null(strstr(err.detail, have_s));
	rl_error_clear(&err);
	assert_int_equal(query_int(f->db, "PRAGMA user_version"), want + 7);
}

static void test_missing_database(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db2 = NULL;
	char p[128];

	snprintf(p, sizeof(p), "%s/absent.db", f->dir);
	assert_int_equal(rl_db_open(p, RL_DB_READONLY, &db2, &err), -1);
	assert_null(db2);
	assert_non_null(strstr(err.detail, p));
	assert_int_equal(access(p, F_OK), -1);
	rl_error_clear(&err);
}

/* ---- accounts and tokens ----------------------------------------------------- */

static void test_token_auth(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user u;
	char bad[RL_TOKEN_LEN + 1];

	assert_int_equal(strlen(f->trainee_token), RL_TOKEN_LEN);
	assert_memory_equal(f->trainee_token, "rl_", 3);
	assert_int_equal(rl_auth_token(f->db, f->trainee_token, &u, &err), 0);
	assert_int_equal(u.id, f->trainee);
	assert_int_equal(u.roles, RL_ROLE_TRAINEE);
	assert_string_equal(u.name, "Tia Trainee");

	/* one character changed, a truncated token, an empty one, garbage */
	memcpy(bad, f->trainee_token, sizeof(bad));
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	assert_int_equal(rl_auth_token(f->db, bad, &u, &err), -1);
	assert_int_equal(err.status, RL_E_UNAUTH);
	rl_error_clear(&err);
	bad[10] = f->trainee_token[10];
	bad[RL_TOKEN_LEN - 1] = '\0';
	assert_int_equal(rl_auth_token(f->db, bad, &u, &err), -1);
	assert_int_equal(err.status, RL_E_UNAUTH);
	rl_error_clear(&err);
	assert_int_equal(rl_auth_token(f->db, "", &u, &err), -1);
	assert_int_equal(err.status, RL_E_UNAUTH);
	rl_error_clear(&err);
	assert_int_equal(rl_auth_token(f->db, "' OR 1=1 --", &u, &err), -1);
	assert_int_equal(err.status, RL_E_UNAUTH);
	rl_error_clear(&err);
}

static void test_tokens_stored_hashed(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	char second[RL_TOKEN_LEN + 1];
	sqlite3_stmt *st;
	int rows = 0;

	assert_int_equal(rl_token_issue(f->db, f->trainee, second, NULL, &err), 0);
	assert_string_not_equal(second, f->trainee_token);
	assert_int_equal(sqlite3_prepare_v2(((sqlite3 *)rl_db_sqlite_handle(f->db)), "SELECT hash FROM tokens", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const void *h = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		rows++;
		assert_int_equal(n, 32);
		/* neither the token's text nor any prefix of it is what is stored */
		assert_true(memcmp(h, f->trainee_token, 32) != 0);
		assert_true(memcmp(h, f->trainee_token + 3, 32) != 0);
		assert_true(memcmp(h, second, 32) != 0);
	}
	sqlite3_finalize(st);
	assert_int_equal(rows, 5); /* four users' first tokens and the second one */
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM tokens WHERE instr(CAST(hash AS TEXT), 'rl_') > 0"), 0);
	assert_int_equal(query_int(f->db, "SELECT count(DISTINCT hash) FROM tokens"), 5);
}

/* Both ways of checking a bearer token (one read, or the user and then the token's row) give the same answers. */
static void expect_bearer(struct fixture *f, const char *token, int ok, int read_only, int stale)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user a, b;
	int ro = -1, st = -1, ro2 = -1, st2 = -1, two;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(rl_auth_bearer(f->db, token, &a, &ro, &st, &err), ok ? 0 : -1);
	assert_int_equal(err.status, ok ? RL_OK : RL_E_UNAUTH);
	rl_error_clear(&err);
	two = rl_auth_token(f->db, token, &b, &err) == 0 && rl_pat_check(f->db, b.token_id, &ro2, &st2, &err) == 0;
	rl_error_clear(&err);
	assert_int_equal(two, ok);
	if (!ok)
		return;
	assert_int_equal(a.id, b.id);
	assert_int_equal(a.token_id, b.token_id);
	assert_int_equal(a.roles, b.roles);
	assert_string_equal(a.name, b.name);
	assert_int_equal(ro, read_only);
	assert_int_equal(st, stale);
	assert_int_equal(ro2, read_only);
	assert_int_equal(st2, stale);
}

static void test_auth_bearer(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_pat_new pat = { "ci", 1, 0 };
	char read_token[RL_TOKEN_LEN + 1], bad[RL_TOKEN_LEN + 1], sql[160];
	int64_t pat_id = 0;

	expect_bearer(f, f->trainee_token, 1, 0, 1); /* never used: stale */
	assert_int_equal(rl_pat_create(f->db, f->trainee, &pat, &pat_id, read_token, &err), 0);
	expect_bearer(f, read_token, 1, 1, 1);
	assert_int_equal(rl_pat_touch(f->db, pat_id, &err), 0);
	expect_bearer(f, read_token, 1, 1, 0); /* just used */
	snprintf(sql, sizeof(sql), "UPDATE tokens SET expires_at = '2000-01-01T00:00:00Z' WHERE id = %lld", (long long)pat_id);
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), sql, NULL, NULL, NULL), SQLITE_OK);
	expect_bearer(f, read_token, 0, 0, 0); /* expired */
	expect_bearer(f, f->trainee_token, 1, 0, 1);
	memcpy(bad, f->trainee_token, sizeof(bad));
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	expect_bearer(f, bad, 0, 0, 0);
	expect_bearer(f, "", 0, 0, 0);
	snprintf(sql, sizeof(sql), "UPDATE users SET active = 0 WHERE id = %lld", (long long)f->trainee);
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), sql, NULL, NULL, NULL), SQLITE_OK);
	expect_bearer(f, f->trainee_token, 0, 0, 0); /* its owner deactivated */
	snprintf(sql, sizeof(sql), "UPDATE users SET active = 1 WHERE id = %lld", (long long)f->trainee);
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(rl_token_revoke_all(f->db, f->trainee, &err), 2); /* the first token and the expired one */
	expect_bearer(f, f->trainee_token, 0, 0, 0); /* revoked */
}

static void test_token_revoked(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	char second[RL_TOKEN_LEN + 1];
	struct rl_user u;

	assert_int_equal(rl_token_issue(f->db, f->trainee, second, NULL, &err), 0);
	assert_int_equal(rl_auth_token(f->db, second, &u, &err), 0);
	assert_int_equal(rl_token_revoke_all(f->db, f->trainee, &err), 2);
	assert_int_equal(rl_auth_token(f->db, f->trainee_token, &u, &err), -1);
	assert_int_equal(err.status, RL_E_UNAUTH);
	rl_error_clear(&err);
	assert_int_equal(rl_auth_token(f->db, second, &u, &err), -1);
	assert_int_equal(err.status, RL_E_UNAUTH);
	rl_error_clear(&err);
	/* other users' tokens are untouched; a new token works again */
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM tokens WHERE revoked_at IS NULL"), 3);
	assert_int_equal(rl_token_issue(f->db, f->trainee, second, NULL, &err), 0);
	assert_int_equal(rl_auth_token(f->db, second, &u, &err), 0);
	assert_int_equal(u.id, f->trainee);
}

static void test_user_get(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user u;

	assert_int_equal(rl_user_get(f->db, f->dual, &u, &err), 0);
	assert_int_equal(u.roles, RL_ROLE_TRAINEE | RL_ROLE_TRAINER);
	assert_int_equal(rl_user_get(f->db, 987654, &u, &err), -1);
	assert_int_equal(err.status, RL_E_NOTFOUND);
	rl_error_clear(&err);
}

/* ---- sessions ---------------------------------------------------------------------- */

/* Parses text as the body of trainee `me`; returns 0/-1 and leaves err set. */
static int parse(struct fixture *f, int64_t me, const char *text, struct rl_session_new *s,
		 json_t **body, struct rl_error *err)
{
	struct rl_user u;
	struct rl_error e2 = RL_ERROR_INIT;
	json_error_t je;

	assert_int_equal(rl_user_get(f->db, me, &u, &e2), 0);
	*body = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!*body)
		fail_msg("bad test JSON %s: %s", text, je.text);
	return rl_session_parse(f->db, &u, *body, s, err);
}

static int has_field(const struct rl_error *err, const char *field)
{
	for (int i = 0; i < err->nfields; i++)
		if (strcmp(err->fields[i].field, field) == 0)
			return 1;
	return 0;
}

/* The body must be refused with field named; nothing else is checked. */
static void refused(struct fixture *f, int64_t me, const char *text, const char *field)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_session_new s;
	json_t *body;

	if (parse(f, me, text, &s, &body, &err) == 0)
		fail_msg("accepted %s", text);
	assert_int_equal(err.status, RL_E_INVALID);
	assert_string_equal(err.type, "validation");
	if (!has_field(&err, field))
		fail_msg("%s: refused, but not for %s (first: %s %s)", text, field,
			 err.nfields ? err.fields[0].field : "-", err.nfields ? err.fields[0].message : err.detail);
	json_decref(body);
	rl_error_clear(&err);
}

static void test_session_parse_insert(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_session_new s;
	json_t *body, *loaded;
	int64_t id = 0;
	char text[512];

	snprintf(text, sizeof(text),
		 "{\"date\":\"2024-02-29\",\"minutes\":1440,\"activity\":\"console_modular\","
		 "\"platform\":\"da Vinci Xi\",\"steps\":[\"vua\",\"bladder_neck\"],\"role\":\"S-TS\","
		 "\"trainer\":%lld,\"site\":\"North\",\"notes\":\"tab\\there\"}", (long long)f->trainer);
	if (parse(f, f->trainee, text, &s, &body, &err) < 0)
		fail_msg("refused: %s", err.detail);
	assert_string_equal(s.date, "2024-02-29");
	assert_int_equal(s.minutes, 1440);
	assert_string_equal(s.activity, "console_modular");
	assert_string_equal(s.platform, "davinci_xi");
	assert_string_equal(s.role, "S-TS");
	assert_int_equal(s.trainee, f->trainee);
	assert_int_equal(s.trainer, f->trainer);
	assert_int_equal(json_array_size(s.steps), 2);

	assert_int_equal(rl_db_begin(f->db, &err), 0);
	if (rl_session_insert(f->db, &s, &id, &err) < 0)
		fail_msg("insert: %s", err.detail);
	assert_int_equal(rl_db_commit(f->db, &err), 0);
	json_decref(body);
	assert_true(id > 0);

	loaded = rl_session_load(f->db, id, &err);
	assert_non_null(loaded);
	assert_string_equal(json_string_value(json_object_get(loaded, "status")), "pending");
	assert_int_equal(json_integer_value(json_object_get(loaded, "trainee")), f->trainee);
	assert_string_equal(json_string_value(json_object_get(loaded, "platform")), "davinci_xi");
	assert_true(json_is_null(json_object_get(loaded, "signoff")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(loaded, "steps"), 1)), "bladder_neck");
	json_decref(loaded);

	assert_null(rl_session_load(f->db, id + 1000, &err));
	assert_int_equal(err.status, RL_E_NOTFOUND);
	rl_error_clear(&err);
}

/* Dumps both and compares the text (the reply's serialiser keeps the members' order, as json_dumps does). */
static void assert_same_json(json_t *a, json_t *b)
{
	char *x = json_dumps(a, 0), *y = json_dumps(b, 0);

	assert_non_null(x);
	assert_non_null(y);
	if (strcmp(x, y) != 0)
		fail_msg("built:\n%s\nread back:\n%s", x, y);
	free(x);
	free(y);
}

/*
 * POST's reply is built from what the writer inserted (rl_session_logged_json)
 * and the facts it read (rl_session_facts_warnings): byte for byte the
 * record rl_session_load reads back and the warnings rl_session_warnings
 * gives, and a session logged twice in one transaction is warned about.
 */
static void test_session_logged_as_loaded(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_session_new s[3];
	struct rl_session_logged l[3];
	json_t *body[3];
	char text[3][512];

	snprintf(text[0], sizeof(text[0]),
		 "{\"date\":\"2024-02-29\",\"minutes\":700,\"activity\":\"console_modular\","
		 "\"platform\":\"da Vinci Xi\",\"steps\":[\"vua\",\"no_such_step\"],\"role\":\"S-TS\","
		 "\"trainer\":%lld,\"site\":\"North \\u00e9\",\"procedure\":\"Robotic \\\"x\\\" / y\","
		 "\"notes\":\"tab\\there \\u2603\"}", (long long)f->trainer);
	snprintf(text[1], sizeof(text[1]), "{\"date\":\"2025-01-01\",\"minutes\":30,\"activity\":\"simulator\","
		 "\"trainer\":%lld}", (long long)f->trainer);
	snprintf(text[2], sizeof(text[2]), "%s", text[1]);
	assert_int_equal(rl_db_begin(f->db, &err), 0);
	for (int i = 0; i < 3; i++) {
		if (parse(f, f->trainee, text[i], &s[i], &body[i], &err) < 0)
			fail_msg("refused %s: %s", text[i], err.detail);
		memset(&l[i], 0, sizeof(l[i]));
		rl_now_rfc3339(l[i].created_at);
		s[i].created_at = l[i].created_at;
		if (rl_session_insert(f->db, &s[i], &l[i].id, &err) < 0 ||
		    rl_session_logged_read(f->db, &s[i], &l[i], &err) < 0)
			fail_msg("session %d: %s", i, err.detail);
	}
	/* The third is the second again, in the same transaction: the duplicate the writer sees. */
	assert_int_equal(l[1].facts.duplicate, 0);
	assert_int_equal(l[2].facts.duplicate, l[1].id);
	assert_int_equal(rl_db_commit(f->db, &err), 0);

	for (int i = 0; i < 3; i++) {
		json_t *built = rl_session_logged_json(&s[i], &l[i]), *loaded = rl_session_load(f->db, l[i].id, &err);
		json_t *warned = rl_session_facts_warnings(&s[i], &l[i].facts), *want;

		assert_non_null(loaded);
		assert_same_json(built, loaded);
		/* Read after the commit, the first copy sees the second as its duplicate too: the third's own are compared. */
		if (i != 1) {
			assert_non_null(want = rl_session_warnings(f->db, loaded, &err));
			assert_same_json(warned, want);
			json_decref(want);
		}
		json_decref(built);
		json_decref(loaded);
		if (i == 2)
			assert_string_equal(json_string_value(json_object_get(json_array_get(warned, 0), "code")),
					    "duplicate");
		if (i == 0) /* a step the curriculum does not count (or no curriculum), too long, no accreditation */
			assert_true(json_array_size(warned) >= 3);
		json_decref(warned);
		json_decref(body[i]);
	}
}

/* Runs sql, an UPDATE of one users row (a literal with one ? for its id: statements are cached by the SQL's address). */
static void set_name(struct fixture *f, const char *sql, int64_t id)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(f->db, sql, &err);

	assert_non_null(st);
	rl_bind_int64(st, 1, id);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);
	assert_int_equal(rl_db_changes(f->db), 1);
}

/*
 * The names and the trainer's accreditation in POST's reply are read by
 * rl_session_parse on the HTTP thread (s.has_known), not again by the
 * writer's job: rl_session_logged_read takes them from s, so a rename
 * in the writer's transaction after the parse does not reach the reply
 * (a read in the job would give the new names), and the accreditation is
 * rl_session_warnings' verdict.
 */
static void test_session_known_at_parse(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_session_new s;
	struct rl_session_logged l;
	struct rl_user te, tr;
	json_t *body, *loaded, *warned, *want;
	char text[256];

	snprintf(text, sizeof(text), "{\"date\":\"2025-03-03\",\"minutes\":40,\"activity\":\"simulator\","
		 "\"trainer\":%lld}", (long long)f->trainer);
	if (parse(f, f->trainee, text, &s, &body, &err) < 0)
		fail_msg("refused: %s", err.detail);
	assert_int_equal(rl_user_get(f->db, f->trainee, &te, &err), 0);
	assert_int_equal(rl_user_get(f->db, f->trainer, &tr, &err), 0);
	assert_int_equal(s.has_known, 1);
	assert_string_equal(s.trainee_name, te.name);
	assert_string_equal(s.trainer_name, tr.name);

	assert_int_equal(rl_db_begin(f->db, &err), 0);
	set_name(f, "UPDATE users SET name = name || ' (renamed)' WHERE id = ?", f->trainer);
	set_name(f, "UPDATE users SET name = name || ' (renamed)' WHERE id = ?", f->trainee);
	memset(&l, 0, sizeof(l));
	rl_now_rfc3339(l.created_at);
	s.created_at = l.created_at;
	if (rl_session_insert(f->db, &s, &l.id, &err) < 0 || rl_session_logged_read(f->db, &s, &l, &err) < 0)
		fail_msg("log: %s", err.detail);
	assert_string_equal(l.trainee_name, te.name);
	assert_string_equal(l.trainer_name, tr.name);
	loaded = rl_session_load(f->db, l.id, &err);
	assert_non_null(loaded);
	assert_true(strstr(json_string_value(json_object_get(loaded, "trainer_name")), "(renamed)") != NULL);
	warned = rl_session_facts_warnings(&s, &l.facts);
	assert_non_null(want = rl_session_warnings(f->db, loaded, &err));
	assert_same_json(warned, want);
	rl_db_rollback(f->db);
	json_decref(loaded);
	json_decref(warned);
	json_decref(want);
	json_decref(body);
}

static void test_session_rules(void **state)
{
	struct fixture *f = *state;
	char b[512];
	long long T = f->trainer;
#define BODY(...) (snprintf(b, sizeof(b), __VA_ARGS__), b)
#define OK_FIELDS "\"date\":\"2025-01-01\",\"minutes\":30,\"activity\":\"simulator\""

	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld,\"colour\":1}", T), "colour");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld,\"id\":1}", T), "id");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld,\"status\":\"signed\"}", T), "status");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld,\"trainee\":%lld}", T, (long long)f->other_trainee), "trainee");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld,\"signed_by\":%lld}", T, T), "signed_by");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld,\"created_at\":\"x\"}", T), "created_at");
	refused(f, f->trainee, BODY("{\"date\":\"2025-01-01\",\"minutes\":0,\"activity\":\"simulator\",\"trainer\":%lld}", T), "minutes");
	refused(f, f->trainee, BODY("{\"date\":\"2025-01-01\",\"minutes\":1441,\"activity\":\"simulator\",\"trainer\":%lld}", T), "minutes");
	refused(f, f->trainee, BODY("{\"date\":\"2025-01-01\",\"minutes\":1.5,\"activity\":\"simulator\",\"trainer\":%lld}", T), "minutes");
	refused(f, f->trainee, BODY("{\"date\":\"2025-01-01\",\"minutes\":\"90\",\"activity\":\"simulator\",\"trainer\":%lld}", T), "minutes");
	refused(f, f->trainee, BODY("{\"date\":\"2025-02-29\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":%lld}", T), "date");
	refused(f, f->trainee, BODY("{\"date\":\"2999-01-01\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":%lld}", T), "date");
	refused(f, f->trainee, BODY("{\"date\":\"2025-01-01\",\"minutes\":30,\"activity\":\"golf\",\"trainer\":%lld}", T), "activity");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld,\"role\":\"Z\"}", T), "role");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld,\"platform\":\"tricorder\"}", T), "platform");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld,\"steps\":[\"UPPER\"]}", T), "steps[0]");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld}", (long long)f->other_trainee), "trainer");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":987654}"), "trainer");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":%lld}", (long long)f->trainee), "trainer");
	refused(f, f->dual, BODY("{" OK_FIELDS ",\"trainer\":%lld}", (long long)f->dual), "trainer");
	refused(f, f->trainee, BODY("{" OK_FIELDS ",\"trainer\":\"%lld\"}", T), "trainer");
	refused(f, f->trainee, "{}", "date");
	refused(f, f->trainee, "{}", "trainer");
#undef BODY
#undef OK_FIELDS
	/* the database constraints back the validator up */
	assert_int_not_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)),
		"INSERT INTO sessions(trainee_id, trainer_id, date, minutes, activity, created_at) "
		"VALUES (1, 2, '2025-01-01', 0, 'simulator', 'x')", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)),
		"INSERT INTO sessions(trainee_id, trainer_id, date, minutes, activity, created_at) "
		"VALUES (1, 1, '2025-01-01', 10, 'simulator', 'x')", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM sessions"), 0);
}

/* Nearest-rank percentiles: the value at rank ceil(p * n / 100). */
static void test_percentile(void **state)
{
	const long long v[] = { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 };
	const long long one[] = { 7 };

	(void)state;
	assert_int_equal(rl_percentile(v, 10, 50), 50);
	assert_int_equal(rl_percentile(v, 10, 90), 90);
	assert_int_equal(rl_percentile(v, 9, 50), 50);   /* rank 5 of 9 */
	assert_int_equal(rl_percentile(v, 9, 90), 90);   /* rank ceil(8.1) = 9 */
	assert_int_equal(rl_percentile(v, 4, 90), 40);
	assert_int_equal(rl_percentile(one, 1, 50), 7);
	assert_int_equal(rl_percentile(v, 0, 50), 0);
}

/* Faculty see every trainee until a programme exists, then only their programmes' trainees. */
static void test_programme_visibility(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_programme_in in = { "North", -1, -1 };
	struct rl_user fac = { 0 };
	int64_t pa, pb;

	fac.id = f->trainer;      /* any account; the role is what counts */
	fac.roles = RL_ROLE_FACULTY;
	assert_true(rl_trainee_visible(f->db, &fac, f->trainee));
	assert_int_equal(rl_programme_create(f->db, &in, 0, &pa, &err), 0);
	in.name = "South";
	assert_int_equal(rl_programme_create(f->db, &in, 0, &pb, &err), 0);
	assert_false(rl_trainee_visible(f->db, &fac, f->trainee));
	assert_int_equal(rl_programme_set_members(f->db, f->trainee, &pa, 1, 0, "programme", &err), 0);
	assert_int_equal(rl_programme_set_members(f->db, fac.id, &pb, 1, 0, "programme", &err), 0);
	assert_false(rl_trainee_visible(f->db, &fac, f->trainee));
	assert_int_equal(rl_programme_set_members(f->db, fac.id, (int64_t[]){ pa, pb }, 2, 0, "programme", &err), 0);
	assert_true(rl_trainee_visible(f->db, &fac, f->trainee));
	/* A trainee holds one programme at a time; a move keeps the history. */
	assert_int_equal(rl_programme_set_members(f->db, f->trainee, (int64_t[]){ pa, pb }, 2, 0, "programme", &err), -1);
	rl_error_clear(&err);
	assert_int_equal(rl_programme_set_members(f->db, f->trainee, &pb, 1, 0, "programme", &err), 0);
	{
		char sql[160];
		snprintf(sql, sizeof(sql), "SELECT count(*) * 10 + sum(until_at IS NULL) FROM programme_members WHERE user_id = %lld",
			 (long long)f->trainee);
		assert_int_equal(query_int(f->db, sql), 21); /* two memberships, one current */
	}
	rl_error_clear(&err);
}

/* ---- oversight in proportion to the programme (issue 17 item 4) ---------------- */

static int count_progress(void *ctx)
{
	(*(long *)ctx)++;
	return 0;
}

/* Appends n session_signoff entries about trainee (sessions first_session..), signed by trainer. */
static void add_signoffs(struct rl_db *db, int64_t trainee, int64_t trainer, int first_session, int n)
{
	char sql[1024];
	long long base = query_int(db, "SELECT coalesce(max(idx), -1) + 1 FROM ledger");

	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n + 1 < %d) "
		 "INSERT INTO ledger(idx, kind, message, public_key, signature, signer_id, subject_id, created_at) "
		 "SELECT %lld + n, 'session_signoff', 'RASLOG-STATEMENT-v1' || char(10) || "
		 "'{\"type\":\"session_signoff\",\"signer\":%lld,\"signed_at\":\"2026-01-01T01:00:00Z\",\"decision\":\"confirmed\","
		 "\"session\":{\"id\":' || (%d + n) || ',\"trainee\":%lld,\"created_at\":\"2026-01-01T00:00:00Z\"}}', "
		 "zeroblob(32), zeroblob(64), %lld, %lld, '2026-01-01T01:00:00Z' FROM r",
		 n, base, (long long)trainer, first_session, (long long)trainee, (long long)trainer, (long long)trainee);
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(db)), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* SQLite VM steps (in hundreds) that the three oversight reports take for fac; checks the trainers report. */
static long oversight_cost(struct fixture *f, const struct rl_user *fac)
{
	struct rl_oversight_opts o = { fac, 0, 1767225600 };
	struct rl_error err = RL_ERROR_INIT;
	json_t *t, *a, *st;
	long steps = 0;

	sqlite3_progress_handler(((sqlite3 *)rl_db_sqlite_handle(f->db)), 100, count_progress, &steps);
	t = rl_oversight_trainers(f->db, &o, &err);
	a = rl_oversight_agreement(f->db, &o, &err);
	st = rl_oversight_stuck(f->db, &o, &err);
	sqlite3_progress_handler(((sqlite3 *)rl_db_sqlite_handle(f->db)), 0, NULL, NULL);
	if (!t || !a || !st)
		fail_msg("oversight: %s", err.detail);
	/* Only the programme's trainee counts: trainer Rob decided 3 of Tia's sessions. */
	assert_int_equal(json_array_size(json_object_get(t, "items")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(t, "items"), 0), "decided")), 3);
	json_decref(t);
	json_decref(a);
	json_decref(st);
	return steps;
}

static void test_oversight_proportional(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_programme_in in = { "North", -1, -1 };
	struct rl_user fac = { 0 };
	int64_t pa, pb, fac_id = add_user(f->db, "Fay Faculty", "fay@example.org", RL_ROLE_FACULTY, NULL);
	long small, large;

	fac.id = fac_id;
	fac.roles = RL_ROLE_FACULTY;
	assert_int_equal(rl_programme_create(f->db, &in, 0, &pa, &err), 0);
	in.name = "South";
	assert_int_equal(rl_programme_create(f->db, &in, 0, &pb, &err), 0);
	assert_int_equal(rl_programme_set_members(f->db, f->trainee, &pa, 1, 0, "programme", &err), 0);
	assert_int_equal(rl_programme_set_members(f->db, fac_id, &pa, 1, 0, "programme", &err), 0);
	assert_int_equal(rl_programme_set_members(f->db, f->other_trainee, &pb, 1, 0, "programme", &err), 0);
	add_signoffs(f->db, f->trainee, f->trainer, 1, 3);
	add_signoffs(f->db, f->other_trainee, f->trainer, 100, 10);
	small = oversight_cost(f, &fac);
	/* Another programme's trainee gets 3000 more sign-offs and sessions waiting: North's faculty pay nothing for them. */
	add_signoffs(f->db, f->other_trainee, f->trainer, 1000, 3000);
	{
		char sql[600];
		snprintf(sql, sizeof(sql),
			 "WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n + 1 < 3000) "
			 "INSERT INTO sessions(trainee_id, trainer_id, date, minutes, activity, created_at) "
			 "SELECT %lld, %lld, '2026-01-01', 30, 'simulator', '2026-01-01T00:00:00Z' FROM r",
			 (long long)f->other_trainee, (long long)f->trainer);
		assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), sql, NULL, NULL, NULL), SQLITE_OK);
	}
	large = oversight_cost(f, &fac);
	/* Reading 6000 rows would take tens of thousands of VM steps; a few hundred steps of slack (query plans' probes). */
	if (large > small + 5)
		fail_msg("oversight for one programme cost %ld00 VM steps with a small other programme, %ld00 with a large one",
			 small, large);
	rl_error_clear(&err);
}

static void test_session_visibility(void **state)
{
	struct fixture *f = *state;
	json_t *s = json_pack("{s:I,s:I}", "trainee", (json_int_t)f->trainee, "trainer", (json_int_t)f->trainer);
	struct rl_user u = { 0 };

	u.id = f->trainee; u.roles = RL_ROLE_TRAINEE;
	assert_true(rl_session_visible(f->db, &u, s));
	u.id = f->other_trainee;
	assert_false(rl_session_visible(f->db, &u, s));
	u.id = f->trainer; u.roles = RL_ROLE_TRAINER;
	assert_true(rl_session_visible(f->db, &u, s));
	u.id = f->dual; u.roles = RL_ROLE_TRAINER | RL_ROLE_TRAINEE;
	assert_false(rl_session_visible(f->db, &u, s));
	u.roles = RL_ROLE_ADMIN;
	assert_false(rl_session_visible(f->db, &u, s));
	u.roles = RL_ROLE_FACULTY;
	assert_true(rl_session_visible(f->db, &u, s));
	/* a trainee id that happens to equal a trainer's only counts with the trainee role */
	u.id = f->trainee; u.roles = RL_ROLE_TRAINER;
	assert_false(rl_session_visible(f->db, &u, s));
	json_decref(s);
}

/* ---- ledger ------------------------------------------------------------------- */

static void test_ledger_append_only(void **state)
{
	struct fixture *f = *state;
	char *msg = NULL;

	/* appended at the next index (init already logged the curricula: issue 13) */
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)),
		"INSERT INTO ledger(idx, kind, message, public_key, signature, signer_id, subject_id, created_at) "
		"VALUES ((SELECT count(*) FROM ledger), 'test', 'RASLOG-STATEMENT-v1\n{}', zeroblob(32), zeroblob(64), 1, 1, '2025-01-01T00:00:00Z')",
		NULL, NULL, &msg), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "UPDATE ledger SET message = 'forged' WHERE idx = 0",
					  NULL, NULL, &msg), SQLITE_OK);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "append-only"));
	sqlite3_free(msg);
	msg = NULL;
	assert_int_not_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "DELETE FROM ledger", NULL, NULL, &msg), SQLITE_OK);
	assert_non_null(strstr(msg, "append-only"));
	sqlite3_free(msg);
	msg = NULL;
	/*
	 * INSERT OR REPLACE deletes the old row without firing DELETE triggers
	 * unless recursive_triggers is on (SQLite's documented behaviour), as
	 * in an operator's sqlite3 shell; the BEFORE INSERT trigger of
	 * schema/004 refuses it anyway.
	 */
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "PRAGMA recursive_triggers = OFF", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "INSERT OR REPLACE INTO ledger(idx, kind, message, public_key, "
		"signature, created_at) VALUES (0, 'x', 'x', zeroblob(32), zeroblob(64), 'x')", NULL, NULL, &msg), SQLITE_OK);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "append-only"));
	sqlite3_free(msg);
	msg = NULL;
	assert_int_not_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "REPLACE INTO tree_heads(tree_size, root_hash, timestamp, "
		"signature) SELECT tree_size, zeroblob(32), 'x', zeroblob(64) FROM tree_heads LIMIT 1", NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM tree_heads WHERE root_hash = zeroblob(32)"), 0);
	/* an upsert goes through the UPDATE trigger */
	assert_int_not_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "INSERT INTO ledger(idx, kind, message, public_key, signature, "
		"created_at) VALUES (0, 'x', 'x', zeroblob(32), zeroblob(64), 'x') ON CONFLICT(idx) DO UPDATE SET "
		"message = excluded.message", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM ledger WHERE message = 'RASLOG-STATEMENT-v1\n{}'"), 1);

	/* the Merkle nodes are append-only too (a trigger only fires on an existing row) */
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "INSERT INTO merkle_nodes(pos, level, idx, hash) "
				      "VALUES ((SELECT max(pos) + 1 FROM merkle_nodes), 0, "
				      "(SELECT coalesce(max(idx), -1) + 1 FROM merkle_nodes WHERE level = 0), zeroblob(32))",
				      NULL, NULL, NULL), SQLITE_OK);
	/* over an existing node's key (027: pos), whatever its level and index say */
	assert_int_not_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "INSERT OR REPLACE INTO merkle_nodes(pos, level, "
					  "idx, hash) VALUES (0, 0, 0, zeroblob(32))", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM merkle_nodes WHERE pos = 0 AND hash = zeroblob(32)"), 0);
	assert_int_not_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "DELETE FROM merkle_nodes", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "UPDATE merkle_nodes SET level = level", NULL, NULL, NULL),
			     SQLITE_OK);
}

/* ---- dates ---------------------------------------------------------------------- */

static void test_parse_date(void **state)
{
	static const char *const good[] = {
		"2024-02-29", "2000-02-29", "2023-02-28", "1900-02-28", "2025-12-31", "2025-01-01",
		"2025-04-30", "1900-01-01", NULL
	};
	static const char *const bad[] = {
		"2023-02-29", "1900-02-29", "2100-02-29", "2025-02-30", "2025-04-31", "2025-13-01",
		"2025-00-10", "2025-01-00", "2025-01-32", "2025-1-01", "2025-01-1", "25-01-01",
		"2025/01/01", "2025-01-01 ", " 2025-01-01", "2025-01-01T00:00:00Z", "", "not-a-date",
		"20250101", "2025-0a-01", "+025-01-01", "-025-01-01", "1899-12-31", NULL
	};
	long d1, d2;

	(void)state;
	for (const char *const *s = good; *s; s++)
		if (rl_parse_date(*s, &d1) < 0)
			fail_msg("refused %s", *s);
	for (const char *const *s = bad; *s; s++)
		if (rl_parse_date(*s, &d1) == 0)
			fail_msg("accepted %s", *s);
	assert_int_equal(rl_parse_date(NULL, &d1), -1);

	assert_int_equal(rl_parse_date("1970-01-01", &d1), 0);
	assert_int_equal(d1, 0);
	assert_int_equal(rl_parse_date("2000-03-01", &d1), 0);
	assert_int_equal(rl_parse_date("2000-02-29", &d2), 0);
	assert_int_equal(d1 - d2, 1);
	assert_int_equal(rl_parse_date("2024-03-01", &d1), 0);
	assert_int_equal(rl_parse_date("2024-02-28", &d2), 0);
	assert_int_equal(d1 - d2, 2);
	assert_int_equal(rl_parse_date("2023-03-01", &d1), 0);
	assert_int_equal(rl_parse_date("2023-02-28", &d2), 0);
	assert_int_equal(d1 - d2, 1);
	/* round trip with rl_format_date */
	{
		char out[11];
		rl_format_date(d2, out);
		assert_string_equal(out, "2023-02-28");
		rl_format_date(rl_today(), out);
		assert_int_equal(rl_parse_date(out, &d1), 0);
		assert_int_equal(d1, rl_today());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
		cmocka_unit_test(test_percentile),
		cmocka_unit_test_setup_teardown(test_programme_visibility, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversight_proportional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_others_version_and_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens_stored_hashed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_bearer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_parse_insert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_logged_as_loaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_known_at_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_visibility, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_append_only, setup, teardown),
		cmocka_unit_test(test_parse_date),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
