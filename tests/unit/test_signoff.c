/*
 * test_signoff.c - core/domain/signoff.c on a demo database, the way
 * POST /signoffs runs it (rl_signoff_check, then rl_signoff_apply): a
 * trainer's confirmation of a pending session is appended to the ledger
 * and signs the session; the same session cannot be signed twice; a
 * damaged signature, a statement signed by someone other than the caller,
 * a stale signed_at and a changed certified field are each refused with
 * their own type, and a refusal appends nothing.  The two halves apart
 * (rl_signoff_precheck on a reader, then the writer): a correction, a
 * withdrawal or another sign-off landing between them is caught.
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
 * The two halves of POST /signoffs apart: rl_signoff_precheck (the HTTP
 * thread, before the job) then rl_signoff_apply (the writer).  caller's
 * statement body, checked and prechecked into so; whether the precheck
 * passed is returned.
 */
static int prechecked(int64_t caller, json_t *body, struct rl_signoff *so)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user me;

	assert_int_equal(rl_user_get(db, caller, &me, &err), 0);
	memset(so, 0, sizeof(*so));
	if (rl_signoff_check(&me, body, so, &err) < 0)
		fail_msg("%s: %s", err.type, err.detail);
	rl_signoff_precheck(db, so);
	return so->pre.session > 0;
}

/* The writer's half of so for caller: 0, or -1 with err's type in type (size 64). */
static int applied(int64_t caller, struct rl_signoff *so, char type[64])
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user me;
	int rc;

	assert_int_equal(rl_user_get(db, caller, &me, &err), 0);
	rc = rl_signoff_apply(db, &me, so, &err);
	snprintf(type, 64, "%s", rc < 0 ? err.type : "");
	rl_error_clear(&err);
	rl_signoff_release(so);
	return rc;
}

/* The trainee's correction of session sid (one more minute), or its withdrawal, as PATCH /sessions/{id} makes it. */
static void correct_session(int64_t sid, int withdraw)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *s = rl_session_load(db, sid, &err);
	struct rl_session_new n = { 0 };

	assert_non_null(s);
	snprintf(n.date, sizeof(n.date), "%s", json_string_value(json_object_get(s, "date")));
	n.minutes = json_integer_value(json_object_get(s, "minutes")) + 1;
	n.activity = json_string_value(json_object_get(s, "activity"));
	n.platform = json_string_value(json_object_get(s, "platform"));
	n.site = json_string_value(json_object_get(s, "site"));
	n.procedure = json_string_value(json_object_get(s, "procedure"));
	n.role = json_string_value(json_object_get(s, "role"));
	n.notes = json_string_value(json_object_get(s, "notes"));
	n.steps = json_object_get(s, "steps");
	n.trainee = json_integer_value(json_object_get(s, "trainee"));
	n.trainer = json_integer_value(json_object_get(s, "trainer"));
	assert_int_equal(rl_db_begin(db, &err), 0);
	if (rl_session_update(db, n.trainee, sid, json_integer_value(json_object_get(s, "revision")),
			      withdraw ? NULL : &n, &err) < 0)
		fail_msg("%s: %s", err.type, err.detail);
	assert_int_equal(rl_db_commit(db, &err), 0);
	json_decref(s);
}

/*
 * A correction or a withdrawal landing between the HTTP thread's check
 * and the writer is caught (the statement no longer matches; the session
 * is no longer pending), and of two sign-offs of one session both
 * prechecked, only the first succeeds.  A precheck the row still agrees
 * with is trusted: the writer does not rebuild the statement (a change
 * made behind the revision's back, which nothing but this test does, is
 * not seen).
 */
static void change_between_halves(void **state)
{
	int64_t ellis = demo_id("David Ellis"), other = demo_scalar("SELECT trainer_id FROM sessions WHERE status = 'pending' ORDER BY id DESC LIMIT 1"), sid = pending_of(ellis);
	long long size = demo_scalar("SELECT count(*) FROM ledger");
	struct rl_error err = RL_ERROR_INIT;
	struct rl_signoff a, b;
	json_t *body = demo_confirmation(sid, ellis, ellis, NULL, NULL);
	char type[64], sql[160];

	(void)state;
	assert_true(prechecked(ellis, body, &a));
	correct_session(sid, 0);
	assert_int_equal(applied(ellis, &a, type), -1);
	assert_string_equal(type, "statement-mismatch");
	json_decref(body);

	sid = pending_of(ellis);
	body = demo_confirmation(sid, ellis, ellis, NULL, NULL);
	assert_true(prechecked(ellis, body, &a));
	correct_session(sid, 1);
	assert_int_equal(applied(ellis, &a, type), -1);
	assert_string_equal(type, "already-signed");
	json_decref(body);
	assert_int_equal(demo_scalar("SELECT count(*) FROM ledger"), size);

	sid = pending_of(ellis);
	body = demo_confirmation(sid, ellis, ellis, NULL, NULL);
	assert_true(prechecked(ellis, body, &a));
	assert_true(prechecked(ellis, body, &b));
	assert_int_equal(applied(ellis, &a, type), 0);
	assert_int_equal(applied(ellis, &b, type), -1);
	assert_string_equal(type, "already-signed");
	assert_int_equal(demo_scalar("SELECT count(*) FROM ledger"), size + 1);
	json_decref(body);

	/* (pending_of's text is not a literal: rl_db_stmt would reuse its first statement) */
	sid = demo_scalar("SELECT id FROM sessions WHERE status = 'pending' ORDER BY id DESC LIMIT 1");
	body = demo_confirmation(sid, other, other, NULL, NULL);
	assert_true(prechecked(other, body, &a));
	snprintf(sql, sizeof(sql), "UPDATE sessions SET minutes = minutes + 7 WHERE id = %lld", (long long)sid);
	assert_int_equal(rl_db_exec(db, sql, &err), 0);
	assert_int_equal(applied(other, &a, type), 0);
	assert_int_equal(demo_scalar("SELECT count(*) FROM ledger"), size + 2);
	json_decref(body);
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
		cmocka_unit_test(change_between_halves),
		cmocka_unit_test(erase_refusals),
	};
	return cmocka_run_group_tests(tests, demo_setup, demo_teardown);
}
