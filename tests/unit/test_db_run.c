/*
 * test_db_run.c - the row files' shared shapes in store/sql.h against a
 * real SQLite file: rl_db_run and rl_db_run_changes run a statement to
 * its end (0, the changes counted) or fail naming what they were doing,
 * and leave the statement reset for its next use; rl_db_each_id calls
 * each per row and stops at a non-zero return; rl_db_lookup_int64 tells
 * a row (1) from none (0); rl_db_get_row and rl_db_each_row hand a row
 * read into the caller's struct (RL_DB_ROW_READER) to a typed callback,
 * and fail naming what; a failed step's detail reaches err even from an
 * engine whose reset forgets it (the ledger size and tree head lookups,
 * rl_db_finish, and the reads of the curricula, erasure, oversight,
 * programme, progress, sign-off and tally row files); the writer's
 * connection has its own page cache and WAL auto-checkpoint; a checked
 * build stops a caller that rewrites cached SQL in place.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/curricula_rows.h"
#include "store/engine.h"
#include "store/erasure_rows.h"
#include "store/ledger_rows.h"
#include "store/oversight_rows.h"
#include "store/programmes_rows.h"
#include "store/progress_rows.h"
#include "store/sessions_rows.h"
#include "store/signoff_rows.h"
#include "store/sql.h"
#include "store/supervision_rows.h"
#include "store/tally_rows.h"

#include "db_fixture.h"

#include "base/banned.h"

#define INSERT_SQL "INSERT INTO unit_things(id, v) VALUES (?, ?)"

struct fixture {
	DB_FIXTURE_FIELDS;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rl_error err = RL_ERROR_INIT;

	assert_non_null(f);
	db_fixture_open(f->dir, f->path, &f->db);
	if (rl_db_exec(f->db, "CREATE TABLE unit_things(id INTEGER PRIMARY KEY, v TEXT NOT NULL)", &err) < 0)
		fail_msg("setup: %s", err.detail);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	db_fixture_close(f->dir, f->path, f->db);
	free(f);
	return 0;
}

/* Inserts (id, v) with rl_db_run; what it returns. */
static int insert(struct fixture *f, int64_t id, const char *v, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(f->db, INSERT_SQL, err);

	assert_non_null(st);
	rl_bind_int64(st, 1, id);
	rl_bind_text(st, 2, v, -1);
	return rl_db_run(f->db, st, "adding a unit thing", err);
}

static void run_done_and_failure(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;

	assert_int_equal(insert(f, 1, "one", &err), 0);
	assert_int_equal(err.status, RL_OK);
	/* NOT NULL refused: -1, err names what was being done */
	assert_int_equal(insert(f, 2, NULL, &err), -1);
	assert_int_not_equal(err.status, RL_OK);
	assert_non_null(strstr(err.detail, "adding a unit thing"));
	/* the same id twice: refused too */
	rl_error_clear(&err);
	assert_int_equal(insert(f, 1, "again", &err), -1);
	assert_non_null(strstr(err.detail, "adding a unit thing"));
	/* the statement was reset after the failure: it runs again */
	rl_error_clear(&err);
	assert_int_equal(insert(f, 3, "three", &err), 0);
	assert_int_equal(err.status, RL_OK);
}

