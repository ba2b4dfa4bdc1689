/*
 * demo_fixture.h - the group fixture of the unit tests that need a real,
 * realistic database: a temporary directory holding a database set up as
 * raslogd init does and seeded by the demo (server/demo.c, which also
 * writes each person's secret key to DIR/user-N.key), with the ledger
 * sealed.  Include it once, after cmocka.h; pass demo_setup and
 * demo_teardown to cmocka_run_group_tests.  demo_confirmation signs a
 * trainer's confirmation of a session with a demo person's key, as a
 * trainer's browser would (the sign-off tests' common start).
 */
#ifndef RASLOG_TEST_DEMO_FIXTURE_H
#define RASLOG_TEST_DEMO_FIXTURE_H

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../server/demo.h"
#include "app/setup.h"
#include "base/util.h"
#include "domain/sessions.h"
#include "domain/statements.h"
#include "ledger/ledger.h"

static char dir[64];
static struct rl_db *db;
static json_t *people; /* the demo's people: {"id","name","roles","token","public_key"} */

static int demo_setup(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	char path[128];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/raslog-unit.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (rl_setup_database(path, &err) < 0 || rl_db_open(path, 0, &db, &err) < 0 || rl_db_begin(db, &err) < 0 ||
	    !(people = rl_demo_seed(db, dir, &err)) || rl_ledger_seal(db, &err) < 0 || rl_db_commit(db, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err.detail);
		return -1;
	}
	return 0;
}

static int demo_teardown(void **state)
{
	char cmd[128];

	(void)state;
	json_decref(people);
	rl_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The demo person whose name contains name_part (the test fails without one). */
static json_t *demo_person(const char *name_part)
{
	size_t i;
	json_t *p;

	json_array_foreach(people, i, p)
		if (strstr(json_string_value(json_object_get(p, "name")), name_part))
			return p;
	fail_msg("no demo person %s", name_part);
	return NULL;
}

static int64_t demo_id(const char *name_part)
{
	return json_integer_value(json_object_get(demo_person(name_part), "id"));
}

/* The first column of the first row of sql, or -1. */
static long long demo_scalar(const char *sql)
{
	struct rl_error err = RL_ERROR_INIT;
	/* Prepared afresh, not from the cache: tests build sql in stack buffers (the cache keys by address). */
	struct rl_stmt *st = rl_db_prepare(db, sql, &err);
	long long n = -1;

	assert_non_null(st);
	if (rl_step(st) == RL_ROW)
		n = rl_col_int64(st, 0);
	rl_finalize(st);
	return n;
}

/* The demo person with id id (the test fails without one). */
static inline json_t *demo_person_by_id(int64_t id)
{
	size_t i;
	json_t *p;

	json_array_foreach(people, i, p)
		if (json_integer_value(json_object_get(p, "id")) == id)
			return p;
	fail_msg("no demo person %lld", (long long)id);
	return NULL;
}

/* The demo writes each person's libsodium secret key, base64, to DIR/user-N.key. */
static inline void demo_secret_key(int64_t id, uint8_t sk[64])
{
	char path[160], text[200];
	size_t got = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/user-%lld.key", dir, (long long)id);
	f = fopen(path, "r");
	assert_non_null(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	text[strcspn(text, "\r\n")] = '\0';
	assert_int_equal(sodium_base642bin(sk, 64, text, strlen(text), NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(got, 64);
}

/*
 * A POST /signoffs body, {"statement","signature"}: the confirmation of
 * session sid as it is now, signed as signer with key_of's key, at
 * signed_at (NULL: now), the statement first changed by edit (NULL: not).
 */
static inline json_t *demo_confirmation(int64_t sid, int64_t signer, int64_t key_of, const char *signed_at,
					void (*edit)(json_t *statement))
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *session = rl_session_load(db, sid, &err), *st, *body;
	struct rl_signer by;
	uint8_t sk[64];
	char now[21], *sig;

	assert_non_null(session);
	demo_secret_key(key_of, sk);
	rl_now_rfc3339(now);
	by.user = signer;
	by.key = json_string_value(json_object_get(demo_person_by_id(key_of), "public_key"));
	by.signed_at = signed_at ? signed_at : now;
	st = rl_stmt_session_signoff(session, "confirmed", json_string_value(json_object_get(session, "role")),
				     json_object_get(session, "steps"), NULL, &by);
	assert_non_null(st);
	if (edit)
		edit(st);
	sig = rl_stmt_sign(st, sk, &err);
	assert_non_null(sig);
	body = json_pack("{s:o,s:s}", "statement", st, "signature", sig);
	free(sig);
	sodium_memzero(sk, sizeof(sk));
	json_decref(session);
	return body;
}

#endif
