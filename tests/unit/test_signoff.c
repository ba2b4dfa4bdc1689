/*
 * test_signoff.c - core/domain/signoff.c on a demo database, the way
 * POST /signoffs runs it (rl_signoff_check, then rl_signoff_apply): a
 * trainer's confirmation of a pending session is appended to the ledger
 * and signs the session; the same session cannot be signed twice; a
 * damaged signature, a statement signed by someone other than the caller,
 * a stale signed_at and a changed certified field are each refused with
 * their own type, and a refusal appends nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "base/util.h"
#include "domain/sessions.h"
#include "domain/signoff.h"
#include "domain/statements.h"
#include "domain/users.h"
#include "domain/erasure.h"
#include "ledger/ledger.h"

#include "demo_fixture.h"

#include "base/banned.h"

/* A pending session whose trainer is trainer; its id. */
static int64_t pending_of(int64_t trainer)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT min(id) FROM sessions WHERE status = 'pending' AND trainer_id = %lld",
		 (long long)trainer);
	return demo_scalar(sql);
}

/* Runs body as POST /signoffs would for caller; 0 or -1 with err set. */
static int submit(int64_t caller, json_t *body, struct rl_signoff *so, struct rl_error *err)
{
	struct rl_user me;
	int rc;

	assert_int_equal(rl_user_get(db, caller, &me, err), 0);
	memset(so, 0, sizeof(*so));
	rc = rl_signoff_check(&me, body, so, err);
	if (rc == 0)
		rc = rl_signoff_apply(db, &me, so, err);
	return rc;
}

static void expect_refusal(int64_t caller, json_t *body, const char *type)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_signoff so;
	long long size = demo_scalar("SELECT count(*) FROM ledger");

	assert_int_equal(submit(caller, body, &so, &err), -1);
	if (strcmp(err.type, type) != 0)
		fail_msg("refused as %s (%s), expected %s", err.type, err.detail, type);
	assert_int_equal(demo_scalar("SELECT count(*) FROM ledger"), size); /* nothing appended */
	rl_signoff_release(&so);
	rl_error_clear(&err);
	json_decref(body);
}

static void confirm_then_not_again(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_signoff so;
	int64_t ellis = demo_id("David Ellis"), sid = pending_of(ellis);
	long long size = demo_scalar("SELECT count(*) FROM ledger");
	json_t *body, *session;

	assert_true(sid > 0);
	body = demo_confirmation(sid, ellis, ellis, NULL, NULL);
	if (submit(ellis, body, &so, &err) < 0)
		fail_msg("%s: %s", err.type, err.detail);
	assert_int_equal(so.ledger_index, size);
	assert_int_equal(demo_scalar("SELECT count(*) FROM ledger"), size + 1);
	rl_signoff_release(&so);
	json_decref(body);
	session = rl_session_load(db, sid, &err);
	assert_string_equal(json_string_value(json_object_get(session, "status")), "signed");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(session, "signoff"), "ledger_index")), size);
	json_decref(session);
	expect_refusal(ellis, demo_confirmation(sid, ellis, ellis, NULL, NULL), "already-signed");
}

static void damaged_signature(void **state)
{
	int64_t ellis = demo_id("David Ellis"), sid = pending_of(ellis);
	json_t *body = demo_confirmation(sid, ellis, ellis, NULL, NULL);
	char sig[128];

	snprintf(sig, sizeof(sig), "%s", json_string_value(json_object_get(body, "signature")));
	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	json_object_set_new(body, "signature", json_string(sig));
	expect_refusal(ellis, body, "bad-signature");
}

static void signed_by_someone_else(void **state)
{
	int64_t ellis = demo_id("David Ellis"), sid = pending_of(ellis), faculty = demo_id("Amelia Hart");

	/* Ellis's statement submitted by faculty: the signer is not the caller. */
	expect_refusal(faculty, demo_confirmation(sid, ellis, ellis, NULL, NULL), "wrong-signer");
}

static void stale_signature(void **state)
{
	int64_t ellis = demo_id("David Ellis"), sid = pending_of(ellis);

	expect_refusal(ellis, demo_confirmation(sid, ellis, ellis, "2020-01-01T00:00:00Z", NULL), "stale-signature");
}

static void more_minutes(json_t *st)
{
	json_t *s = json_object_get(st, "session");
	json_object_set_new(s ? s : st, "minutes", json_integer(999));
}

static void changed_field(void **state)
{
	int64_t ellis = demo_id("David Ellis"), sid = pending_of(ellis);

	expect_refusal(ellis, demo_confirmation(sid, ellis, ellis, NULL, more_minutes), "statement-mismatch");
}

/*
 * Erasure (domain/erasure.h): a version 1 statement whose reason is part of
 * the signed text cannot be erased (409 embedded-text); an entry without
 * free text has nothing to erase (404); a reason is required (400); an
 * entry that is not there is 404; and none of it changes the ledger.
 */
static void erase_refusals(void **state)
{
	static const char msg[] = RL_STATEMENT_PREFIX "{\"decision\":\"rejected\",\"reason\":\"Patient 943 476 5919\","
				  "\"session\":{\"id\":1,\"trainee\":7},\"type\":\"session_signoff\",\"v\":1}";
	struct rl_error err = RL_ERROR_INIT;
	uint8_t pk[32] = { 1 }, sig[64] = { 2 };
	int64_t idx, before, after;
	json_t *out = NULL;

	(void)state;
	assert_int_equal(rl_db_begin(db, &err), 0);
	assert_int_equal(rl_ledger_append(db, "session_signoff", msg, sizeof(msg) - 1, pk, sig, 3, 7, &idx, &err), 0);
	assert_int_equal(rl_db_commit(db, &err), 0);
	before = demo_scalar("SELECT count(*) FROM ledger");
	assert_int_equal(rl_text_erase(db, NULL, idx, NULL, "a patient identifier", &out, &err), -1);
	assert_int_equal(err.status, RL_E_CONFLICT);
	assert_string_equal(err.type, "embedded-text");
	assert_null(out);
	rl_error_clear(&err);
	assert_int_equal(rl_text_erase(db, NULL, 0, NULL, "why", &out, &err), -1);
	assert_int_equal(err.status, RL_E_NOTFOUND);
	rl_error_clear(&err);
	assert_int_equal(rl_text_erase(db, NULL, idx, NULL, "", &out, &err), -1);
	assert_int_equal(err.status, RL_E_INVALID);
	rl_error_clear(&err);
	assert_int_equal(rl_text_erase(db, NULL, idx, "comment", "why", &out, &err), -1);
	assert_int_equal(err.status, RL_E_INVALID);
	rl_error_clear(&err);
	assert_int_equal(rl_text_erase(db, NULL, idx + 1000, NULL, "why", &out, &err), -1);
	assert_int_equal(err.status, RL_E_NOTFOUND);
	rl_error_clear(&err);
	after = demo_scalar("SELECT count(*) FROM ledger");
	assert_int_equal(before, after);
	assert_int_equal(demo_scalar("SELECT count(*) FROM ledger_texts"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(damaged_signature),
		cmocka_unit_test(signed_by_someone_else),
		cmocka_unit_test(stale_signature),
		cmocka_unit_test(changed_field),
		cmocka_unit_test(confirm_then_not_again),
		cmocka_unit_test(erase_refusals),
	};
	return cmocka_run_group_tests(tests, demo_setup, demo_teardown);
}
