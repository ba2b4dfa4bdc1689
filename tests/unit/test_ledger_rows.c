/*
 * test_ledger_rows.c - the store/ functions that took the SQL of the
 * ledger, the writer, notifications, imports and set-up (issue 12 item 1)
 * against a real SQLite file made by rl_setup_database: the writer's
 * savepoints (rl_db_savepoint_next keeps the job before and starts the
 * next, which rl_db_rollback_to then undoes alone), the ledger's rows
 * (size, kinds, a bounded walk, leaves, Merkle nodes, the latest head
 * before and after a seal), the Merkle nodes keyed in the order appends
 * create them (schema 027: each append's nodes take the next keys),
 * an entry's free text round trip, an import's round trip with its
 * duplicate refused and a second decision refused as a conflict (as the
 * session and accreditation updates that must change one row are),
 * lookups that find nothing, and set-up's curricula
 * loaded once; every read that fails reports the engine's reason, read
 * before the statement's reset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/setup.h"
#include "base/codes.h"
#include "base/error.h"
#include "domain/users.h"
#include "ledger/ledger.h"
#include "store/db.h"
#include "store/imports_rows.h"
#include "store/ledger_lookup.h"
#include "store/ledger_rows.h"
#include "store/notify_rows.h"
#include "store/outbox.h"
#include "store/setup_rows.h"
#include "store/signoff_rows.h"

#include "db_fixture.h"

#include "base/banned.h"

/* struct db_trainee_fixture (db_fixture.h): the database with one trainee. */

/* The writer's batch: job 1 kept, job 2 undone, both under one savepoint name. */
static void test_savepoint_next(void **state)
{
	struct db_trainee_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	char v[8];

	assert_int_equal(rl_db_begin(f->db, &err), 0);
	assert_int_equal(rl_db_savepoint(f->db, "job", &err), 0);
	assert_int_equal(rl_db_meta_put(f->db, "test_job1", "one", 3, &err), 0);
	assert_int_equal(rl_db_savepoint_next(f->db, "job", &err), 0);
	assert_int_equal(rl_db_meta_put(f->db, "test_job2", "two", 3, &err), 0);
	rl_db_rollback_to(f->db, "job");
	assert_int_equal(rl_db_release(f->db, "job", &err), 0);
	assert_int_equal(rl_db_commit(f->db, &err), 0);
	assert_int_equal(rl_db_meta_get(f->db, "test_job1", v, sizeof(v)), 3);
	assert_memory_equal(v, "one", 3);
	assert_int_equal(rl_db_meta_get(f->db, "test_job2", v, sizeof(v)), -1);
	/* Outside a savepoint there is nothing to release: a failure with err set. */
	assert_int_equal(rl_db_begin(f->db, &err), 0);
	assert_int_equal(rl_db_savepoint_next(f->db, "job", &err), -1);
	assert_int_not_equal(err.status, 0);
	rl_db_rollback(f->db);
	rl_error_clear(&err);
}

struct walk {
	int64_t first, last;
	int rows, leaves_ok, stop_at;
};

static int count_entry(void *ctx, const struct rl_row_ledger *row)
{
	struct walk *w = ctx;

	if (!w->rows++)
		w->first = row->idx;
	w->last = row->idx;
	assert_int_equal(row->public_key_len, 32);
	assert_int_equal(row->signature_len, 64);
	assert_non_null(row->kind);
	assert_true(row->message_len > 0 && strncmp(row->message, "RASLOG-STATEMENT-v1\n", 20) == 0);
	return w->rows == w->stop_at ? 7 : 0;
}

static int count_leaf(void *ctx, const struct rl_row_ledger_leaf *row)
{
	struct walk *w = ctx;

	w->rows++;
	w->leaves_ok += row->leaf && row->leaf_len == 32;
	return 0;
}

