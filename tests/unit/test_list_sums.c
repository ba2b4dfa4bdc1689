/*
 * test_list_sums.c - the accreditation list's counts and sites carried
 * across the writer's commits (domain/progress_list_sums.c).  After each
 * of many random commits through a writer running the server's hooks (a
 * trainee's home site, trainee role, name or status row changed, a
 * programme's members changed, nothing the list reads), the list's counts
 * and sites for several filters (none, a site, a name search, a
 * curriculum, each within the faculty member's scope) are the ones
 * computed from every row in the same state; most were carried (the
 * trainees changed, read again), and a programme's change made the
 * counts be computed again.  The page is written as json_dumps writes
 * the tree it parses to.  On the demo's database (demo_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "demo_fixture.h"

#include "base/buf.h"
#include "base/util.h"
#include "domain/progress.h"
#include "domain/progress_batch.h"
#include "domain/progress_impl.h"
#include "domain/users.h"
#include "ledger/writer.h"
#include "store/sql.h"

static void ok(int rc, struct rl_error *err)
{
	if (rc < 0)
		fail_msg("%s: %s", err->title, err->detail);
}

static int64_t trainees[64];
static int ntrainees;
static struct rl_user faculty;
static unsigned rnd = 12345;

static unsigned next_rand(void)
{
	rnd = rnd * 1103515245u + 12345u;
	return (rnd >> 8) & 0xffffff;
}

/* ---------------------------------------------------- the random commits */

enum change { SITE, ROLE, NAME, STATUS, PROGRAMME, NOTHING, CHANGES };

struct change_job {
	enum change what;
	int64_t trainee;
	unsigned pick;
	int64_t changed;       /* rows the change changed (the programme's) */
};

/* sql with ?1 text (NULL: NULL) and ?2 the trainee. */
static int exec_bound(struct rl_db *w, const char *sql, const char *text, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(w, sql, err);

	if (!st)
		return -1;
	if (text)
		rl_bind_text(st, 1, text, -1);
	else
		rl_bind_null(st, 1);
	rl_bind_int64(st, 2, id);
	return rl_db_run(w, st, "a test change", err);
}

/* A status row of the trainee sealed as the server seals one (what the list's check accepts). */
static int put_status(struct rl_db *w, int64_t trainee, unsigned pick, struct rl_error *err)
{
	static const char *const statuses[] = { "in_training", "eligible", "accredited" };
	static const char *const untils[] = { NULL, "2001-01-01", "2999-12-31" };
	const struct rl_curriculum *c = prog_curriculum(w, trainee, err);
	struct prog_status r = { 0 };
	int rc;

	if (!c)
		return err->status ? -1 : 0;
	r.status = statuses[pick % 3];
	r.until = strcmp(r.status, "accredited") == 0 ? untils[(pick / 3) % 3] : NULL;
	r.met = (int)(pick % 5);
	r.total = 5;
	r.summary = pick % 4 ? json_array() : NULL; /* no summary at all is stored as [] */
	r.acc_index = -1;
	r.through = rl_rows_progress_last_index(w, trainee, err);
	rc = prog_write_status(w, trainee, c, NULL, &r, NULL, 0, err);
	json_decref(r.summary);
	return rc;
}

static int run_change(struct rl_db *w, struct rl_job *job, struct rl_error *err)
{
	static const char *const sites[] = { "Leeds Robotics Skills Lab", "Zeta Simulation Suite", "Aardvark Centre",
					     NULL, "" };
	struct change_job *c = job->ctx;
	char sql[256];
	int rc;

	switch (c->what) {
	case SITE:
		return exec_bound(w, "UPDATE users SET site = ?1 WHERE id = ?2", sites[c->pick % 5], c->trainee, err);
	case ROLE:
		/* The trainee role taken away or given back. */
		return exec_bound(w, "UPDATE users SET roles = CASE WHEN ?1 IS NOT NULL THEN roles "
				  "WHEN roles = 1 THEN 2 WHEN roles = 2 THEN 1 ELSE (roles | 1) - (roles & 1) END WHERE id = ?2", NULL, c->trainee, err);
	case NAME:
		return exec_bound(w, "UPDATE users SET name = ?1 WHERE id = ?2", c->pick % 2 ? "Ann Banister" : "Zed Crow",
				  c->trainee, err);
	case STATUS:
		return put_status(w, c->trainee, c->pick, err);
	case PROGRAMME:
		/* The trainee in or out of a programme the faculty member directs (their scope). */
		if (c->pick % 2) {
			snprintf(sql, sizeof(sql), "DELETE FROM programme_members WHERE user_id = %lld",
				 (long long)c->trainee);
		} else {
			snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO programme_members(user_id, programme_id, from_at) "
				 "SELECT %lld, programme_id, '2020-01-01T00:00:00Z' FROM programme_members WHERE user_id = %lld "
				 "LIMIT 1", (long long)c->trainee, (long long)faculty.id);
		}
		rc = rl_db_exec(w, sql, err);
		c->changed = rl_db_changes(w);
		return rc;
	default:
		return 0;
	}
}

/* --------------------------------------------------------------- checks */

