/*
 * test_progress_batch.c - the progress caches inside a batch
 * (domain/progress_batch.h), run as the writer runs one: BEGIN, each job
 * in its savepoint, the flush, the seal, COMMIT.  What is checked: the
 * status row waits for the flush and is then what a rebuild from the
 * ledger gives, seals included; a job rolled back takes its marks with
 * it (a repair it made and lost is made again by the next job, not taken
 * as done); a read inside the batch (rl_progress_verify, the
 * notification's snapshot) writes nothing and names no drift, the
 * snapshot giving the figures the flush then writes; sign-offs of one
 * trainee in one batch as the server runs them (rl_notify_signoff), one
 * refused and one rolled back, leave the figures, the status row and its
 * seals (the pending claims the batch carries from job to job) as a
 * rebuild gives them, each decision's entry folded into the tallies from
 * its statement in hand (the ledger's batch says no other entry about the
 * trainee came between; progress.h rl_progress_decided), also in a
 * batch of its own after the memo carried (the committed status row says
 * how far the tallies go).  On the demo's
 * database (demo_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "demo_fixture.h"

#include "base/codes.h"

#include "domain/logbook.h"
#include "domain/notify.h"
#include "domain/progress.h"
#include "domain/progress_batch.h"
#include "domain/sessions.h"
#include "domain/signoff.h"
#include "domain/statements.h"
#include "ledger/ledger.h"
#include "domain/users.h"
#include "ledger/writer.h"
#include "base/util.h"

static int drifts;

static void count_drift(const json_t *item)
{
	(void)item;
	drifts++;
}

static void ok(int rc, struct rl_error *err)
{
	if (rc < 0)
		fail_msg("%s: %s", err->title, err->detail);
}

static const char *log_activity = "console_full"; /* what try_log logs */

/* A session of trainee with trainer on a da Vinci Xi, days ago, minutes long, of activity (no steps). */
static void fill_session(struct rl_session_new *s, int64_t trainee, int64_t trainer, int days, long long minutes,
			 const char *activity)
{
	memset(s, 0, sizeof(*s));
	rl_format_date(rl_today() - days, s->date);
	s->minutes = minutes;
	s->activity = activity;
	s->platform = "davinci_xi";
	s->role = "S-TS";
	s->procedure = "Robotic radical prostatectomy";
	s->trainee = trainee;
	s->trainer = trainer;
}

/* A new pending session of trainee with trainer, minutes long, through the logbook on connection c: 0, or -1 with err. */
static int try_log(struct rl_db *c, int64_t trainee, int64_t trainer, long long minutes, int64_t *id,
		   struct rl_error *err)
{
	struct rl_session_new s;

	fill_session(&s, trainee, trainer, 3, minutes, log_activity);
	return rl_logbook_log_session(c, &s, id, err);
}

/* A new pending session of trainee with trainer, minutes long, through the logbook. */
static int64_t log_one(int64_t trainee, int64_t trainer, long long minutes, struct rl_error *err)
{
	int64_t id = 0;

	ok(try_log(db, trainee, trainer, minutes, &id, err), err);
	return id;
}

/* The trainee_status row's sealed part, as text, to see whether it was written. */
static char *status_row(int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT summary, ledger_through, hex(mac), hex(tally_mac) FROM trainee_status "
					    "WHERE trainee_id = ?", &err);
	char *out = NULL;

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) == RL_ROW) {
		size_t n = strlen(rl_col_text(st, 0)) + 200;
		out = malloc(n);
		snprintf(out, n, "%s|%lld|%s|%s", rl_col_text(st, 0), (long long)rl_col_int64(st, 1), rl_col_text(st, 2),
			 rl_col_text(st, 3));
	}
	rl_reset(st);
	assert_non_null(out);
	return out;
}

