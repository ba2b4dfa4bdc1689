/*
 * test_signoff_pages.c - what a sign-off reads, against a real SQLite file
 * set up by the migrations (schema/019_signoff_pages.sql): the pending
 * claims the cache seals bind (store/progress_rows.c
 * rl_rows_progress_claims, read three times per sign-off) come from the
 * sessions_pending index alone, without a sessions row per claim, and
 * still count what they counted (a claim edited, signed off, withdrawn);
 * the pending cap's count searches the same index by both its columns.
 * The duplicate warning of a session logged (store/sessions_rows.c
 * rl_rows_session_duplicate) reads the trainee's sessions of that day by
 * sessions_by_day (schema/022_sessions_by_day.sql), not every session, and
 * seeks trainee, date, activity and minutes in the index (schema/023,
 * 028), reading only the entries alike and a match's row; the same index
 * gives a trainee's sessions in date order, sorted by id within a day
 * only, never the whole list.  Sessions carry no index by trainee
 * and id any more (schema/024): every read by trainee searches an index
 * that leads with trainee_id all the same.  A trainee's status stored
 * again with its status, end date and curriculum unchanged (the usual
 * flush) writes no page of the status row's two indexes.  A decision
 * rewrites the session's entry of sessions_by_trainer (trainer_id, id,
 * status; schema/025) on the leaf where it was, and the trainer's reads
 * search it by trainer_id as before; neither a decision nor a session
 * logged builds an ephemeral b-tree for the status CHECK, and no insert
 * into a table a write request fills builds one for a CHECK or a partial
 * index's condition (schema/026: the ledger's ledger_accreditations, the
 * outbox's state); the accreditation reads still search that index.
 * The SQL below is those functions' text: a change to it that loses the
 * index shows here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/setup.h"
#include "base/error.h"
#include "store/db.h"
#include "store/progress_rows.h"
#include "store/sessions_rows.h"
#include "store/signoff_rows.h"
#include "store/sql.h"
#include "store/sqlite.h"

#include "db_fixture.h"

#include "base/banned.h"

static const char claims_sql[] = "SELECT count(*), coalesce(sum(id), 0), coalesce(sum(revision), 0) "
				 "FROM sessions WHERE trainee_id = ? AND status = 'pending'";
static const char cap_sql[] = "SELECT count(*) FROM sessions WHERE trainee_id = ? AND trainer_id = ? "
			      "AND status = 'pending'";

static const char duplicate_sql[] = "SELECT id FROM sessions WHERE trainee_id = ? AND date = ? AND activity = ? "
				    "AND minutes = ? AND procedure IS NOT DISTINCT FROM ? AND id <> ? "
				    "AND status IN ('pending', 'signed') ORDER BY id LIMIT 1";

static void run(struct rl_db *db, const char *sql)
{
	struct rl_error err = RL_ERROR_INIT;

	if (rl_db_exec(db, sql, &err) < 0)
		fail_msg("%s: %s", sql, err.detail);
}

/* "how sql" prepared (how: EXPLAIN or EXPLAIN QUERY PLAN); fails the test otherwise. */
static struct rl_stmt *explain(struct rl_db *db, const char *how, const char *sql)
{
	struct rl_error err = RL_ERROR_INIT;
	char text[512];
	struct rl_stmt *st;

	snprintf(text, sizeof(text), "%s %s", how, sql);
	st = rl_db_prepare(db, text, &err);
	if (!st)
		fail_msg("%s: %s", text, err.detail);
	return st;
}

/* The plan's lines of EXPLAIN QUERY PLAN sql, joined by '\n', into out. */
static void plan_of(struct rl_db *db, const char *sql, char *out, size_t cap)
{
	struct rl_stmt *st = explain(db, "EXPLAIN QUERY PLAN", sql);
	size_t used = 0;

	rl_bind_int64(st, 1, 2);
	rl_bind_int64(st, 2, 3);
	out[0] = '\0';
	while (rl_step(st) == RL_ROW && used < cap)
		used += (size_t)snprintf(out + used, cap - used, "%s\n", rl_col_text(st, 3));
	rl_finalize(st);
}