static void run_changes_counts(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st;
	int64_t changed = -7;

	for (int64_t i = 1; i <= 3; i++)
		assert_int_equal(insert(f, i, i == 2 ? "two" : "odd", &err), 0);
	st = rl_db_stmt(f->db, "UPDATE unit_things SET v = 'x' WHERE v = ?", &err);
	assert_non_null(st);
	rl_bind_text(st, 1, "odd", -1);
	assert_int_equal(rl_db_run_changes(f->db, st, "changing unit things", &changed, &err), 0);
	assert_int_equal(changed, 2);
	st = rl_db_stmt(f->db, "UPDATE unit_things SET v = 'x' WHERE v = ?", &err);
	rl_bind_text(st, 1, "none", -1);
	assert_int_equal(rl_db_run_changes(f->db, st, "changing unit things", &changed, &err), 0);
	assert_int_equal(changed, 0);
	/* NULL: not counted; a failure names what */
	st = rl_db_stmt(f->db, "UPDATE unit_things SET v = NULL WHERE id = ?", &err);
	rl_bind_int64(st, 1, 1);
	changed = -7;
	assert_int_equal(rl_db_run_changes(f->db, st, "blanking a unit thing", &changed, &err), -1);
	assert_int_equal(changed, -7);
	assert_non_null(strstr(err.detail, "blanking a unit thing"));
	rl_error_clear(&err);
	st = rl_db_stmt(f->db, "DELETE FROM unit_things WHERE id = ?", &err);
	rl_bind_int64(st, 1, 3);
	assert_int_equal(rl_db_run_changes(f->db, st, "removing a unit thing", NULL, &err), 0);
}

struct ids {
	int64_t seen[8];
	int n, stop_at;
};

static int collect(void *ctx, int64_t id)
{
	struct ids *ids = ctx;

	ids->seen[ids->n++] = id;
	return ids->n == ids->stop_at ? 42 : 0;
}

static void each_id_and_lookup(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct ids all = { { 0 }, 0, 0 }, two = { { 0 }, 0, 2 };
	struct rl_stmt *st;
	int64_t v = -1;

	for (int64_t i = 5; i >= 1; i--)
		assert_int_equal(insert(f, i * 10, "t", &err), 0);
	st = rl_db_stmt(f->db, "SELECT id FROM unit_things WHERE id > ? ORDER BY id", &err);
	rl_bind_int64(st, 1, 15);
	assert_int_equal(rl_db_each_id(f->db, st, collect, &all, "listing unit things", &err), 0);
	assert_int_equal(all.n, 4);
	assert_int_equal(all.seen[0], 20);
	assert_int_equal(all.seen[3], 50);
	/* a non-zero return stops and is returned */
	st = rl_db_stmt(f->db, "SELECT id FROM unit_things WHERE id > ? ORDER BY id", &err);
	rl_bind_int64(st, 1, 0);
	assert_int_equal(rl_db_each_id(f->db, st, collect, &two, "listing unit things", &err), 42);
	assert_int_equal(two.n, 2);
	assert_int_equal(two.seen[1], 20);
	assert_int_equal(err.status, RL_OK);

	st = rl_db_stmt(f->db, "SELECT id * 2 FROM unit_things WHERE id = ?", &err);
	rl_bind_int64(st, 1, 30);
	assert_int_equal(rl_db_lookup_int64(f->db, st, &v, "finding a unit thing", &err), 1);
	assert_int_equal(v, 60);
	st = rl_db_stmt(f->db, "SELECT id * 2 FROM unit_things WHERE id = ?", &err);
	rl_bind_int64(st, 1, 31);
	v = -1;
	assert_int_equal(rl_db_lookup_int64(f->db, st, &v, "finding a unit thing", &err), 0);
	assert_int_equal(v, -1);
	assert_int_equal(err.status, RL_OK);
}

/* A unit thing as a row file would read it. */
struct thing {
	int64_t id;
	char v[16];
};

static void thing_row(struct rl_stmt *st, struct thing *t)
{
	t->id = rl_col_int64(st, 0);
	snprintf(t->v, sizeof(t->v), "%s", rl_col_text(st, 1) ? rl_col_text(st, 1) : "");
}

RL_DB_ROW_READER(thing, struct thing, thing_row)

struct things {
	struct thing seen[8];
	int n, stop_at;
};

static int take_thing(void *ctx, const struct thing *t)
{
	struct things *all = ctx;

	all->seen[all->n++] = *t;
	return all->n == all->stop_at ? 42 : 0;
}

#define THING_SQL "SELECT id, v FROM unit_things WHERE id = ?"
#define THINGS_SQL "SELECT id, v FROM unit_things WHERE id > ? ORDER BY id"