/* A batch as the writer runs one (core/ledger/writer.c): the ledger's batch too, so a decision's entry is folded from its statement. */
static void begin_batch(struct rl_error *err)
{
	ok(rl_db_begin(db, err), err);
	rl_ledger_batch_begin(db);
	rl_progress_batch_begin(db);
}

static void job(struct rl_error *err)
{
	ok(rl_db_savepoint(db, "job", err), err);
	rl_progress_batch_job(db);
}

static void job_fails(void)
{
	rl_db_rollback_to(db, "job");
	rl_progress_batch_undo(db);
}

static void commit_batch(struct rl_error *err)
{
	ok(rl_db_release(db, "job", err), err);
	ok(rl_progress_batch_flush(db, err), err);
	ok(rl_ledger_seal(db, err), err);
	ok(rl_db_commit(db, err), err);
	rl_progress_batch_end(db);
	rl_ledger_batch_end(db);
}

/* What rl_progress_repair finds differs from the ledger (values or seals), in a transaction of its own. */
static int differences(int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *out = json_array();
	int n;

	ok(rl_db_begin(db, &err), &err);
	n = rl_progress_repair(db, trainee, out, &err);
	ok(n, &err);
	if (n)
		fprintf(stderr, "differences: %s\n", json_dumps(out, JSON_COMPACT));
	rl_db_rollback(db);
	json_decref(out);
	return n;
}

/* The number sql (one ? for the trainee; a literal: statements are cached by the SQL's address) gives on connection c. */
static long long trainee_figure(struct rl_db *c, const char *sql, int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(c, sql, &err);
	long long n = -1;

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) == RL_ROW)
		n = rl_col_int64(st, 0);
	rl_reset(st);
	return n;
}

static long long count_sessions(int64_t trainee)
{
	return trainee_figure(db, "SELECT count(*) FROM sessions WHERE trainee_id = ?", trainee);
}

/* Jobs of one trainee and another, one rolled back: the rows wait for the flush, then equal a rebuild. */
static void test_flush_once(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t t = demo_id("Lukas Weber"), u = demo_id("Mei Chen"), tr = demo_id("Fiona Grant");
	long long before_t = count_sessions(t), before_u = count_sessions(u);
	char *row0, *row1, *row2;

	(void)state;
	row0 = status_row(t);
	begin_batch(&err);
	job(&err);
	log_one(t, tr, 60, &err);
	job(&err);
	log_one(u, tr, 90, &err);
	job(&err);
	log_one(t, tr, 120, &err);
	job_fails();
	job(&err);
	log_one(t, tr, 30, &err);
	row1 = status_row(t);
	assert_string_equal(row0, row1); /* not written by the jobs */
	commit_batch(&err);
	row2 = status_row(t);
	assert_string_not_equal(row1, row2); /* written by the flush */
	free(row0);
	free(row1);
	free(row2);
	assert_int_equal(count_sessions(t), before_t + 2);
	assert_int_equal(count_sessions(u), before_u + 1);
	assert_int_equal(differences(t), 0);
	assert_int_equal(differences(u), 0);
}

static long long pending_sum(int64_t trainee)
{
	return trainee_figure(db, "SELECT coalesce(sum(pending), 0) FROM trainee_tally WHERE trainee_id = ?", trainee);
}

/* A console_modular session with steps (what the claim counts from them), through the logbook on db. */
static void log_steps(int64_t trainee, int64_t trainer, struct rl_error *err)
{
	struct rl_session_new s;
	int64_t id;

	fill_session(&s, trainee, trainer, 2, 50, "console_modular");
	s.steps = json_pack("[s,s]", "prostatectomy.bladder_neck_dissection", "prostatectomy.seminal_vesicle_dissection");
	ok(rl_logbook_log_session(db, &s, &id, err), err);
	json_decref(s.steps);
}

