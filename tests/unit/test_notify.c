/*
 * test_notify.c - the trainee's progress mail (core/domain/notify.c): a module
 * met or eligibility reached between a snapshot and the event is recorded
 * in progress_milestones and told once, under "progress:<ledger index>",
 * only to a trainee who wants decision mail; eligibility regained after a
 * revoked accreditation is no news; corrections (rl_notify_corrected); ISO
 * week keys.  trainee_status is
 * written directly here, as rl_progress_refresh would leave it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite.h"
#include "base/codes.h"
#include "store/db.h"
#include "base/error.h"
#include "domain/notify.h"
#include "app/setup.h"
#include "domain/users.h"

#include "db_fixture.h"

#include "base/banned.h"

/* struct db_trainee_fixture (db_fixture.h): the database with one trainee. */

static void set_status(struct db_trainee_fixture *f, const char *status, const char *m1, const char *m2)
{
	char sql[600];

	snprintf(sql, sizeof(sql),
		 "INSERT OR REPLACE INTO trainee_status(trainee_id, status, modules_met, modules_total, summary, updated_at) "
		 "VALUES (%lld, '%s', 0, 2, '[{\"module\":\"m1\",\"title\":\"Docking\",\"status\":\"%s\"},"
		 "{\"module\":\"m2\",\"title\":\"Suturing\",\"status\":\"%s\"}]', '2026-01-01T00:00:00Z')",
		 (long long)f->trainee, status, m1, m2);
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), sql, NULL, NULL, NULL), SQLITE_OK);
}