static int64_t add_user(struct rl_db *db, const char *name, int roles)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO users(name, email, roles, created_at) "
					    "VALUES (?, ?, ?, '2026-01-01T00:00:00Z')", &err);
	char email[64];

	assert_non_null(st);
	snprintf(email, sizeof(email), "%s@test.raslog.org", name);
	rl_bind_text(st, 1, name, -1);
	rl_bind_text(st, 2, email, -1);
	rl_bind_int(st, 3, roles);
	assert_int_equal(rl_db_run(db, st, "adding a user", &err), 0);
	return rl_db_last_insert_id(db);
}

static int64_t add_session(struct rl_db *db, int64_t trainee, int64_t trainer)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO sessions(trainee_id, trainer_id, date, minutes, activity, "
					    "created_at) VALUES (?, ?, '2026-01-02', 60, 'console_full', "
					    "'2026-01-02T00:00:00Z')", &err);

	assert_non_null(st);
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, trainer);
	assert_int_equal(rl_db_run(db, st, "adding a session", &err), 0);
	return rl_db_last_insert_id(db);
}

static void claims(struct rl_db *db, int64_t trainee, struct rl_row_progress_claims *c)
{
	struct rl_error err = RL_ERROR_INIT;

	assert_int_equal(rl_rows_progress_claims(db, trainee, c, &err), 0);
}

/* The claims and the pending cap read the index alone (no sessions row per pending session). */
static void test_claims_covering(void **state)
{
	struct db_fixture *f = *state;
	char plan[1024];

	plan_of(f->db, claims_sql, plan, sizeof(plan));
	if (!strstr(plan, "COVERING INDEX sessions_pending"))
		fail_msg("the pending claims do not read sessions_pending alone:\n%s", plan);
	plan_of(f->db, cap_sql, plan, sizeof(plan));
	if (!strstr(plan, "COVERING INDEX sessions_pending (trainee_id=? AND trainer_id=?)"))
		fail_msg("the pending cap does not search sessions_pending by trainee and trainer:\n%s", plan);
}

/* The counts the seals bind, read through the index, follow every change of a claim. */
static void test_claims_follow_changes(void **state)
{
	struct db_fixture *f = *state;
	struct rl_row_progress_claims c;
	int64_t trainee = add_user(f->db, "trainee", 1), other = add_user(f->db, "other", 1);
	int64_t trainer = add_user(f->db, "trainer", 2);
	int64_t a = add_session(f->db, trainee, trainer), b = add_session(f->db, trainee, trainer);
	int64_t x = add_session(f->db, other, trainer);
	char sql[160];

	claims(f->db, trainee, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids, a + b);
	assert_int_equal(c.revs, 2);
	/* An edit raises the revision the index holds. */
	snprintf(sql, sizeof(sql), "UPDATE sessions SET revision = 3 WHERE id = %lld", (long long)b);
	run(f->db, sql);
	claims(f->db, trainee, &c);
	assert_int_equal(c.revs, 4);
	/* A sign-off takes the claim out; another trainee's claims are not theirs. */
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status = 'signed' WHERE id = %lld", (long long)a);
	run(f->db, sql);
	claims(f->db, trainee, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids, b);
	assert_int_equal(c.revs, 3);
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status = 'withdrawn' WHERE id = %lld", (long long)b);
	run(f->db, sql);
	claims(f->db, trainee, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(c.ids, 0);
	claims(f->db, other, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids, x);
	/* Back to pending (a withdrawn sign-off reopens the session): counted again. */
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status = 'pending' WHERE id = %lld", (long long)a);
	run(f->db, sql);
	claims(f->db, trainee, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids, a);
}

/* The duplicate warning reads the day's sessions by sessions_by_day, and finds the same day's twin only. */
static void test_duplicate_by_day(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t trainee = add_user(f->db, "dup_trainee", 1), trainer = add_user(f->db, "dup_trainer", 2);
	int64_t first = add_session(f->db, trainee, trainer), id = -1;
	char plan[1024];

	plan_of(f->db, duplicate_sql, plan, sizeof(plan));
	if (!strstr(plan, "sessions_by_day (trainee_id=? AND date=? AND activity=? AND minutes=?)"))
		fail_msg("the duplicate warning does not seek sessions_by_day by trainee, day, activity and "
			 "minutes:\n%s", plan);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60, NULL, 0, &id,
						   &err), 1);
	assert_int_equal(id, first);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60, NULL, first,
						   &id, &err), 0);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-03", "console_full", 60, NULL, 0, &id,
						   &err), 0);
}