/*
 * The pending claims of sessions logged in a batch wait in its memo and
 * reach trainee_tally at the flush, one upsert per requirement
 * (progress_cache.c memo_claim_defer), not one per session: the rows do
 * not move while the jobs run; a job rolled back takes its claim with it;
 * a read of the figures inside the batch (the notification's snapshot)
 * has them added first; and after the commit the rows and seals are what
 * a rebuild gives, steps counted as the row's claim counts them.
 */
static void test_claims_wait_for_the_flush(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t t = demo_id("Mei Chen"), tr = demo_id("Fiona Grant");
	long long p0 = pending_sum(t), p1;
	struct rl_notify_snap snap;

	(void)state;
	drifts = 0;
	rl_progress_drift_hook = count_drift;
	begin_batch(&err);
	job(&err);
	log_one(t, tr, 60, &err);
	job(&err);
	log_steps(t, tr, &err);
	job(&err);
	log_one(t, tr, 90, &err);
	assert_int_equal(pending_sum(t), p0); /* waiting for the flush */
	job(&err);
	log_one(t, tr, 120, &err);
	job_fails();                          /* its claim goes with it */
	job(&err);
	ok(rl_notify_snapshot(db, t, &snap, &err), &err);
	rl_notify_snap_release(&snap);
	p1 = pending_sum(t);
	assert_true(p1 > p0);                 /* added before the read */
	log_one(t, tr, 30, &err);
	assert_int_equal(pending_sum(t), p1);
	commit_batch(&err);
	rl_progress_drift_hook = NULL;
	assert_true(pending_sum(t) > p1);
	assert_int_equal(drifts, 0);
	assert_int_equal(differences(t), 0);
}

static void tamper(int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE trainee_tally SET signed = signed + 5 WHERE trainee_id = ?", &err);

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	assert_int_equal(rl_step(st), RL_DONE);
	rl_reset(st);
	assert_true(rl_db_changes(db) > 0);
}

/* A job repairs a tampered row, then is rolled back: the next job finds the tampering again and repairs it. */
static void test_rollback_takes_the_check_back(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t t = demo_id("Aisha Bello"), tr = demo_id("Fiona Grant");

	(void)state;
	assert_true(demo_scalar("SELECT count(*) FROM trainee_tally") > 0);
	tamper(t);
	drifts = 0;
	rl_progress_drift_hook = count_drift;
	begin_batch(&err);
	job(&err);
	log_one(t, tr, 60, &err);
	assert_true(drifts > 0); /* found and named */
	drifts = 0;
	job_fails();             /* the repair is undone with the job */
	job(&err);
	log_one(t, tr, 45, &err);
	assert_true(drifts > 0); /* found again, not taken as checked */
	job(&err);
	drifts = 0;
	log_one(t, tr, 15, &err);
	assert_int_equal(drifts, 0); /* checked once per batch now */
	commit_batch(&err);
	rl_progress_drift_hook = NULL;
	assert_int_equal(differences(t), 0);
}

/* The trainee_status row's status and summary, committed or in the transaction. */
static void status_of(int64_t trainee, char status[32], json_t **summary)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT status, summary FROM trainee_status WHERE trainee_id = ?", &err);

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	assert_int_equal(rl_step(st), RL_ROW);
	snprintf(status, 32, "%s", rl_col_text(st, 0));
	*summary = json_loads(rl_col_text(st, 1), 0, NULL);
	rl_reset(st);
	assert_non_null(*summary);
}