static void test_ledger_rows(void **state)
{
	struct db_trainee_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_row_tree_head h;
	struct walk w = { 0 };
	int64_t size, last;
	uint8_t node[32];
	char kind[64];

	assert_int_equal(rl_rows_ledger_size(f->db, &size, &err), 0);
	assert_true(size >= 2); /* set-up signs the curricula's content */
	assert_int_equal(rl_rows_ledger_kind(f->db, 0, kind, &err), 1);
	assert_true(kind[0] != '\0');
	assert_int_equal(rl_rows_ledger_kind(f->db, size, kind, &err), 0);
	assert_string_equal(kind, "");

	/* From 1, at most size - 1 rows; a non-zero return stops and is returned. */
	assert_int_equal(rl_rows_ledger_each(f->db, 1, size - 1, count_entry, &w, &err), 0);
	assert_int_equal(w.rows, size - 1);
	assert_int_equal(w.first, 1);
	assert_int_equal(w.last, size - 1);
	memset(&w, 0, sizeof(w));
	assert_int_equal(rl_rows_ledger_each(f->db, 0, 1, count_entry, &w, &err), 0);
	assert_int_equal(w.rows, 1);
	memset(&w, 0, sizeof(w));
	w.stop_at = 2;
	assert_int_equal(rl_rows_ledger_each(f->db, 0, 0, count_entry, &w, &err), 7);
	assert_int_equal(w.rows, 2);

	memset(&w, 0, sizeof(w));
	assert_int_equal(rl_rows_ledger_leaves_each(f->db, count_leaf, &w, &err), 0);
	assert_int_equal(w.rows, size);
	assert_int_equal(w.leaves_ok, size);

	assert_int_equal(rl_rows_merkle_node(f->db, 0, 0, node, &err), 1);
	assert_int_equal(rl_rows_merkle_node(f->db, 0, (uint64_t)size, node, &err), 0);

	/* Set-up's head is of the empty ledger; sealing signs one of every entry. */
	assert_int_equal(rl_rows_tree_head_latest(f->db, &h, &err), 1);
	assert_int_equal(h.tree_size, 0);
	rl_rows_tree_head_clear(&h);
	assert_int_equal(rl_db_begin(f->db, &err), 0);
	assert_int_equal(rl_ledger_seal(f->db, &err), 1);
	assert_int_equal(rl_db_commit(f->db, &err), 0);
	assert_int_equal(rl_rows_tree_head_latest(f->db, &h, &err), 1);
	assert_int_equal(h.tree_size, size);
	assert_int_equal(h.root_len, 32);
	assert_int_equal(h.signature_len, 64);
	assert_non_null(h.timestamp);
	rl_rows_tree_head_clear(&h);
	assert_int_equal(rl_rows_tree_head_last_size(f->db, &last, &err), 0);
	assert_int_equal(last, size);
	rl_error_clear(&err);
}

static int text_row(void *ctx, const struct rl_row_ledger_text *row)
{
	char *out = ctx;

	snprintf(out, 200, "%s=%.*s/%s/%s", row->member, (int)row->text_len, row->text ? row->text : "",
		 row->salt ? row->salt : "-", row->erased_at ? row->erased_at : "held");
	return 0;
}

static void test_ledger_texts(void **state)
{
	struct db_trainee_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	char salt[65], got[200] = "";

	memset(salt, 'a', 64);
	salt[64] = '\0';
	assert_int_equal(rl_rows_ledger_texts_each(f->db, 0, text_row, got, &err), 0);
	assert_string_equal(got, "");
	/* The text's length is the caller's: the bytes after it are not stored. */
	assert_int_equal(rl_rows_ledger_text_insert(f->db, 0, "reason", "too early!", 9, salt, &err), 0);
	assert_int_equal(rl_rows_ledger_texts_each(f->db, 0, text_row, got, &err), 0);
	assert_string_equal(got, "reason=too early/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/held");
	rl_error_clear(&err);
}

struct seen_import {
	int n;
	int64_t id, trainer;
	int has_trainer, signed_off;
	char kind[16], status[16], trainee_name[64], attempts[64];
	size_t content_len;
};

static int import_row(void *ctx, const struct rl_row_import *row)
{
	struct seen_import *s = ctx;

	s->n++;
	s->id = row->id;
	s->trainer = row->trainer;
	s->has_trainer = row->has_trainer;
	s->signed_off = row->signed_off;
	snprintf(s->kind, sizeof(s->kind), "%s", row->kind);
	snprintf(s->status, sizeof(s->status), "%s", row->status);
	snprintf(s->trainee_name, sizeof(s->trainee_name), "%s", row->trainee_name);
	snprintf(s->attempts, sizeof(s->attempts), "%s", row->attempts);
	s->content_len = row->content_len;
	return 0;
}