static char *text(struct rl_db *db, const char *sql)
{
	sqlite3_stmt *st;
	char *v = NULL;

	assert_int_equal(sqlite3_prepare_v2(((sqlite3 *)rl_db_sqlite_handle(db)), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v ? v : strdup("");
}

/* Snapshot, change trainee_status to (status, m1, m2), then tell what changed as ledger index idx. */
static void event(struct db_trainee_fixture *f, const char *status, const char *m1, const char *m2, int64_t idx)
{
	struct rl_notify_snap before;
	struct rl_error err = RL_ERROR_INIT;

	assert_int_equal(rl_notify_snapshot(f->db, f->trainee, &before, &err), 0);
	set_status(f, status, m1, m2);
	if (rl_notify_progress(f->db, &before, idx, "https://raslog.example.org/", 1767225600, &err) < 0)
		fail_msg("rl_notify_progress: %s", err.detail);
	rl_notify_snap_release(&before);
}

static void test_module_then_eligible(void **state)
{
	struct db_trainee_fixture *f = *state;
	char *s;

	/* No status row yet: the first module met is news. */
	event(f, "in_training", "met", "in_progress", 7);
	s = text(f->db, "SELECT group_concat(kind || ':' || coalesce(module, '-') || ':' || ledger_index) FROM progress_milestones");
	assert_string_equal(s, "module:m1:7");
	free(s);
	s = text(f->db, "SELECT idempotency_key || '|' || recipient || '|' || subject FROM outbox");
	assert_string_equal(s, "progress:7|tia@example.org|raslog: you met a module");
	free(s);
	s = text(f->db, "SELECT body FROM outbox WHERE idempotency_key = 'progress:7'");
	assert_non_null(strstr(s, "  Docking (m1)\n"));
	assert_null(strstr(s, "Suturing"));
	assert_non_null(strstr(s, "To change which notifications you receive, go to https://raslog.example.org/#/settings/notifications\n"));
	free(s);

	/* Nothing new: nothing recorded, nothing queued. */
	event(f, "in_training", "met", "in_progress", 8);
	assert_string_equal((s = text(f->db, "SELECT count(*) || ' ' || (SELECT count(*) FROM outbox) FROM progress_milestones")), "1 1");
	free(s);

	/* The second module makes the trainee eligible: one message saying both. */
	event(f, "eligible", "met", "met", 9);
	s = text(f->db, "SELECT group_concat(kind || ':' || coalesce(module, '-'), ' ') FROM progress_milestones WHERE ledger_index = 9");
	assert_string_equal(s, "module:m2 eligible:-");
	free(s);
	s = text(f->db, "SELECT subject FROM outbox WHERE idempotency_key = 'progress:9'");
	assert_string_equal(s, "raslog: you are eligible for accreditation");
	free(s);
	s = text(f->db, "SELECT body FROM outbox WHERE idempotency_key = 'progress:9'");
	assert_non_null(strstr(s, "  Suturing (m2)\n"));
	assert_null(strstr(s, "Docking"));
	assert_non_null(strstr(s, "eligible for accreditation"));
	free(s);

	/* Accredited, then revoked back to eligible: no news. */
	event(f, "accredited", "met", "met", 10);
	event(f, "eligible", "met", "met", 11);
	assert_string_equal((s = text(f->db, "SELECT count(*) || ' ' || (SELECT count(*) FROM outbox) FROM progress_milestones")), "3 2");
	free(s);
}

static void test_decisions_off(void **state)
{
	struct db_trainee_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int want[RL_NOTIFY_KINDS] = { -1, 0, -1 };
	json_t *out = NULL;
	char *s;

	assert_int_equal(rl_notify_prefs_put(f->db, f->trainee, want, &out, &err), 0);
	assert_true(json_is_false(json_object_get(out, "decisions")));
	json_decref(out);
	event(f, "eligible", "met", "met", 5);
	/* Recorded for the digest, not mailed. */
	assert_string_equal((s = text(f->db, "SELECT count(*) || ' ' || (SELECT count(*) FROM outbox) FROM progress_milestones")), "3 0");
	free(s);
}

/*
 * rl_notify_corrected: a trainer's correction of a signed record tells the
 * trainee (key "correction:<ledger index>"), once; a trainee's own edit tells
 * the trainer it waits for and the one it waited for before; nothing for
 * one who turned that mail off; never the session's notes.
 */
static void test_corrected(void **state)
{
	struct db_trainee_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user_new r1 = { "Rob Trainer", "rob@example.org", NULL, NULL, NULL, RL_ROLE_TRAINER };
	struct rl_user_new r2 = { "Ria Trainer", "ria@example.org", NULL, NULL, NULL, RL_ROLE_TRAINER };
	int want_off[RL_NOTIFY_KINDS] = { -1, 0, -1 };
	int64_t rob, ria;
	char tok[RL_TOKEN_LEN + 1], sql[400], *s;
	json_t *out = NULL;

	assert_int_equal(rl_user_add(f->db, &r1, &rob, tok, &err), 0);
	assert_int_equal(rl_user_add(f->db, &r2, &ria, tok, &err), 0);
	snprintf(sql, sizeof(sql), "INSERT INTO sessions(id, trainee_id, trainer_id, date, minutes, activity, notes, status, "
		 "revision, created_at) VALUES (40, %lld, %lld, '2026-01-02', 30, 'simulator', 'SECRET-NOTE', 'signed', 1, "
		 "'2026-01-02T10:00:00Z')", (long long)f->trainee, (long long)rob);
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), sql, NULL, NULL, NULL), SQLITE_OK);

	/* Rob corrects the signed record (ledger index 12): Tia is told, once. */
	if (rl_notify_corrected(f->db, 40, rob, 0, 12, "https://raslog.example.org/", 1767225600, &err) < 0 ||
	    rl_notify_corrected(f->db, 40, rob, 0, 12, "https://raslog.example.org/", 1767225600, &err) < 0)
		fail_msg("rl_notify_corrected: %s", err.detail);
	s = text(f->db, "SELECT group_concat(idempotency_key || '|' || recipient || '|' || subject) FROM outbox");
	assert_string_equal(s, "correction:12|tia@example.org|raslog: your session of 2026-01-02 was corrected");
	free(s);
	s = text(f->db, "SELECT body FROM outbox WHERE idempotency_key = 'correction:12'");
	assert_non_null(strstr(s, "Rob Trainer corrected the record of your simulator session of 2026-01-02"));
	assert_null(strstr(s, "SECRET-NOTE"));
	assert_non_null(strstr(s, "go to https://raslog.example.org/#/settings/notifications\n"));
	free(s);

	/* Tia edits a pending session (revision 2) that moved from Rob to Ria: both trainers are told. */
	snprintf(sql, sizeof(sql), "INSERT INTO sessions(id, trainee_id, trainer_id, date, minutes, activity, notes, status, "
		 "revision, created_at) VALUES (41, %lld, %lld, '2026-01-03', 30, 'simulator', 'SECRET-NOTE', 'pending', 2, "
		 "'2026-01-03T10:00:00Z')", (long long)f->trainee, (long long)ria);
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), sql, NULL, NULL, NULL), SQLITE_OK);
	if (rl_notify_corrected(f->db, 41, f->trainee, rob, 0, NULL, 1767225600, &err) < 0)
		fail_msg("rl_notify_corrected: %s", err.detail);
	s = text(f->db, "SELECT group_concat(idempotency_key || '|' || recipient, ' ') FROM "
			"(SELECT * FROM outbox WHERE idempotency_key LIKE 'correction:41:%' ORDER BY recipient)");
	snprintf(sql, sizeof(sql), "correction:41:2:%lld|ria@example.org correction:41:2:%lld|rob@example.org",
		 (long long)ria, (long long)rob);
	assert_string_equal(s, sql);
	free(s);
	s = text(f->db, "SELECT group_concat(body, '|') FROM outbox WHERE recipient = 'ria@example.org'");
	assert_non_null(strstr(s, "Tia Trainee corrected their simulator session of 2026-01-03, which waits for your signature."));
	assert_null(strstr(s, "SECRET-NOTE"));
	free(s);
	s = text(f->db, "SELECT body FROM outbox WHERE recipient = 'rob@example.org'");
	assert_non_null(strstr(s, "which no longer waits for your signature."));
	free(s);

	/* Ria turns reminders off; Tia turns decisions off: nothing more is queued. */
	want_off[RL_NOTIFY_REMINDERS] = 0;
	want_off[RL_NOTIFY_DECISIONS] = -1;
	assert_int_equal(rl_notify_prefs_put(f->db, ria, want_off, &out, &err), 0);
	json_decref(out);
	want_off[RL_NOTIFY_REMINDERS] = -1;
	want_off[RL_NOTIFY_DECISIONS] = 0;
	assert_int_equal(rl_notify_prefs_put(f->db, f->trainee, want_off, &out, &err), 0);
	json_decref(out);
	assert_int_equal(sqlite3_exec(((sqlite3 *)rl_db_sqlite_handle(f->db)), "UPDATE sessions SET revision = 3 WHERE id = 41", NULL, NULL, NULL), SQLITE_OK);
	if (rl_notify_corrected(f->db, 41, f->trainee, 0, 0, NULL, 1767225600, &err) < 0 ||
	    rl_notify_corrected(f->db, 40, rob, 0, 13, NULL, 1767225600, &err) < 0)
		fail_msg("rl_notify_corrected: %s", err.detail);
	assert_string_equal((s = text(f->db, "SELECT count(*) FROM outbox")), "3");
	free(s);
	/* An unknown session is an error, and queues nothing. */
	assert_int_equal(rl_notify_corrected(f->db, 999, rob, 0, 14, NULL, 1767225600, &err), -1);
	assert_int_equal(err.status, RL_E_NOTFOUND);
	rl_error_clear(&err);
}