/* The index holds what the warning compares, as its key's prefix (a day's other sessions are
 * never visited), and the reads in (date, id) order sort within a day at most; the warning
 * still tells activity, minutes, procedure and status apart. */
static void test_duplicate_in_index(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t trainee = add_user(f->db, "dup2_trainee", 1), trainer = add_user(f->db, "dup2_trainer", 2);
	int64_t first = add_session(f->db, trainee, trainer), second = add_session(f->db, trainee, trainer), id = -1;
	struct rl_stmt *st = rl_db_prepare(f->db, "SELECT group_concat(name, ',') FROM "
					   "(SELECT name FROM pragma_index_info('sessions_by_day') ORDER BY seqno)", &err);
	char plan[1024], sql[160];

	assert_non_null(st);
	assert_int_equal(rl_step(st), RL_ROW);
	assert_string_equal(rl_col_text(st, 0), "trainee_id,date,activity,minutes,id");
	rl_finalize(st);
	plan_of(f->db, "SELECT id FROM sessions s WHERE s.trainee_id = ? ORDER BY s.date, s.id", plan, sizeof(plan));
	if (strstr(plan, "TEMP B-TREE FOR ORDER BY") || !strstr(plan, "sessions_by_day"))
		fail_msg("a trainee's sessions are sorted whole, not read by day in the index's order:\n%s", plan);
	plan_of(f->db, "SELECT id FROM sessions WHERE trainee_id = ? AND status = 'pending' ORDER BY date, id", plan,
		sizeof(plan));
	if (strstr(plan, "TEMP B-TREE FOR ORDER BY"))
		fail_msg("a trainee's pending sessions are sorted whole:\n%s", plan);
	/* The first of two alike is the one named; the other of the pair when it is excluded. */
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60, NULL, first, &id,
						   &err), 1);
	assert_int_equal(id, second);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 61, NULL, 0, &id,
						   &err), 0);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_modular", 60, NULL, 0, &id,
						   &err), 0);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60,
						   "robotic prostatectomy", 0, &id, &err), 0);
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status = 'withdrawn' WHERE id = %lld", (long long)first);
	run(f->db, sql);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60, NULL, 0, &id,
						   &err), 1);
	assert_int_equal(id, second);
	snprintf(sql, sizeof(sql), "UPDATE sessions SET minutes = 45 WHERE id = %lld", (long long)second);
	run(f->db, sql);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 60, NULL, 0, &id,
						   &err), 0);
	assert_int_equal(rl_rows_session_duplicate(f->db, trainee, "2026-01-02", "console_full", 45, NULL, 0, &id,
						   &err), 1);
	assert_int_equal(id, second);
}

/* The names of sessions' indexes, ',' between, in name order. */
static void session_indexes(struct rl_db *db, char *out, size_t cap)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_prepare(db, "SELECT group_concat(name, ',') FROM (SELECT name FROM "
					   "pragma_index_list('sessions') ORDER BY name)", &err);

	assert_non_null(st);
	assert_int_equal(rl_step(st), RL_ROW);
	snprintf(out, cap, "%s", rl_col_text(st, 0));
	rl_finalize(st);
}