/* A read inside the batch writes nothing and names no drift; the snapshot gives what the flush then writes. */
static void test_read_inside_batch(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t t = demo_id("James O'Connor"), tr = demo_id("Martin Hughes");
	struct rl_notify_snap snap;
	char *row0, *row1, status[32], peeked[32];
	json_t *summary, *peek_summary;

	(void)state;
	drifts = 0;
	rl_progress_drift_hook = count_drift;
	row0 = status_row(t);
	begin_batch(&err);
	job(&err);
	log_one(t, tr, 60, &err);
	job(&err);
	ok(rl_progress_verify(db, t, &err), &err);
	row1 = status_row(t);
	assert_string_equal(row0, row1); /* checked in this batch already: nothing to write */
	free(row1);
	log_one(t, tr, 75, &err);
	ok(rl_notify_snapshot(db, t, &snap, &err), &err);
	rl_notify_snap_release(&snap);
	row1 = status_row(t);
	assert_string_equal(row0, row1); /* the snapshot computes the row, the flush writes it */
	free(row1);
	job_fails(); /* the second session goes with the job */
	job(&err);
	assert_int_equal(rl_progress_peek(db, t, peeked, sizeof(peeked), &peek_summary, &err), 1);
	commit_batch(&err);
	rl_progress_drift_hook = NULL;
	assert_int_equal(drifts, 0);
	assert_int_equal(differences(t), 0);
	status_of(t, status, &summary);
	assert_string_equal(status, peeked);
	assert_true(json_equal(summary, peek_summary));
	row1 = status_row(t);
	assert_string_not_equal(row0, row1); /* written by the flush */
	json_decref(summary);
	json_decref(peek_summary);
	free(row0);
	free(row1);
}

/* --------------------------------------------------- sign-offs in one batch */

/* body applied as POST /signoffs's job applies it (the notification queued in the same transaction). */
static int sign(int64_t trainer, json_t *body, struct rl_error *err)
{
	struct rl_signoff so;
	struct rl_user me;
	int rc;

	assert_int_equal(rl_user_get(db, trainer, &me, err), 0);
	memset(&so, 0, sizeof(so));
	rc = rl_signoff_check(&me, body, &so, err);
	assert_int_equal(rc, 0);
	rc = rl_notify_signoff(db, &me, &so, NULL, err);
	rl_signoff_release(&so);
	json_decref(body);
	return rc;
}

/* How many of the trainee's sessions (id a or b, or all when a is 0) have status (statements are cached by the SQL's address). */
static long long sessions_with(int64_t trainee, int64_t a, int64_t b, const char *status)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*) FROM sessions WHERE trainee_id = ?1 AND status = ?2 "
					    "AND (?3 = 0 OR id IN (?3, ?4))", &err);
	long long n = -1;

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, status, -1);
	rl_bind_int64(st, 3, a);
	rl_bind_int64(st, 4, b);
	if (rl_step(st) == RL_ROW)
		n = rl_col_int64(st, 0);
	rl_reset(st);
	return n;
}

/*
 * Four sign-offs of one trainee in one batch, as the writer runs them:
 * the first signs, the second is refused (the session changed since it
 * was signed), the third signs and is then rolled back with its job, the
 * fourth signs.  The status row waits for the flush; the notification's
 * snapshot inside the batch gives what it then writes; the figures, the
 * row and its seals (which bind the pending claims the batch carried from
 * job to job) are what a rebuild gives, and no drift is named.
 */