static int get_thing(struct fixture *f, int64_t id, struct things *into, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(f->db, THING_SQL, err);

	assert_non_null(st);
	rl_bind_int64(st, 1, id);
	return rl_db_get_row(f->db, st, thing_call, &(struct thing_each){ take_thing, into }, "reading a unit thing", err);
}

static int each_thing(struct fixture *f, int64_t above, struct things *into, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(f->db, THINGS_SQL, err);

	assert_non_null(st);
	rl_bind_int64(st, 1, above);
	return rl_db_each_row(f->db, st, thing_call, &(struct thing_each){ take_thing, into }, "listing unit things", err);
}

static void get_row_and_each_row(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct things one = { .n = 0 }, stop = { .stop_at = 1 }, all = { .n = 0 }, two = { .stop_at = 2 };

	assert_int_equal(insert(f, 7, "seven", &err), 0);
	assert_int_equal(insert(f, 9, "nine", &err), 0);
	assert_int_equal(insert(f, 8, "eight", &err), 0);
	/* found: 1, the row filled and handed on */
	assert_int_equal(get_thing(f, 9, &one, &err), 1);
	assert_int_equal(one.n, 1);
	assert_int_equal(one.seen[0].id, 9);
	assert_string_equal(one.seen[0].v, "nine");
	/* none: 0, each not called */
	assert_int_equal(get_thing(f, 10, &one, &err), 0);
	assert_int_equal(one.n, 1);
	/* each's non-zero return instead of 1 */
	assert_int_equal(get_thing(f, 7, &stop, &err), 42);
	assert_string_equal(stop.seen[0].v, "seven");
	assert_int_equal(err.status, RL_OK);
	/* every row in order, 0; a non-zero return stops and is returned */
	assert_int_equal(each_thing(f, 0, &all, &err), 0);
	assert_int_equal(all.n, 3);
	assert_string_equal(all.seen[1].v, "eight");
	assert_int_equal(all.seen[2].id, 9);
	assert_int_equal(each_thing(f, 0, &two, &err), 42);
	assert_int_equal(two.n, 2);
	/* the statements were reset: they run again */
	all.n = 0;
	assert_int_equal(each_thing(f, 7, &all, &err), 0);
	assert_int_equal(all.n, 2);
	assert_int_equal(err.status, RL_OK);
	/* a failed step: -1, err names what and the engine's reason */
	assert_int_equal(rl_db_exec(f->db, "DROP TABLE unit_things", &err), 0);
	assert_int_equal(get_thing(f, 9, &one, &err), -1);
	assert_non_null(strstr(err.detail, "reading a unit thing"));
	assert_non_null(strstr(err.detail, "unit_things"));
	rl_error_clear(&err);
	assert_int_equal(each_thing(f, 0, &all, &err), -1);
	assert_non_null(strstr(err.detail, "listing unit things"));
	assert_non_null(strstr(err.detail, "unit_things"));
	rl_error_clear(&err);
}

/*
 * An engine whose reset forgets the connection's last failure (as an
 * engine that keeps it per statement would, db_fixture_forget_failures):
 * a lookup must read the failure before it resets.
 */
static void failure_read_before_reset(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t size = -7;

	/* prepared (cached) while the tables are there, then taken away */
	assert_int_equal(rl_rows_ledger_size(f->db, &size, &err), 0);
	assert_true(size >= 0);
	size = -7;
	assert_int_equal(rl_rows_tree_head_last_size(f->db, &size, &err), 0);
	assert_true(size >= -1);
	assert_int_equal(rl_db_exec(f->db, "DROP TABLE tree_heads", &err), 0);
	assert_int_equal(rl_db_exec(f->db, "DROP TABLE ledger", &err), 0);
	db_fixture_forget_failures(f->db);
	assert_int_equal(rl_rows_ledger_size(f->db, &size, &err), -1);
	assert_non_null(strstr(err.detail, "reading the ledger size"));
	assert_non_null(strstr(err.detail, "no such table: ledger"));
	rl_error_clear(&err);
	assert_int_equal(rl_rows_tree_head_last_size(f->db, &size, &err), -1);
	assert_non_null(strstr(err.detail, "reading the tree head"));
	assert_non_null(strstr(err.detail, "no such table: tree_heads"));
	rl_error_clear(&err);
	db_fixture_remember_failures(f->db);
}