/* No index by (trainee_id, id): the reads of a trainee's sessions search the ones that lead with trainee_id. */
static void test_no_trainee_index(void **state)
{
	struct db_fixture *f = *state;
	char names[256], plan[1024];

	session_indexes(f->db, names, sizeof(names));
	assert_string_equal(names, "sessions_by_day,sessions_by_trainer,sessions_pending");
	/* the session list's trainee branch (store/sessions_rows.c rl_rows_sessions_list) */
	plan_of(f->db, "SELECT s.id FROM sessions s WHERE ((?1 <> 0 AND s.trainee_id = ?2) OR (?1 = 0 AND "
		"s.trainer_id = ?2 AND s.status <> 'withdrawn')) AND s.id < ?2 ORDER BY s.id DESC LIMIT 50",
		plan, sizeof(plan));
	if (!strstr(plan, "sessions_by_day (trainee_id=?)"))
		fail_msg("the session list does not search a trainee's sessions by sessions_by_day:\n%s", plan);
	/* a pending count by trainee (store/notify_rows.c, store/oversight_rows.c) */
	plan_of(f->db, "SELECT count(*) FROM sessions s WHERE s.trainee_id = ? AND s.status = 'pending'", plan,
		sizeof(plan));
	if (!strstr(plan, "COVERING INDEX sessions_pending (trainee_id=?)"))
		fail_msg("a trainee's pending count does not read sessions_pending:\n%s", plan);
}

/* Pages the connection wrote to the WAL since the last call. */
static int pages_written(struct rl_db *db)
{
	int now = 0, high = 0;

	assert_int_equal(sqlite3_db_status(rl_db_sqlite_handle(db), SQLITE_DBSTATUS_CACHE_WRITE, &now, &high, 1),
			 SQLITE_OK);
	return now;
}

/* The sign-off's UPDATE and the session's INSERT (store/signoff_rows.c rl_rows_session_decide,
 * store/sessions_rows.c rl_rows_session_insert; SQLite's engine drops RETURNING id). */
static const char decide_sql[] = "UPDATE sessions SET status = ?, signed_role = ?, signed_steps = ?, "
				 "signed_by = ?, signed_at = ?, signoff_index = ?, reject_reason = ? "
				 "WHERE id = ? AND status = 'pending'";
static const char insert_sql[] = "INSERT INTO sessions(trainee_id, trainer_id, date, minutes, activity, platform, "
				 "site, procedure, steps, role, notes, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";

/* How many of sql's instructions are opcode. */
static int opcodes(struct rl_db *db, const char *sql, const char *opcode)
{
	struct rl_stmt *st = explain(db, "EXPLAIN", sql);
	int n = 0;

	while (rl_step(st) == RL_ROW)
		n += strcmp(rl_col_text(st, 1), opcode) == 0;
	rl_finalize(st);
	return n;
}

/* Sets session id's status: 0, or -1 when the CHECK refused it. */
static int set_status(struct rl_db *db, int64_t id, const char *status)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_prepare(db, "UPDATE sessions SET status = ? WHERE id = ?", &err);
	int rc;

	assert_non_null(st);
	rl_bind_text(st, 1, status, -1);
	rl_bind_int64(st, 2, id);
	rc = rl_step(st);
	rl_finalize(st);
	return rc == RL_DONE ? 0 : -1;
}

#define PLACE_TRAINERS 20
#define PLACE_SESSIONS 600

/* Neither a decision nor a session logged builds an ephemeral b-tree (the status CHECK's IN list
 * did), and the CHECK still allows exactly the four statuses. */