static void test_signoffs_one_trainee(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t tr = demo_id("David Ellis"), t, s[4];
	char sql[160], *row0, *row1, status[32], peeked[32];
	json_t *body[4], *summary, *peek_summary;
	struct rl_session_new edit;
	long long pending0;

	(void)state;
	snprintf(sql, sizeof(sql), "SELECT min(trainee_id) FROM sessions WHERE trainer_id = %lld", (long long)tr);
	t = demo_scalar(sql);
	assert_true(t > 0);
	begin_batch(&err);
	for (int i = 0; i < 4; i++) {
		job(&err);
		s[i] = log_one(t, tr, 30 + 15 * i, &err);
	}
	commit_batch(&err);
	for (int i = 0; i < 4; i++)
		body[i] = demo_confirmation(s[i], tr, tr, NULL, NULL);
	pending0 = sessions_with(t, 0, 0, "pending");
	/* Session 1 changes after it was signed: its sign-off is refused as changed since. */
	begin_batch(&err);
	job(&err);
	fill_session(&edit, t, tr, 3, 200, "console_full");
	ok(rl_logbook_update_session(db, t, s[1], 1, &edit, &err), &err);
	commit_batch(&err);
	assert_int_equal(differences(t), 0);

	drifts = 0;
	rl_progress_drift_hook = count_drift;
	row0 = status_row(t);
	begin_batch(&err);
	job(&err);
	ok(sign(tr, body[0], &err), &err);
	job(&err);
	assert_int_equal(sign(tr, body[1], &err), -1);
	assert_string_equal(err.type, "statement-mismatch");
	rl_error_clear(&err);
	job_fails();
	job(&err);
	ok(sign(tr, body[2], &err), &err);
	job_fails(); /* as if its mail could not be queued */
	job(&err);
	ok(sign(tr, body[3], &err), &err);
	/* The ledger's batch knows whom its entries are about (what lets each decision be folded from its statement). */
	assert_int_equal(rl_ledger_batch_appended(db, t, -1, INT64_MAX), 1);
	assert_int_equal(rl_ledger_batch_appended(db, tr, -1, INT64_MAX), 0);
	row1 = status_row(t);
	assert_string_equal(row0, row1); /* no job wrote the row */
	free(row1);
	assert_int_equal(rl_progress_peek(db, t, peeked, sizeof(peeked), &peek_summary, &err), 1);
	commit_batch(&err);
	rl_progress_drift_hook = NULL;
	assert_int_equal(drifts, 0);
	assert_int_equal(sessions_with(t, 0, 0, "pending"), pending0 - 2);
	assert_int_equal(sessions_with(t, s[0], s[3], "signed"), 2);
	assert_int_equal(sessions_with(t, s[1], s[2], "pending"), 2);
	assert_int_equal(differences(t), 0); /* figures, tallies and both seals as a rebuild gives them */
	status_of(t, status, &summary);
	assert_string_equal(status, peeked);
	assert_true(json_equal(summary, peek_summary));
	row1 = status_row(t);
	assert_string_not_equal(row0, row1);
	json_decref(summary);
	json_decref(peek_summary);
	free(row0);
	free(row1);
}

/*
 * The cap on pending sessions inside one batch: the batch knows the
 * trainee's pending claims (the seal check read them, each session logged
 * adds one), so it counts the trainee's sessions with the trainer only
 * near the cap; the cap still refuses exactly the sessions past it.
 */
static void test_pending_cap_in_batch(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t t = demo_id("Mei Chen"), tr = demo_id("Fiona Grant"), id;
	char sql[200];
	long long pair;
	int stored = 0, refused = 0;

	(void)state;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE trainee_id = %lld AND trainer_id = %lld AND "
		 "status = 'pending'", (long long)t, (long long)tr);
	pair = demo_scalar(sql);
	assert_true(pair >= 0);
	rl_session_set_max_pending(pair + 2);
	begin_batch(&err);
	for (int i = 0; i < 4; i++) {
		job(&err);
		if (try_log(db, t, tr, 40 + i, &id, &err) == 0) {
			stored++;
			continue;
		}
		assert_string_equal(err.type, "too-many-pending");
		rl_error_clear(&err);
		job_fails();
		refused++;
	}
	commit_batch(&err);
	rl_session_set_max_pending(0); /* back to the default */
	assert_int_equal(stored, 2);
	assert_int_equal(refused, 2);
	assert_int_equal(demo_scalar(sql), pair + 2);
	assert_int_equal(differences(t), 0);
}

/* One job of the writer: a session logged (try_log). */
struct log_job {
	struct rl_job job;
	int64_t trainee, trainer, id;
	long long minutes;
};

static int log_run(struct rl_db *c, struct rl_job *job, struct rl_error *err)
{
	struct log_job *j = job->ctx;

	return try_log(c, j->trainee, j->trainer, j->minutes, &j->id, err);
}