/*
 * rl_db_finish, the end of a hand-stepped run: 1 for a row, 0 for none,
 * and a failed step's own message in err (read before the reset, so an
 * engine whose reset forgets it still gives it), the statement reset
 * either way.
 */
static void finish_reads_then_resets(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st;

	assert_int_equal(insert(f, 4, "four", &err), 0);
	db_fixture_forget_failures(f->db);
	st = rl_db_stmt(f->db, "SELECT abs(v) FROM unit_things WHERE id = ?", &err);
	assert_non_null(st);
	rl_bind_int64(st, 1, 4);
	assert_int_equal(rl_db_finish(f->db, st, rl_step(st), "reading a unit thing", &err), 1);
	rl_bind_int64(st, 1, 5);
	assert_int_equal(rl_db_finish(f->db, st, rl_step(st), "reading a unit thing", &err), 0);
	assert_int_equal(err.status, RL_OK);
	/* the engine's own reason for a failed step (SQLite: abs of the smallest integer overflows) */
	st = rl_db_stmt(f->db, "SELECT abs(?)", &err);
	rl_bind_int64(st, 1, INT64_MIN);
	assert_int_equal(rl_db_finish(f->db, st, rl_step(st), "taking an absolute value", &err), -1);
	assert_non_null(strstr(err.detail, "taking an absolute value"));
	assert_non_null(strstr(err.detail, "integer overflow"));
	rl_error_clear(&err);
	/* reset: it runs again */
	rl_bind_int64(st, 1, -3);
	assert_int_equal(rl_step(st), RL_ROW);
	assert_int_equal(rl_col_int64(st, 0), 3);
	assert_int_equal(rl_db_finish(f->db, st, RL_DONE, "taking an absolute value", &err), 0);
	db_fixture_remember_failures(f->db);
}

/* ---- the other row files' reads under an engine whose reset forgets ---- */

static int no_message(void *ctx, const char *message, size_t len) { return 0; }
static int no_member(void *ctx, const char *member) { return 0; }
static int no_pending(void *ctx, const struct rl_row_pending *r) { return 0; }
static int no_stuck(void *ctx, const struct rl_row_stuck *r) { return 0; }
static int no_membership(void *ctx, const struct rl_row_membership *r) { return 0; }
static int no_entry(void *ctx, const struct rl_row_progress_entry *r) { return 0; }
static int no_claim(void *ctx, const struct rl_row_progress_pending *r) { return 0; }
static void no_status(void *ctx, const struct rl_row_progress_status *r) { }
static int no_tally(void *ctx, const struct rl_row_progress_tally *r) { return 0; }
static int no_check(void *ctx, const struct rl_row_progress_check *r) { return 0; }
static int no_accreditation(void *ctx, const struct rl_row_accreditation *r) { return 0; }
static int no_key(void *ctx, const struct rl_row_key *r) { return 0; }
static int no_acc_state(void *ctx, const struct rl_row_acc_state *r) { return 0; }
static int no_trainer(void *ctx, const struct rl_row_trainer *r) { return 0; }
static int no_total(void *ctx, const char *requirement, int64_t signed_amount, int64_t pending_amount) { return 0; }
static int no_revision(void *ctx, int64_t session, int64_t revision, const char *fields) { return 0; }
static int no_ledger_entry(void *ctx, const char *kind, int64_t subject, const char *message, size_t len) { return 0; }