static void test_status_check(void **state)
{
	struct db_fixture *f = *state;
	int64_t trainee = add_user(f->db, "chk_trainee", 1), trainer = add_user(f->db, "chk_trainer", 2);
	int64_t id = add_session(f->db, trainee, trainer);

	assert_int_equal(opcodes(f->db, decide_sql, "OpenEphemeral"), 0);
	assert_int_equal(opcodes(f->db, insert_sql, "OpenEphemeral"), 0);
	assert_int_equal(set_status(f->db, id, "signed"), 0);
	assert_int_equal(set_status(f->db, id, "rejected"), 0);
	assert_int_equal(set_status(f->db, id, "withdrawn"), 0);
	assert_int_equal(set_status(f->db, id, "pending"), 0);
	assert_int_equal(set_status(f->db, id, "accepted"), -1);
	assert_int_equal(set_status(f->db, id, "Pending"), -1);
}

/*
 * An IN list of more than two constants in a CHECK or a partial index's
 * WHERE makes SQLite build an ephemeral b-tree in every insert (025, 026).
 * Every table but those a request rarely writes (listed, each with its
 * reason) must spell such lists as equalities joined by OR.
 */
static void test_inserts_build_no_ephemeral(void **state)
{
	static const char *const rare[] = {
		"device_grants", /* a device's sign-in, once per device */
		"imports",       /* a simulator or e-learning file, once per upload */
		NULL,
	};
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *tables = rl_db_prepare(f->db, "SELECT name FROM sqlite_schema WHERE type = 'table' "
						      "AND name NOT LIKE 'sqlite_%' ORDER BY name", &err);
	char insert[128], plan[512];
	int checked = 0;

	assert_non_null(tables);
	while (rl_step(tables) == RL_ROW) {
		const char *name = rl_col_text(tables, 0);
		int skip = 0;

		for (int i = 0; rare[i]; i++)
			skip |= strcmp(rare[i], name) == 0;
		if (skip)
			continue;
		snprintf(insert, sizeof(insert), "INSERT INTO \"%s\" DEFAULT VALUES", name);
		if (opcodes(f->db, insert, "OpenEphemeral") != 0)
			fail_msg("an insert into %s builds an ephemeral b-tree (an IN list in a CHECK or a partial index?)",
				 name);
		checked++;
	}
	rl_finalize(tables);
	assert_true(checked > 20);
	/* The ledger's accreditation reads (store/ledger_lookup.c) still search the partial index. */
	plan_of(f->db, "SELECT idx, message FROM ledger WHERE (kind = 'accreditation' OR kind = 'trainer_accreditation' "
		       "OR kind = 'revocation') ORDER BY idx", plan, sizeof(plan));
	assert_non_null(strstr(plan, "ledger_accreditations"));
	plan_of(f->db, "SELECT count(*) FROM ledger WHERE (kind = 'accreditation' OR kind = 'trainer_accreditation' "
		       "OR kind = 'revocation') AND kind = ?1 AND idx <= ?2", plan, sizeof(plan));
	assert_non_null(strstr(plan, "ledger_accreditations"));
}

/* A batch of decisions, one in the middle of each trainer's sessions, writes about one leaf per
 * trainer in each of the table, sessions_pending and sessions_by_trainer: the entry is rewritten
 * where it was, not moved from the trainer's pending range to their signed one (a leaf more each). */