/* Logs n sessions of trainee t with trainer tr through the writer, each a job of its own (minutes, minutes + 1, ...): their ids in ids. */
static void log_through_writer(struct rl_writer *w, int64_t t, int64_t tr, long long minutes, int64_t *ids, int n)
{
	for (int i = 0; i < n; i++) {
		struct log_job j = { .trainee = t, .trainer = tr, .minutes = minutes + i };

		j.job.run = log_run;
		j.job.ctx = &j;
		ok(rl_writer_call(w, &j.job), &j.job.err);
		ids[i] = j.id;
	}
}

static void writer_log(struct rl_writer *w, int64_t trainee, int64_t trainer, long long minutes)
{
	struct log_job j = { .trainee = trainee, .trainer = trainer, .minutes = minutes };

	j.job.run = log_run;
	j.job.ctx = &j;
	if (rl_writer_call(w, &j.job) < 0)
		fail_msg("%s: %s", j.job.err.title, j.job.err.detail);
	rl_error_clear(&j.job.err);
	assert_true(j.id > 0);
}

/* A writer on the test database with the progress hooks, drift reports counted in drifts from zero. */
static struct rl_writer *writer_counting_drift(void)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_writer *w = NULL;
	char path[128];

	snprintf(path, sizeof(path), "%s/t.db", dir);
	ok(rl_writer_start_with(path, &rl_progress_writer_hooks, &w, &err), &err);
	drifts = 0;
	rl_progress_drift_hook = count_drift;
	return w;
}

/*
 * The server's writer (rl_progress_writer_hooks) carries its memo from one
 * commit to the next while no other connection commits: sessions logged in
 * batches of their own leave the rows, seals and pending claims as a
 * rebuild gives them; a row changed by another connection in between is
 * found by the next batch's seal check (named and repaired), not taken
 * as checked.
 */
static void test_writer_carries_the_memo(void **state)
{
	int64_t t = demo_id("Lukas Weber"), u = demo_id("Mei Chen"), tr = demo_id("Fiona Grant");
	long long before = count_sessions(t);
	struct rl_writer *w = writer_counting_drift();

	(void)state;
	for (int i = 0; i < 3; i++) {
		writer_log(w, t, tr, 50 + i);
		writer_log(w, u, tr, 70 + i);
	}
	assert_int_equal(drifts, 0);
	assert_int_equal(count_sessions(t), before + 3);
	assert_int_equal(differences(t), 0);
	assert_int_equal(differences(u), 0);
	tamper(t); /* committed by this test's connection, not the writer's */
	writer_log(w, t, tr, 80);
	assert_true(drifts > 0);
	rl_writer_stop(w);
	rl_progress_drift_hook = NULL;
	assert_int_equal(differences(t), 0);
	assert_int_equal(count_sessions(t), before + 4);
}

/* The summary in trainee's status row, as stored (malloc'd). */
static char *stored_summary(int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT summary FROM trainee_status WHERE trainee_id = ?", &err);
	char *out = NULL;

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) == RL_ROW)
		out = strdup(rl_col_text(st, 0));
	rl_reset(st);
	assert_non_null(out);
	return out;
}

/*
 * The writer's memo keeps each trainee's summary text with the tallies it
 * was evaluated from (progress_cache.c status_from_memo): a session logged
 * where one is pending already reuses it, one that moves a module (a
 * trainee's first e-learning: robotic_literacy from not_started to
 * in_progress) is evaluated again; either way the row is what a rebuild
 * gives.
 */