/* The reads of the domain's row files, one per i (0 up), or -2 past the last. */
static int domain_reads(struct rl_db *db, int i, struct rl_error *err)
{
	static const uint8_t pk[32];
	static const int64_t one_trainee[] = { 1 };
	const struct rl_rows_trainees t = { 0, one_trainee, 1 };
	const struct rl_rows_acc_query q = { .today = "2026-01-01", .limit = 5 };
	struct rl_row_progress_claims claims;
	struct rl_row_progress_position pos;
	struct rl_row_key key;
	struct rl_row_tacc tacc;
	struct rl_row_acc acc;
	struct rl_row_tally_session ts;
	int64_t v = 0, ids[4];
	int a = 0, b = 0, n = 0, rc;
	char text[64], *def = NULL;
	size_t len = 0;

	switch (i) {
	case 0:
		rc = rl_rows_curriculum_definition(db, 1, &def, &len, err);
		free(def);
		return rc;
	case 1: return rl_rows_curriculum_of_user(db, 1, &v, err);
	case 2: return rl_rows_curriculum_enrolments(db, 1, no_message, NULL, err);
	case 3: return rl_rows_erasure_count(db, 1, NULL, &a, &b, err);
	case 4: return rl_rows_erasure_live_members(db, 1, NULL, no_member, NULL, err);
	case 5: return rl_rows_oversight_signoff_messages(db, no_message, NULL, err);
	case 6: return rl_rows_oversight_pending(db, &t, no_pending, NULL, err);
	case 7: return rl_rows_oversight_stuck(db, 30, 30, &t, no_stuck, NULL, err);
	case 8: return rl_rows_oversight_user_name(db, 1, text, sizeof(text), err);
	case 9: return rl_rows_programme_memberships(db, 1, no_membership, NULL, err);
	case 10: return rl_rows_programme_history(db, 1, no_membership, NULL, err);
	case 11: return rl_rows_programme_at(db, 1, "2026-01-01T00:00:00Z", no_membership, NULL, err);
	case 12: return rl_rows_progress_entries(db, 1, no_entry, NULL, err);
	case 13: return rl_rows_progress_pending(db, 1, no_claim, NULL, err);
	case 14: return rl_rows_progress_claims(db, 1, &claims, err);
	case 15: return rl_rows_progress_enrolled_after(db, 0, 4, ids, &n, err);
	case 16: return rl_rows_progress_status(db, 1, no_status, NULL, err);
	case 17: return rl_rows_progress_position(db, 1, &pos, err);
	case 18: return rl_rows_progress_tallies(db, 1, no_tally, NULL, err);
	case 19: return rl_rows_progress_check_list(db, &q, no_check, NULL, err);
	case 20: return rl_rows_accreditation_page(db, &q, no_accreditation, NULL, err);
	case 21: return rl_rows_key_find(db, 1, pk, &key, err);
	case 22: return rl_rows_key_revoked_index(db, 1, pk, &v, err);
	case 23: return rl_rows_key_by_id(db, 1, &key, err);
	case 24: return rl_rows_key_list(db, 1, no_key, NULL, err);
	case 25: return rl_rows_tacc_latest(db, 1, &tacc, err);
	case 26: return rl_rows_tacc_at(db, 1, &tacc, err);
	case 27: return rl_rows_tacc_index_for_key(db, 1, pk, &v, err);
	case 28: return rl_rows_acc_live(db, 1, &acc, err);
	case 29: return rl_rows_acc_states(db, 0, 100, no_acc_state, NULL, err);
	case 30: return rl_rows_assessment_other(db, 1, "gears", 0, err);
	case 31: return rl_rows_assessment_first(db, 1, &v, err);
	case 32: return rl_rows_module_completion_other(db, 1, 1, "m1", 0, err);
	case 33: return rl_rows_trainee_curriculum(db, 1, 1, &v, text, &a, err);
	case 34: return rl_rows_trainer_list(db, no_trainer, NULL, err);
	case 35:
		rc = rl_rows_tally_session(db, 1, &ts, err);
		rl_row_tally_session_release(&ts);
		return rc;
	case 36: return rl_rows_tally_list(db, 1, no_total, NULL, err);
	case 37: return rl_rows_tally_through(db, 1, &v, err);
	case 38: return rl_rows_programmes_none(db, err);
	case 39: return rl_rows_programme_faculty_sees(db, 1, 1, err);
	case 40: return rl_rows_programme_exists(db, 1, err);
	case 41: return rl_rows_programme_user_roles(db, 1, &a, err);
	case 42: {
		int64_t pids[2];
		size_t np = 0;
		return rl_rows_programme_current_ids(db, 1, pids, 2, &np, err);
	}
	case 43: return rl_rows_session_pending_count(db, 1, 1, &v, err);
	case 44: return rl_rows_session_trainer_accredited(db, 1, "2026-01-01", err);
	case 45: return rl_rows_session_revisions_of_signoff(db, 1, no_revision, NULL, err);
	case 46: return rl_rows_supervises(db, 1, 1, err);
	case 47: return rl_rows_erasure_entry(db, 1, no_ledger_entry, NULL, err);
	default: return -2;
	}
}