static void test_decision_in_place(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t middle[PLACE_TRAINERS], signer[PLACE_TRAINERS];
	int pages;

	run(f->db, "BEGIN");
	for (int t = 0; t < PLACE_TRAINERS; t++) {
		char name[32];
		int64_t trainee, trainer;

		snprintf(name, sizeof(name), "place_trainee%d", t);
		trainee = add_user(f->db, name, 1);
		snprintf(name, sizeof(name), "place_trainer%d", t);
		signer[t] = trainer = add_user(f->db, name, 2);
		for (int k = 0; k < PLACE_SESSIONS; k++) {
			int64_t id = add_session(f->db, trainee, trainer);

			if (k == PLACE_SESSIONS / 2)
				middle[t] = id;
		}
	}
	run(f->db, "COMMIT");
	pages_written(f->db);
	run(f->db, "BEGIN");
	for (int t = 0; t < PLACE_TRAINERS; t++)
		assert_int_equal(rl_rows_session_decide(f->db, middle[t], "signed", NULL, NULL, signer[t], "2026-01-03T00:00:00Z",
							 1000 + t, NULL, &err), 0);
	run(f->db, "COMMIT");
	pages = pages_written(f->db);
	/* three leaves a trainer and a few pages above them; with the entry moved, ~4 a trainer */
	if (pages > 3 * PLACE_TRAINERS + 8)
		fail_msg("%d decisions, one a trainer, wrote %d pages", PLACE_TRAINERS, pages);
}

/* The ids sql (bound to trainer) gives, ',' between, in its order. */
static void ids_of(struct rl_db *db, const char *sql, int64_t trainer, char *out, size_t cap)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_prepare(db, sql, &err);
	size_t used = 0;

	assert_non_null(st);
	rl_bind_int64(st, 1, trainer);
	out[0] = '\0';
	while (rl_step(st) == RL_ROW && used < cap)
		used += (size_t)snprintf(out + used, cap - used, "%s%lld", used ? "," : "", (long long)rl_col_int64(st, 0));
	rl_finalize(st);
}

static const char trainer_waiting_sql[] = "SELECT id FROM sessions WHERE trainer_id = ? AND status = 'pending' "
					  "ORDER BY id";
static const char trainer_list_sql[] = "SELECT id FROM sessions WHERE trainer_id = ?1 AND status <> 'withdrawn' "
				       "AND id < 1000000 ORDER BY id DESC";

/* The trainer's waiting sessions (the reminders: store/notify_rows.c) are read from sessions_by_trainer
 * alone, status compared in the index; the trainer's sessions of every status (lists, the pending queue,
 * supervision) search it by trainer and id, in id order; both follow a decision, a withdrawal and a
 * reopening. */
static void test_trainer_reads(void **state)
{
	struct db_fixture *f = *state;
	int64_t trainee = add_user(f->db, "tr_trainee", 1), trainer = add_user(f->db, "tr_trainer", 2);
	int64_t other = add_user(f->db, "tr_other", 2);
	int64_t a = add_session(f->db, trainee, trainer), b = add_session(f->db, trainee, trainer);
	int64_t c = add_session(f->db, trainee, trainer);
	char plan[1024], ids[128], want[128];

	add_session(f->db, trainee, other);
	plan_of(f->db, trainer_waiting_sql, plan, sizeof(plan));
	if (!strstr(plan, "COVERING INDEX sessions_by_trainer (trainer_id=?)") || strstr(plan, "TEMP B-TREE"))
		fail_msg("a trainer's waiting sessions are not read from sessions_by_trainer alone in id order:\n%s",
			 plan);
	plan_of(f->db, trainer_list_sql, plan, sizeof(plan));
	if (!strstr(plan, "sessions_by_trainer (trainer_id=? AND id<?)") || strstr(plan, "TEMP B-TREE"))
		fail_msg("a trainer's sessions are not read from sessions_by_trainer in id order:\n%s", plan);
	assert_int_equal(set_status(f->db, a, "signed"), 0);
	assert_int_equal(set_status(f->db, b, "withdrawn"), 0);
	ids_of(f->db, trainer_waiting_sql, trainer, ids, sizeof(ids));
	snprintf(want, sizeof(want), "%lld", (long long)c);
	assert_string_equal(ids, want);
	ids_of(f->db, trainer_list_sql, trainer, ids, sizeof(ids));
	snprintf(want, sizeof(want), "%lld,%lld", (long long)c, (long long)a);
	assert_string_equal(ids, want);
	assert_int_equal(set_status(f->db, a, "pending"), 0);
	ids_of(f->db, trainer_waiting_sql, trainer, ids, sizeof(ids));
	snprintf(want, sizeof(want), "%lld,%lld", (long long)a, (long long)c);
	assert_string_equal(ids, want);
}