static void test_writer_summary_memo(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user_new nu = { .name = "Memo Trainee", .email = "memo@example.invalid", .roles = RL_ROLE_TRAINEE };
	char token[RL_TOKEN_LEN + 1], *before, *again, *after;
	int64_t u = 0, tr = demo_id("Fiona Grant");
	struct rl_writer *w;

	(void)state;
	ok(rl_db_begin(db, &err), &err);
	ok(rl_logbook_add_user(db, &nu, &u, token, &err), &err);
	ok(rl_db_commit(db, &err), &err);
	w = writer_counting_drift(); /* started after the commit: the memo carries from one batch to the next */
	writer_log(w, u, tr, 60);
	before = stored_summary(u);
	writer_log(w, u, tr, 61);
	again = stored_summary(u);
	log_activity = "elearning";
	writer_log(w, u, tr, 45);
	log_activity = "console_full";
	after = stored_summary(u);
	rl_writer_stop(w);
	rl_progress_drift_hook = NULL;
	assert_string_equal(before, again);
	if (!strstr(after, "in_progress") || strcmp(before, after) == 0)
		fail_msg("the first e-learning did not move robotic_literacy: %s -> %s", before, after);
	assert_int_equal(drifts, 0);
	assert_int_equal(differences(u), 0);
	free(before);
	free(again);
	free(after);
}

/* One job of the writer: a sign-off applied (no snapshot, so no peek catches the tallies up), the tallies read around it. */
struct signoff_job {
	struct rl_job job;
	int64_t trainer, trainee;
	json_t *body;
	long long before, after;
};

static long long signed_sum(struct rl_db *c, int64_t trainee)
{
	return trainee_figure(c, "SELECT coalesce(sum(signed), 0) FROM trainee_tally WHERE trainee_id = ?", trainee);
}

static int signoff_run(struct rl_db *c, struct rl_job *job, struct rl_error *err)
{
	struct signoff_job *j = job->ctx;
	struct rl_signoff so;
	struct rl_user me;
	int rc;

	if (rl_user_get(c, j->trainer, &me, err) < 0)
		return -1;
	memset(&so, 0, sizeof(so));
	if ((rc = rl_signoff_check(&me, j->body, &so, err)) == 0) {
		j->before = signed_sum(c, j->trainee);
		rc = rl_signoff_apply(c, &me, &so, err);
		j->after = signed_sum(c, j->trainee);
	}
	rl_signoff_release(&so);
	return rc;
}

/*
 * Sign-offs through the writer, each in a batch of its own while the memo
 * carries from commit to commit (the trainee checked in an earlier batch):
 * each decision's entry is folded into the tallies by the job itself, from
 * its statement and how far the committed status row says the tallies go
 * (progress.h rl_progress_decided), not left for a read of the ledger at
 * the flush; the rows, seals and figures are then what a rebuild gives.
 */
static void test_writer_folds_each_decision(void **state)
{
	int64_t tr = demo_id("David Ellis"), t = demo_id("Lukas Weber"), s[3];
	struct rl_writer *w = writer_counting_drift();

	(void)state;
	log_through_writer(w, t, tr, 45, s, 3);
	for (int i = 0; i < 3; i++) {
		struct signoff_job j = { .trainer = tr, .trainee = t, .body = demo_confirmation(s[i], tr, tr, NULL, NULL) };

		j.job.run = signoff_run;
		j.job.ctx = &j;
		ok(rl_writer_call(w, &j.job), &j.job.err);
		json_decref(j.body);
		assert_true(j.before >= 0);
		assert_true(j.after > j.before); /* folded by the job, before the flush */
	}
	rl_writer_stop(w);
	rl_progress_drift_hook = NULL;
	assert_int_equal(drifts, 0);
	assert_int_equal(sessions_with(t, s[0], s[2], "signed"), 2);
	assert_int_equal(differences(t), 0);
}

/* A job of the writer: the notification's "before" read (the seal check, then the peek), then a sign-off. */
struct peek_job {
	struct signoff_job so;
	struct rl_job job;
	int peeked;
	char status[32];
	json_t *summary;
};