/* An update that must change one row and changed none: a conflict naming what and the count (not the engine's "not an error"). */
static void expect_row_changed(struct rl_error *err, const char *what)
{
	char want[200];

	assert_int_equal(err->status, RL_E_CONFLICT);
	assert_string_equal(err->type, "row-changed");
	snprintf(want, sizeof(want), "%s changed 0 rows where it should change one", what);
	if (strncmp(err->detail, want, strlen(want)) != 0)
		fail_msg("detail: %s", err->detail);
	rl_error_clear(err);
}

static void test_import_rows(void **state)
{
	struct db_trainee_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_row_import_new n = {
		.trainee = f->trainee, .kind = "simulator", .status = "pending", .filename = "run.csv",
		.format = "csv", .sha256 = "0123", .content = "a,b\n1,2\n", .len = 8, .attempts = "[{\"x\":1}]",
		.attempt_count = 1, .attempts_sha256 = "4567", .created_at = "2026-01-01T00:00:00Z",
	};
	struct seen_import s = { 0 };
	int64_t id = 0, other = 0;
	char *content = NULL;
	size_t len = 0;

	assert_int_equal(rl_rows_import_by_sha256(f->db, f->trainee, "0123", &other, &err), 0);
	assert_int_equal(rl_rows_import_insert(f->db, &n, &id, &err), 0);
	assert_true(id > 0);
	assert_int_equal(rl_rows_import_by_sha256(f->db, f->trainee, "0123", &other, &err), 1);
	assert_int_equal(other, id);
	/* The same bytes again: a duplicate, nothing stored, no error. */
	assert_int_equal(rl_rows_import_insert(f->db, &n, &other, &err), 1);
	assert_int_equal(err.status, 0);

	assert_int_equal(rl_rows_import_get(f->db, id, import_row, &s, &err), 1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.kind, "simulator");
	assert_string_equal(s.status, "pending");
	assert_string_equal(s.trainee_name, "Tia Trainee");
	assert_string_equal(s.attempts, "[{\"x\":1}]");
	assert_int_equal(s.has_trainer, 0);
	assert_int_equal(s.signed_off, 0);
	assert_int_equal(s.content_len, 8);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rl_rows_import_get(f->db, id + 1, import_row, &s, &err), 0);
	assert_int_equal(s.n, 0);

	/* The list's filters: the trainee's own, by status. */
	assert_int_equal(rl_rows_import_list(f->db, 0, f->trainee, 0, "pending", import_row, &s, &err), 0);
	assert_int_equal(s.n, 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rl_rows_import_list(f->db, 0, f->trainee, 0, "signed", import_row, &s, &err), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(rl_rows_import_list(f->db, 0, f->trainee + 1000, 0, NULL, import_row, &s, &err), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(rl_rows_import_list(f->db, 1, f->trainee + 1000, 0, NULL, import_row, &s, &err), 0);
	assert_int_equal(s.n, 1);

	assert_int_equal(rl_rows_import_content(f->db, id, &content, &len, &err), 1);
	assert_int_equal(len, 8);
	assert_string_equal(content, "a,b\n1,2\n");
	free(content);
	assert_int_equal(rl_rows_import_content(f->db, id + 1, &content, &len, &err), 0);
	assert_null(content);

	/* Decided once; a second decision finds it no longer pending. */
	assert_int_equal(rl_rows_import_decided(f->db, id, "rejected", f->trainee, "2026-01-02T00:00:00Z", 3, "no",
						&err), 0);
	assert_int_equal(rl_rows_import_decided(f->db, id, "signed", f->trainee, "2026-01-02T00:00:00Z", 4, NULL,
						&err), -1);
	expect_row_changed(&err, "recording the import's countersignature");
	memset(&s, 0, sizeof(s));
	assert_int_equal(rl_rows_import_get(f->db, id, import_row, &s, &err), 1);
	assert_string_equal(s.status, "rejected");
	assert_int_equal(s.signed_off, 1);
	rl_error_clear(&err);
}

/* The session and trainer accreditation updates that must change one row, on rows that are not there. */
static void test_one_row_updates(void **state)
{
	struct db_trainee_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;

	assert_int_equal(rl_rows_session_decide(f->db, 424242, "signed", "S-TS", NULL, f->trainee,
						"2026-01-02T00:00:00Z", 7, NULL, &err), -1);
	expect_row_changed(&err, "recording the sign-off");
	assert_int_equal(rl_rows_tacc_supersede(f->db, f->trainee, 5, 6, &err), -1);
	expect_row_changed(&err, "superseding the trainer accreditation");
}

static void test_not_found(void **state)
{
	struct db_trainee_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_row_notify_person p;
	struct rl_row_notify_session s;
	int r = -1, d = -1, g = -1;
	int64_t ids[2];

	assert_int_equal(rl_rows_notify_prefs(f->db, f->trainee, &r, &d, &g, &err), 1);
	assert_int_equal(r, 0); /* a trainee: decisions on, reminders and digest off */
	assert_int_equal(d, 1);
	assert_int_equal(g, 0);
	assert_int_equal(rl_rows_notify_prefs_put(f->db, f->trainee, 1, 0, 1, "2026-01-01T00:00:00Z", &err), 0);
	assert_int_equal(rl_rows_notify_prefs(f->db, f->trainee, &r, &d, &g, &err), 1);
	assert_int_equal(r + 2 * d + 4 * g, 5);
	assert_int_equal(rl_rows_notify_prefs(f->db, f->trainee + 1000, &r, &d, &g, &err), 0);
	assert_int_equal(rl_rows_notify_person(f->db, f->trainee, 0, &p, &err), 1);
	assert_string_equal(p.email, "tia@example.org");
	assert_int_equal(p.wants, 0);
	assert_int_equal(rl_rows_notify_person(f->db, f->trainee + 1000, 0, &p, &err), 0);
	assert_string_equal(p.name, "");
	assert_int_equal(rl_rows_notify_session(f->db, 999999, &s, &err), 0);
	assert_int_equal(rl_outbox_has(f->db, "digest:1:2026-W01", &err), 0);
	assert_int_equal(rl_outbox_queue(f->db, "digest:1:2026-W01", "a@example.org", "s", "b", 0, &err), 1);
	assert_int_equal(rl_outbox_has(f->db, "digest:1:2026-W01", &err), 1);
	/* The trainee is no trainer: no one of that role by that name. */
	assert_int_equal(rl_rows_import_users_named(f->db, RL_ROLE_TRAINER, "TIA@example.org", ids, &err), 0);
	assert_int_equal(rl_rows_import_users_named(f->db, RL_ROLE_TRAINEE, "TIA@example.org", ids, &err), 1);
	assert_int_equal(ids[0], f->trainee);
	rl_error_clear(&err);
}

/* Set-up loads each shipped curriculum once: a second load adds nothing. */
static void test_setup_curricula_once(void **state)
{
	struct db_trainee_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	const char *def = "{\"code\":\"unit-x\"}";

	assert_int_equal(rl_rows_setup_curriculum_insert(f->db, "unit-x", 1, "Unit", def, strlen(def),
							 "2026-01-01T00:00:00Z", &err), 1);
	assert_int_equal(rl_rows_setup_curriculum_insert(f->db, "unit-x", 1, "Unit", def, strlen(def),
							 "2026-01-01T00:00:00Z", &err), 0);
	/* The shipped ones are there already (rl_setup_database). */
	assert_int_equal(rl_rows_setup_curriculum_insert(f->db, "ras-core", 1, "Unit", def, strlen(def),
							 "2026-01-01T00:00:00Z", &err), 0);
	rl_error_clear(&err);
}

/* ---- a failed step's message ---------------------------------------------------------- */

static int no_entry(void *ctx, const struct rl_row_ledger *r) { return 0; }
static int no_leaf(void *ctx, const struct rl_row_ledger_leaf *r) { return 0; }
static int no_text(void *ctx, const struct rl_row_ledger_text *r) { return 0; }
static int no_import(void *ctx, const struct rl_row_import *r) { return 0; }
static int no_attempts(void *ctx, const char *a) { return 0; }
static int no_trainer(void *ctx, const struct rl_row_notify_trainer *r) { return 0; }
static int no_waiting(void *ctx, const struct rl_row_notify_waiting *r) { return 0; }
static int no_faculty(void *ctx, const struct rl_row_notify_faculty *r) { return 0; }
static int no_trainee(void *ctx, const struct rl_row_notify_trainee *r) { return 0; }
static int no_queue(void *ctx, const struct rl_row_notify_queue *r) { return 0; }

/* The ledger's, imports', notifications' and the outbox's reads, one per i (0 up), or -2 past the last. */
static int read_rows(struct rl_db *db, int i, struct rl_error *err)
{
	struct rl_row_tree_head h;
	struct rl_row_ledger_entry e;
	struct rl_row_notify_person np;
	struct rl_row_notify_session ns;
	struct rl_outbox_counts oc;
	int64_t v = 0, ids[2];
	int a = 0, b = 0, c = 0, rc;
	char text[64], *summary = NULL;
	uint8_t node[32];
	size_t len = 0;
	json_t *list;

	switch (i) {
	case 0: return rl_rows_ledger_size(db, &v, err);
	case 1: return rl_rows_ledger_kind(db, 0, text, err);
	case 2: return rl_rows_ledger_each(db, 0, 10, no_entry, NULL, err);
	case 3: return rl_rows_ledger_leaves_each(db, no_leaf, NULL, err);
	case 4: return rl_rows_merkle_node(db, 0, 0, node, err);
	case 5:
		rc = rl_rows_tree_head_latest(db, &h, err);
		rl_rows_tree_head_clear(&h);
		return rc;
	case 6: return rl_rows_tree_head_last_size(db, &v, err);
	case 7: return rl_rows_ledger_texts_each(db, 0, no_text, NULL, err);
	case 8:
		rc = rl_rows_ledger_entry(db, 0, &e, err);
		rl_row_ledger_entry_release(&e);
		return rc;
	case 9: return rl_rows_import_by_sha256(db, 1, "00", &v, err);
	case 10: return rl_rows_import_get(db, 1, no_import, NULL, err);
	case 11: return rl_rows_import_list(db, 1, 1, 0, NULL, no_import, NULL, err);
	case 12:
		rc = rl_rows_import_content(db, 1, &summary, &len, err);
		free(summary);
		return rc;
	case 13: return rl_rows_import_signed_attempts(db, 1, no_attempts, NULL, err);
	case 14: return rl_rows_import_users_named(db, 2, "Tia Trainee", ids, err);
	case 15: return rl_rows_import_elog_row_known(db, 1, "k", err);
	case 16: return rl_rows_notify_prefs(db, 1, &a, &b, &c, err);
	case 17: return rl_rows_notify_person(db, 1, 0, &np, err);
	case 18: return rl_rows_notify_trainers_waiting(db, no_trainer, NULL, err);
	case 19: return rl_rows_notify_waiting_sessions(db, 1, 5, no_waiting, NULL, err);
	case 20:
		rc = rl_rows_notify_trainee_status(db, 1, text, sizeof(text), &summary, err);
		free(summary);
		return rc;
	case 21: return rl_rows_notify_session(db, 1, &ns, err);
	case 22: return rl_rows_notify_digest_faculty(db, no_faculty, NULL, err);
	case 23: return rl_rows_notify_newly_eligible(db, 1, "2026-01-01T00:00:00Z", no_trainee, NULL, err);
	case 24: return rl_rows_notify_eligible_count(db, 1, &v, err);
	case 25: return rl_rows_notify_stuck(db, 1, "2026-01-01T00:00:00Z", no_trainee, NULL, err);
	case 26: return rl_rows_notify_queues(db, 1, 5, no_queue, NULL, err);
	case 27: return rl_outbox_has(db, "k", err);
	case 28: return rl_outbox_count(db, &oc, err);
	case 29:
		if (!(list = rl_outbox_list(db, NULL, 5, err)))
			return -1;
		json_decref(list);
		return 0;
	default: return -2;
	}
}

/* The keys of merkle_nodes: count, max(pos) and how many rows' pos is not rl_rows_merkle_pos(level, idx). */
static void merkle_keys(struct rl_db *db, int64_t *count, int64_t *max, int64_t *misplaced)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT pos, level, idx FROM merkle_nodes ORDER BY pos", &err);
	int rc;

	assert_non_null(st);
	*count = *misplaced = 0;
	*max = -1;
	while ((rc = rl_step(st)) == RL_ROW) {
		(*count)++;
		*max = rl_col_int64(st, 0);
		*misplaced += (uint64_t)*max != rl_rows_merkle_pos((unsigned)rl_col_int64(st, 1),
								   (uint64_t)rl_col_int64(st, 2));
	}
	assert_int_equal(rc, RL_DONE);
	rl_reset(st);
}