#define FLUSH_TRAINEES 2000
#define FLUSH_EVERY    100

/* Stores trainee's status row with summary's text and status. */
static void put_status(struct rl_db *db, int64_t trainee, const char *status, const char *summary)
{
	struct rl_error err = RL_ERROR_INIT;
	uint8_t mac[32] = { 1 }, tally_mac[32] = { 2 };
	struct rl_row_progress_status_put put = {
		.trainee = trainee, .status = status, .met = 1, .total = 9, .summary = summary,
		.updated_at = "2026-01-02T00:00:00Z", .through = 5, .acc_index = -1, .mac = mac, .tally_mac = tally_mac,
	};

	if (rl_rows_progress_put_status(db, &put, &err) < 0)
		fail_msg("storing a status: %s", err.detail);
}

/* The count of status rows where what is true. */
static int64_t status_count(struct rl_db *db, const char *what)
{
	struct rl_error err = RL_ERROR_INIT;
	char sql[160];
	struct rl_stmt *st;
	int64_t n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM trainee_status WHERE %s", what);
	st = rl_db_prepare(db, sql, &err);
	assert_non_null(st);
	assert_int_equal(rl_step(st), RL_ROW);
	n = rl_col_int64(st, 0);
	rl_finalize(st);
	return n;
}

/* A flush that leaves status, end date and curriculum as they were writes the table's pages, not the indexes'. */
static void test_status_flush_pages(void **state)
{
	struct db_fixture *f = *state;
	char summary[400];
	int64_t first = 0;
	int i, pages;

	memset(summary, 'a', sizeof(summary) - 1);
	summary[sizeof(summary) - 1] = '\0';
	run(f->db, "BEGIN");
	for (i = 0; i < FLUSH_TRAINEES; i++) {
		char name[32];
		int64_t id;

		snprintf(name, sizeof(name), "flush%d", i);
		id = add_user(f->db, name, 1);
		first = first ? first : id;
		put_status(f->db, id, "in_training", summary);
	}
	run(f->db, "COMMIT");
	/* one trainee in FLUSH_EVERY, each on a leaf of its own in the table and in both indexes */
	summary[0] = 'b';
	pages_written(f->db);
	run(f->db, "BEGIN");
	for (i = 0; i < FLUSH_TRAINEES; i += FLUSH_EVERY)
		put_status(f->db, first + i, "in_training", summary);
	run(f->db, "COMMIT");
	pages = pages_written(f->db);
	/* the table's 20 leaves and a page or two above them; the upsert wrote ~25 index leaves more */
	if (pages > FLUSH_TRAINEES / FLUSH_EVERY + 4)
		fail_msg("re-storing %d unchanged statuses wrote %d pages", FLUSH_TRAINEES / FLUSH_EVERY, pages);
	assert_int_equal(status_count(f->db, "summary LIKE 'b%'"), FLUSH_TRAINEES / FLUSH_EVERY);
	/* A status that moves still moves in the indexes (the upsert), and a new row is still inserted. */
	put_status(f->db, first, "eligible", summary);
	assert_int_equal(status_count(f->db, "status = 'eligible'"), 1);          /* by the index */
	assert_int_equal(status_count(f->db, "+status = 'in_training'"), FLUSH_TRAINEES - 1); /* by the table */
	put_status(f->db, add_user(f->db, "flush_new", 1), "in_training", summary);
	assert_int_equal(status_count(f->db, "status = 'in_training'"), FLUSH_TRAINEES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claims_covering, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_claims_follow_changes, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_by_day, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_in_index, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_no_trainee_index, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_status_flush_pages, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_status_check, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_decision_in_place, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_inserts_build_no_ephemeral, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_trainer_reads, db_fixture_setup, db_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