static int peek_run(struct rl_db *c, struct rl_job *job, struct rl_error *err)
{
	struct peek_job *j = job->ctx;

	if (rl_progress_verify(c, j->so.trainee, err) < 0 ||
	    (j->peeked = rl_progress_peek(c, j->so.trainee, j->status, sizeof(j->status), &j->summary, err)) < 0)
		return -1;
	return signoff_run(c, &j->so.job, err);
}

/*
 * The status row the writer's memo knows: after the first batch wrote it,
 * each sign-off's "before" read (rl_progress_peek with nothing waiting for
 * the flush) is given the row as the last commit left it from the memo
 * carried, with no read of the row (main read and parsed it: peek gave 0);
 * it is the committed row, every time.
 */
static void test_writer_knows_the_row(void **state)
{
	int64_t tr = demo_id("David Ellis"), t = demo_id("Lukas Weber"), s[3];
	struct rl_writer *w = writer_counting_drift();

	(void)state;
	log_through_writer(w, t, tr, 35, s, 3);
	for (int i = 0; i < 3; i++) {
		struct peek_job j = { .so = { .trainer = tr, .trainee = t, .body = demo_confirmation(s[i], tr, tr, NULL, NULL) } };
		char status[32];
		json_t *summary;

		status_of(t, status, &summary); /* committed: the writer is between batches */
		j.so.job.ctx = &j.so;
		j.job.run = peek_run;
		j.job.ctx = &j;
		ok(rl_writer_call(w, &j.job), &j.job.err);
		json_decref(j.so.body);
		assert_int_equal(j.peeked, 1);
		assert_string_equal(j.status, status);
		assert_true(json_equal(j.summary, summary));
		json_decref(j.summary);
		json_decref(summary);
	}
	rl_writer_stop(w);
	rl_progress_drift_hook = NULL;
	assert_int_equal(drifts, 0);
	assert_int_equal(differences(t), 0);
}

/*
 * A row written in a job that is then rolled back is not the one the memo
 * gives: the peek after the undo gives the row the transaction holds.
 */
static void test_undo_forgets_the_row(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t tr = demo_id("David Ellis"), t = demo_id("Lukas Weber"), id;
	char status[32], peeked[32];
	json_t *summary, *peek_summary = NULL;

	(void)state;
	begin_batch(&err);
	job(&err);
	id = log_one(t, tr, 25, &err);
	commit_batch(&err);
	begin_batch(&err);
	job(&err);
	log_one(t, tr, 20, &err);
	ok(rl_progress_settle(db, t, &err), &err); /* the row written by the first job: the memo knows it */
	job(&err);
	ok(sign(tr, demo_confirmation(id, tr, tr, NULL, NULL), &err), &err);
	ok(rl_progress_settle(db, t, &err), &err); /* written again in the second job */
	job_fails();
	status_of(t, status, &summary);
	assert_int_equal(rl_progress_peek(db, t, peeked, sizeof(peeked), &peek_summary, &err), 1);
	assert_string_equal(peeked, status);
	assert_true(json_equal(peek_summary, summary));
	json_decref(peek_summary);
	json_decref(summary);
	commit_batch(&err);
	assert_int_equal(sessions_with(t, id, id, "pending"), 1);
	assert_int_equal(differences(t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flush_once),
		cmocka_unit_test(test_claims_wait_for_the_flush),
		cmocka_unit_test(test_rollback_takes_the_check_back),
		cmocka_unit_test(test_read_inside_batch),
		cmocka_unit_test(test_signoffs_one_trainee),
		cmocka_unit_test(test_pending_cap_in_batch),
		cmocka_unit_test(test_writer_carries_the_memo),
		cmocka_unit_test(test_writer_summary_memo),
		cmocka_unit_test(test_writer_folds_each_decision),
		cmocka_unit_test(test_writer_knows_the_row),
		cmocka_unit_test(test_undo_forgets_the_row),
	};

	return cmocka_run_group_tests(tests, demo_setup, demo_teardown);
}