static void count_into(void *ctx, const char *status, int64_t n)
{
	json_object_set_new(ctx, status, json_integer(n));
}

/* The list's counts and sites for f equal the ones computed from every row now. */
static void check_filter(const struct rl_accreditation_filter *f, const char *what, int round)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *stale = json_array(), *out, *counts, *sites;
	struct rl_rows_acc_query q = { 0 };
	struct rl_buf text = RL_BUF_INIT;
	char today[11], *again;

	if (rl_accreditation_list(db, f, stale, &text, &err) < 0)
		fail_msg("round %d, %s: the list failed (%s; %zu stale)", round, what, err.detail, json_array_size(stale));
	if (!(out = json_loads(text.data, 0, NULL)))
		fail_msg("round %d, %s: the list is not JSON: %s", round, what, text.data);
	/* Written as json_dumps writes the tree it reads as (the reply's bytes before it was written directly). */
	again = json_dumps(out, JSON_COMPACT);
	if (!again || strcmp(again, text.data) != 0)
		fail_msg("round %d, %s: the list is not as json_dumps writes it:\n%s\n%s", round, what, text.data, again);
	free(again);
	rl_buf_release(&text);
	rl_format_date(rl_today(), today);
	q.today = today;
	q.site = f->site;
	q.curriculum = f->curriculum;
	q.search = f->search;
	q.scoped = 1;
	q.scope_id = f->scope->id;
	counts = json_pack("{s:i,s:i,s:i,s:i}", "in_training", 0, "eligible", 0, "accredited", 0, "lapsed", 0);
	ok(rl_db_begin_read(db, &err), &err);
	ok(rl_rows_accreditation_counts(db, &q, count_into, counts, &err), &err);
	sites = rl_trainee_sites(db, &err);
	rl_db_end_read(db);
	assert_non_null(sites);
	if (!json_equal(counts, json_object_get(out, "counts"))) {
		char *a = json_dumps(counts, JSON_COMPACT), *b = json_dumps(json_object_get(out, "counts"), JSON_COMPACT);
		fail_msg("round %d, %s: counts %s, every row gives %s", round, what, b, a);
	}
	if (!json_equal(sites, json_object_get(out, "sites"))) {
		char *a = json_dumps(sites, JSON_COMPACT), *b = json_dumps(json_object_get(out, "sites"), JSON_COMPACT);
		fail_msg("round %d, %s: sites %s, every row gives %s", round, what, b, a);
	}
	json_decref(counts);
	json_decref(sites);
	json_decref(out);
	json_decref(stale);
}

static void check_all(int round)
{
	struct rl_accreditation_filter f = { .limit = 50, .scope = &faculty };

	check_filter(&f, "no filter", round);
	f.site = "Leeds Robotics Skills Lab";
	check_filter(&f, "a site", round);
	f.site = NULL;
	f.search = "an";
	check_filter(&f, "a name search", round);
	f.search = NULL;
	f.curriculum = "ras-core";
	f.status = "in_training"; /* not a filter of the counts */
	check_filter(&f, "a curriculum", round);
}

static void test_carried_counts_and_sites(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_writer *w = NULL;
	struct rl_list_check_stats s0, s1, s2;
	struct rl_stmt *st;
	char path[128];

	(void)state;
	st = rl_db_stmt(db, "SELECT id FROM users WHERE roles & 1 <> 0 ORDER BY id", &err);
	assert_non_null(st);
	while (rl_step(st) == RL_ROW && ntrainees < 64)
		trainees[ntrainees++] = rl_col_int64(st, 0);
	rl_reset(st);
	assert_true(ntrainees >= 4);
	assert_true(demo_scalar("SELECT count(*) FROM programme_members") > 0);
	faculty.id = demo_id("Amelia Hart");
	snprintf(path, sizeof(path), "%s/t.db", dir);
	ok(rl_writer_start_with(path, &rl_progress_writer_hooks, &w, &err), &err);
	rl_progress_list_writer(w);

	check_all(0);
	rl_progress_list_stats(&s0);
	for (int round = 1; round <= 120; round++) {
		struct change_job c = { .what = (enum change)(next_rand() % CHANGES), .trainee = trainees[next_rand() % ntrainees],
					.pick = next_rand() };
		struct rl_job job = { .run = run_change, .ctx = &c };

		if (c.what == PROGRAMME)
			rl_progress_list_stats(&s1);
		ok(rl_writer_call(w, &job), &job.err);
		check_all(round);
		if (c.what == PROGRAMME && c.changed > 0) {
			/* The scope moved: none of the four filters' counts (all scoped) was carried over it. */
			rl_progress_list_stats(&s2);
			assert_true(s2.sums_computed >= s1.sums_computed + 4);
		}
	}
	rl_progress_list_stats(&s1);
	/* Most were carried: each round's four counts and four sites (the first of each carried or computed). */
	assert_true(s1.sums_carried - s0.sums_carried > 120);
	rl_progress_list_writer(NULL);
	rl_writer_stop(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_carried_counts_and_sites),
	};

	return cmocka_run_group_tests(tests, demo_setup, demo_teardown);
}