static void domain_reads_fail_well(void **state)
{
	struct db_trainee_fixture *f = *state;
	static const char *const tables[] = { "ledger", "ledger_texts", "sessions", "session_revisions", "assignments",
					      "programmes", "programme_members", "trainee_status",
					      "trainee_tally", "keys", "trainer_accreditations", "trainee_accreditations",
					      "assessments", "module_completions", "users", "curricula", NULL };

	db_fixture_reads_fail_well(f->db, domain_reads, tables);
}

/* A pragma's value on a connection (SQLite: the writer's cache and checkpoint settings). */
static int64_t pragma_value(struct rl_db *db, const char *sql)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, sql, &err);
	int64_t v = -1;

	assert_non_null(st);
	assert_int_equal(rl_db_lookup_int64(db, st, &v, "reading a pragma", &err), 1);
	return v;
}

/* The writer's connection gets its page cache and WAL auto-checkpoint; any other keeps SQLite's defaults. */
static void writer_connection_settings(void **state)
{
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *writer = NULL;

	if (rl_db_open(f->path, RL_DB_WRITER, &writer, &err) < 0)
		fail_msg("open: %s", err.detail);
	assert_int_equal(pragma_value(writer, "PRAGMA cache_size"), -16384);
	assert_int_equal(pragma_value(writer, "PRAGMA wal_autocheckpoint"), 8000);
	assert_int_equal(pragma_value(f->db, "PRAGMA wal_autocheckpoint"), 1000);
	assert_int_not_equal(pragma_value(f->db, "PRAGMA cache_size"), -16384);
	rl_db_close(writer);
}

/*
 * rl_db_stmt finds statements by the SQL's address.  SQL rewritten in
 * place at a cached address (a caller's buffer) would silently run the
 * first statement; a checked build (RL_CHECK_STMT_TEXT: every sanitizer
 * build, this suite's) stops the process instead.  The misuse runs in a
 * child, which must die of SIGABRT before it can read the wrong row.
 */
static void stmt_text_changed_in_place_stops(void **state)
{
#ifdef RL_CHECK_STMT_TEXT
	struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int status = 0;
	pid_t pid;

	assert_int_equal(insert(f, 1, "one", &err), 0);
	assert_int_equal(insert(f, 2, "two", &err), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char sql[64] = "SELECT v FROM unit_things WHERE id = 1";
		struct rl_stmt *st = rl_db_stmt(f->db, sql, &err);

		if (!st || rl_step(st) != RL_ROW)
			_exit(3);
		memcpy(sql, "SELECT v FROM unit_things WHERE id = 2", 39);
		st = rl_db_stmt(f->db, sql, &err); /* must not return: the text at this address changed */
		_exit(st && rl_step(st) == RL_ROW && strcmp(rl_col_text(st, 0), "one") == 0 ? 4 : 5);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
#else
	(void)state;
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(run_done_and_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(writer_connection_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(stmt_text_changed_in_place_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(run_changes_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(each_id_and_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(get_row_and_each_row, setup, teardown),
		cmocka_unit_test_setup_teardown(failure_read_before_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(finish_reads_then_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(domain_reads_fail_well, db_trainee_fixture_setup, db_trainee_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
