/*
 * test_notify_batch.c - the decision mails of the writer's batch
 * (core/domain/notify.c, rl_notify_writer_hooks, after the progress
 * caches' layer as raslogd serve runs them) on a demo database: a sign-off's mail is not in the outbox while
 * its job runs and is there, to the trainee under "decision:<ledger
 * index>", once the batch commits; a job rolled back after its sign-off
 * leaves no mail (and the next sign-off, which takes its ledger index,
 * gets its own); and rl_outbox_queue_rows (core/store/outbox.c) queues
 * any number of messages, across its statements of 1 to 64 rows, as as
 * many rl_outbox_queue calls would, a key already queued left as it was.
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
#include "domain/notify.h"
#include "domain/progress_batch.h"
#include "domain/signoff.h"
#include "domain/users.h"
#include "ledger/writer.h"
#include "store/outbox.h"

#include "demo_fixture.h"

#include "base/banned.h"

/* The writer's layers of hooks as raslogd serve gives them (server/cmd_serve.c). */
static const struct rl_writer_hooks *const serve_layers[] = { &rl_progress_writer_hooks, &rl_notify_writer_hooks };

/* How many outbox rows have key, on connection c. */
static long long mails_under(struct rl_db *c, const char *key)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(c, "SELECT count(*) FROM outbox WHERE idempotency_key = ?", &err);
	long long n;

	assert_non_null(st);
	rl_bind_text(st, 1, key, -1);
	assert_int_equal(rl_step(st), RL_ROW);
	n = rl_col_int64(st, 0);
	rl_reset(st);
	return n;
}

/* A sign-off as POST /signoffs's job runs it; fail: roll the job back after it. */
struct signoff_job {
	int64_t trainer;
	json_t *body;
	int fail;
	int64_t index;          /* its ledger index */
	long long in_job;       /* its mail's rows seen inside the job */
};

static int signoff_run(struct rl_db *c, struct rl_job *job, struct rl_error *err)
{
	struct signoff_job *j = job->ctx;
	struct rl_signoff so;
	struct rl_user me;
	char key[64];
	int rc;

	if (rl_user_get(c, j->trainer, &me, err) < 0)
		return -1;
	memset(&so, 0, sizeof(so));
	if ((rc = rl_signoff_check(&me, j->body, &so, err)) == 0)
		rc = rl_notify_signoff(c, &me, &so, "https://raslog.example.org", err);
	j->index = so.ledger_index;
	rl_signoff_release(&so);
	if (rc < 0)
		return -1;
	snprintf(key, sizeof(key), "decision:%lld", (long long)j->index);
	j->in_job = mails_under(c, key);
	if (j->fail)
		return rl_error_set(err, RL_E_CONFLICT, "conflict", NULL, "rolled back on purpose");
	return 0;
}

/* The pending sessions of trainer, up to max into s; how many. */
static int pending_of(int64_t trainer, int64_t *s, int max)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM sessions WHERE status = 'pending' AND trainer_id = ? ORDER BY id",
					&err);
	int n = 0;

	assert_non_null(st);
	rl_bind_int64(st, 1, trainer);
	while (n < max && rl_step(st) == RL_ROW)
		s[n++] = rl_col_int64(st, 0);
	rl_reset(st);
	return n;
}

static void mails_at_the_batch_end(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t tr = demo_id("David Ellis"), s[3], rest[3];
	struct signoff_job j[3] = { { 0 } };
	struct rl_writer *w;
	char path[128], key[64];
	long long before = demo_scalar("SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'decision:%'");

	(void)state;
	assert_int_equal(pending_of(tr, s, 3), 3);
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (rl_writer_start_layers(path, serve_layers, 2, &w, &err) < 0)
		fail_msg("writer: %s", err.detail);
	for (int i = 0; i < 3; i++) {
		struct rl_job job = { .run = signoff_run, .ctx = &j[i] };

		j[i].trainer = tr;
		j[i].fail = i == 1;
		j[i].body = demo_confirmation(s[i], tr, tr, NULL, NULL);
		assert_int_equal(rl_writer_call(w, &job), i == 1 ? -1 : 0);
		rl_error_clear(&job.err);
		json_decref(j[i].body);
		assert_true(j[i].index > 0);
		assert_int_equal(j[i].in_job, 0); /* kept for the batch's end */
	}
	rl_writer_stop(w);

	/* The two sign-offs that stayed have their mail, each once; the rolled-back one none. */
	assert_int_equal(j[1].index, j[2].index); /* the third took the index the second gave back */
	snprintf(key, sizeof(key), "decision:%lld", (long long)j[0].index);
	assert_int_equal(mails_under(db, key), 1);
	snprintf(key, sizeof(key), "decision:%lld", (long long)j[2].index);
	assert_int_equal(mails_under(db, key), 1);
	assert_int_equal(demo_scalar("SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'decision:%'"), before + 2);
	assert_int_equal(demo_scalar("SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'decision:%' AND "
				     "body LIKE 'Dear %signed your % session of %See your sessions at "
				     "https://raslog.example.org/#/progress%' AND subject LIKE 'raslog: your session of % was signed' "
				     "AND state = 'queued' AND attempts = 0"), before + 2);
	/* To the trainees of the sessions signed, the one rolled back still pending. */
	assert_int_equal(demo_scalar("SELECT count(*) FROM outbox o JOIN ledger l ON o.idempotency_key = 'decision:' || l.idx "
				     "JOIN users u ON u.id = l.subject_id WHERE o.recipient = u.email"), before + 2);
	assert_int_equal(pending_of(tr, rest, 3), 1);
	assert_int_equal(rest[0], s[1]);
}

static void rows_in_statements_of_any_size(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_outbox_row rows[100];
	char keys[100][32];

	(void)state;
	assert_int_equal(rl_outbox_queue(db, "rows:7", "first@example.org", "kept", "as it was", 1767225600, &err), 1);
	for (int i = 0; i < 100; i++) {
		snprintf(keys[i], sizeof(keys[i]), "rows:%d", i == 99 ? 5 : i); /* rows:5 twice, rows:7 already queued */
		rows[i] = (struct rl_outbox_row){ .key = keys[i], .recipient = "r@example.org", .subject = keys[i],
						  .body = "b\n", .now = 1767225600 + i };
	}
	assert_int_equal(rl_outbox_queue_rows(db, rows, 100, &err), 0); /* 64 + 32 + 4 */
	assert_int_equal(rl_outbox_queue_rows(db, rows, 3, &err), 0);   /* 2 + 1, all queued already */
	assert_int_equal(demo_scalar("SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'rows:%'"), 99);
	assert_int_equal(demo_scalar("SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'rows:%' AND subject = "
				     "idempotency_key AND recipient = 'r@example.org' AND body = 'b\n' AND state = 'queued'"), 98);
	assert_int_equal(demo_scalar("SELECT count(*) FROM outbox WHERE idempotency_key = 'rows:7' AND subject = 'kept'"), 1);
	assert_int_equal(demo_scalar("SELECT count(*) FROM outbox WHERE idempotency_key = 'rows:98' AND "
				     "created_at = '2026-01-01T00:01:38Z' AND next_attempt_at = created_at"), 1);
	assert_int_equal(demo_scalar("SELECT count(*) FROM outbox WHERE idempotency_key = 'rows:5' AND "
				     "created_at = '2026-01-01T00:00:05Z'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mails_at_the_batch_end),
		cmocka_unit_test(rows_in_statements_of_any_size),
	};
	return cmocka_run_group_tests(tests, demo_setup, demo_teardown);
}