/*
 * merkle_nodes is keyed by post-order position (027): the first nodes'
 * keys by hand, then through 70 appends every key in use is 0..count-1
 * (each append's nodes went on at the end, none into a gap) and each row's
 * key is its (level, idx)'s; the nodes still read by level and index.
 */
static void test_merkle_append_order(void **state)
{
	struct db_trainee_fixture *f = *state;
	static const unsigned level[] = { 0, 0, 1, 0, 0, 1, 2, 0, 0, 1, 0, 0, 1, 2, 3, 0 };
	static const uint64_t idx[] = { 0, 1, 0, 2, 3, 1, 0, 4, 5, 2, 6, 7, 3, 1, 0, 8 };
	struct rl_error err = RL_ERROR_INIT;
	uint8_t pk[32] = { 1 }, sig[64] = { 2 }, a[32], b[32];
	int64_t count, max, misplaced, index, size;
	char msg[32];

	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		assert_int_equal(rl_rows_merkle_pos(level[i], idx[i]), i);
	assert_int_equal(rl_rows_merkle_pos(20, 1), ((uint64_t)1 << 22) - 3); /* 2^21 - 1 nodes before, 2^21 - 1 its own */

	assert_int_equal(rl_db_begin(f->db, &err), 0);
	for (int i = 0; i < 70; i++) {
		int len = snprintf(msg, sizeof(msg), "RASLOG-STATEMENT-v1\n{\"n\":%d}", i);

		assert_int_equal(rl_ledger_append(f->db, "test", msg, (size_t)len, pk, sig, 1, 0, &index, &err), 0);
		merkle_keys(f->db, &count, &max, &misplaced);
		assert_int_equal(max, count - 1);
		assert_int_equal(misplaced, 0);
	}
	assert_int_equal(rl_db_commit(f->db, &err), 0);
	assert_int_equal(rl_rows_ledger_size(f->db, &size, &err), 0);
	assert_int_equal(count, 2 * size - __builtin_popcountll((unsigned long long)size));
	/* The root's two halves of the first 64 leaves, read by level and index. */
	assert_int_equal(rl_rows_merkle_node(f->db, 5, 0, a, &err), 1);
	assert_int_equal(rl_rows_merkle_node(f->db, 5, 1, b, &err), 1);
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(rl_rows_merkle_node(f->db, 6, 1, a, &err), 0);
}

/*
 * Every read, its statement prepared while its tables were there, fails
 * once they are gone with the engine's own reason in err, even from an
 * engine whose reset forgets the failure.
 */
static void test_failures_read_before_reset(void **state)
{
	struct db_trainee_fixture *f = *state;
	static const char *const tables[] = { "ledger", "merkle_nodes", "tree_heads", "ledger_texts", "imports",
					      "elogbook_rows", "outbox", "trainee_status", "sessions", "users", NULL };

	db_fixture_reads_fail_well(f->db, read_rows, tables);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_savepoint_next, db_trainee_fixture_setup, db_trainee_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ledger_rows, db_trainee_fixture_setup, db_trainee_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_merkle_append_order, db_trainee_fixture_setup,
						db_trainee_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ledger_texts, db_trainee_fixture_setup, db_trainee_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_import_rows, db_trainee_fixture_setup, db_trainee_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_one_row_updates, db_trainee_fixture_setup, db_trainee_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_not_found, db_trainee_fixture_setup, db_trainee_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_setup_curricula_once, db_trainee_fixture_setup, db_trainee_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_failures_read_before_reset, db_trainee_fixture_setup,
						db_trainee_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