static void test_prefs_parse(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int want[RL_NOTIFY_KINDS];
	json_t *j;

	(void)state;
	j = json_loads("{\"digest\":true}", 0, NULL);
	assert_int_equal(rl_notify_prefs_parse(j, want, &err), 0);
	assert_int_equal(want[RL_NOTIFY_REMINDERS], -1);
	assert_int_equal(want[RL_NOTIFY_DIGEST], 1);
	json_decref(j);
	for (const char *const *bad = (const char *const[]){ "{}", "{\"digest\":1}", "{\"sms\":true}", "[]", NULL }; *bad; bad++) {
		j = json_loads(*bad, JSON_DECODE_ANY, NULL);
		assert_int_equal(rl_notify_prefs_parse(j, want, &err), -1);
		rl_error_clear(&err);
		json_decref(j);
	}
}

static void test_iso_week(void **state)
{
	char w[16];

	(void)state;
	rl_iso_week(1767225600, w); /* Thursday 2026-01-01 */
	assert_string_equal(w, "2026-W01");
	rl_iso_week(1767052800, w); /* Tuesday 2025-12-30: ISO week 1 of 2026 */
	assert_string_equal(w, "2026-W01");
	rl_iso_week(1735516800, w); /* Monday 2024-12-30: 2025-W01 */
	assert_string_equal(w, "2025-W01");
	rl_iso_week(1735430400, w); /* Sunday 2024-12-29: 2024-W52 */
	assert_string_equal(w, "2024-W52");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_module_then_eligible, db_trainee_fixture_setup, db_trainee_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_decisions_off, db_trainee_fixture_setup, db_trainee_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_corrected, db_trainee_fixture_setup, db_trainee_fixture_teardown),
		cmocka_unit_test(test_prefs_parse),
		cmocka_unit_test(test_iso_week),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
