/*
 * progress_rows.c - the statements of the progress module: the ledger
 * entries and pending records a trainee's figures come from, the cached
 * figures (trainee_tally, trainee_status) and the accreditation list; see
 * progress_rows.h.
 */
#include "base/prelude.h"

#include "store/progress_rows.h"

#include <stdio.h>
#include <string.h>

#include "store/scope.h"
#include "store/sql.h"

/* ------------------------------------------------ what figures come from */

int rl_rows_progress_entries(struct rl_db *db, int64_t trainee,
			     int (*each)(void *ctx, const struct rl_row_progress_entry *row), void *ctx,
			     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT idx, message FROM ledger WHERE subject_id = ? ORDER BY idx", err);
	struct rl_row_progress_entry row;
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW) {
		row.idx = rl_col_int64(st, 0);
		row.message = rl_col_text(st, 1);
		row.len = row.message ? (size_t)rl_col_bytes(st, 1) : 0;
		if ((stop = each(ctx, &row)) != 0)
			break;
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "reading the trainee's ledger entries", err);
}

int64_t rl_rows_progress_last_index(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT coalesce(max(idx), -1) FROM ledger WHERE subject_id = ?", err);
	int64_t v = -1;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) == RL_ROW)
		v = rl_col_int64(st, 0);
	rl_reset(st);
	return v;
}

int rl_rows_progress_ledger_size(struct rl_db *db, uint64_t *n, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*) FROM ledger", err);

	*n = 0;
	if (!st)
		return -1;
	if (rl_step(st) == RL_ROW)
		*n = (uint64_t)rl_col_int64(st, 0);
	rl_reset(st);
	return 0;
}

int rl_rows_progress_pending(struct rl_db *db, int64_t trainee,
			     int (*each)(void *ctx, const struct rl_row_progress_pending *row), void *ctx,
			     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, trainer_id, date, minutes, activity, platform, role, steps "
					  "FROM sessions WHERE trainee_id = ? AND status = 'pending' ORDER BY date, id", err);
	struct rl_row_progress_pending row;
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW) {
		row.id = rl_col_int64(st, 0);
		row.trainer_id = rl_col_int64(st, 1);
		row.date = rl_col_text(st, 2);
		row.minutes = rl_col_int64(st, 3);
		row.activity = rl_col_text(st, 4);
		row.platform = rl_col_is_null(st, 5) ? NULL : rl_col_text(st, 5);
		row.role = rl_col_is_null(st, 6) ? NULL : rl_col_text(st, 6);
		row.steps = rl_col_is_null(st, 7) ? NULL : rl_col_text(st, 7);
		if ((stop = each(ctx, &row)) != 0)
			break;
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "reading the trainee's pending sessions", err);
}

int rl_rows_progress_claims(struct rl_db *db, int64_t trainee, struct rl_row_progress_claims *c,
			    struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*), coalesce(sum(id), 0), coalesce(sum(revision), 0) "
					  "FROM sessions WHERE trainee_id = ? AND status = 'pending'", err);
	int rc;

	memset(c, 0, sizeof(*c));
	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	if ((rc = rl_step(st)) == RL_ROW) {
		c->n = rl_col_int64(st, 0);
		c->ids = rl_col_int64(st, 1);
		c->revs = rl_col_int64(st, 2);
	}
	return rl_db_finish(db, st, rc, "reading a trainee's pending claims", err) < 0 ? -1 : 0;
}

int rl_rows_progress_enrolled(struct rl_db *db, int (*each)(void *ctx, int64_t trainee), void *ctx,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM users WHERE (roles & 1 <> 0) AND curriculum_id IS NOT NULL "
					  "ORDER BY id", err);

	if (!st)
		return -1;
	return rl_db_each_id(db, st, each, ctx, "listing trainees", err);
}

int rl_rows_progress_enrolled_after(struct rl_db *db, int64_t after, int max, int64_t *ids, int *n,
				    struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM users WHERE (roles & 1 <> 0) AND curriculum_id IS NOT NULL "
					  "AND id > ? ORDER BY id LIMIT ?", err);
	int rc = RL_DONE;

	*n = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, after);
	rl_bind_int(st, 2, max);
	while (*n < max && (rc = rl_step(st)) == RL_ROW)
		ids[(*n)++] = rl_col_int64(st, 0);
	if (*n == max)
		rc = RL_DONE;
	return rl_db_finish(db, st, rc, "listing trainees", err) < 0 ? -1 : 0;
}

int rl_rows_progress_assessment_at(struct rl_db *db, int64_t idx, int64_t *id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM assessments WHERE ledger_index = ?", err);
	int found = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, idx);
	if (rl_step(st) == RL_ROW) {
		*id = rl_col_int64(st, 0);
		found = 1;
	}
	rl_reset(st);
	return found;
}

/* ------------------------------------------------------------ the caches */

/*
 * The columns of trainee_status a status MAC covers, in MAC order
 * (RL_STATUS_*); every statement that verifies a row selects them in this
 * order, starting at some column col0.
 */
#define STATUS_COLS "t.status, t.modules_met, t.modules_total, t.summary, t.accredited_until, " \
	"t.accreditation_index, t.ledger_through, t.curriculum_id"

static const int status_is_int[RL_STATUS_NCOLS] = { 0, 1, 1, 0, 0, 1, 1, 1 };

/* Reads the status columns starting at col0 of st into s (text borrowed from st). */
static void read_status_cols(struct rl_stmt *st, int col0, struct rl_row_progress_status *s)
{
	for (int i = 0; i < RL_STATUS_NCOLS; i++) {
		struct rl_row_progress_cell *c = &s->col[i];

		memset(c, 0, sizeof(*c));
		if ((c->is_null = rl_col_is_null(st, col0 + i)))
			continue;
		if (status_is_int[i]) {
			c->i = rl_col_int64(st, col0 + i);
		} else {
			c->text = rl_col_text(st, col0 + i);
			c->len = (size_t)rl_col_bytes(st, col0 + i);
		}
	}
}

static void read_blob(struct rl_stmt *st, int col, const uint8_t **p, size_t *len)
{
	*p = NULL;
	*len = 0;
	if (!rl_col_is_null(st, col)) {
		*len = (size_t)rl_col_bytes(st, col);
		*p = rl_col_blob(st, col);
	}
}

int rl_rows_progress_status(struct rl_db *db, int64_t trainee,
			    void (*each)(void *ctx, const struct rl_row_progress_status *row), void *ctx,
			    struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " STATUS_COLS ", t.mac, t.tally_mac FROM trainee_status t "
					  "WHERE t.trainee_id = ?", err);
	struct rl_row_progress_status s;
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		read_status_cols(st, 0, &s);
		read_blob(st, RL_STATUS_NCOLS, &s.mac, &s.mac_len);
		read_blob(st, RL_STATUS_NCOLS + 1, &s.tally_mac, &s.tally_mac_len);
		each(ctx, &s);
	}
	return rl_db_finish(db, st, rc, "reading a trainee's status", err);
}

int rl_rows_progress_position(struct rl_db *db, int64_t trainee, struct rl_row_progress_position *p,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT accreditation_index, accredited_until, ledger_through "
					  "FROM trainee_status WHERE trainee_id = ?", err);
	int rc;

	memset(p, 0, sizeof(*p));
	p->acc_index = p->through = -1;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		if (!rl_col_is_null(st, 0))
			p->acc_index = rl_col_int64(st, 0);
		if (!rl_col_is_null(st, 1)) {
			snprintf(p->until, sizeof(p->until), "%s", rl_col_text(st, 1));
			p->has_until = 1;
		}
		p->through = rl_col_is_null(st, 2) ? -1 : rl_col_int64(st, 2);
	}
	return rl_db_finish(db, st, rc, "reading a trainee's status", err);
}

/* Binds a status row's twelve values to ?1..?12 in the order of the INSERT below. */
static void bind_status(struct rl_stmt *st, const struct rl_row_progress_status_put *r)
{
	if (r->curriculum_id)
		rl_bind_int64(st, 10, r->curriculum_id);
	else
		rl_bind_null(st, 10);
	rl_bind_int64(st, 1, r->trainee);
	rl_bind_text(st, 2, r->status, -1);
	rl_bind_int(st, 3, r->met);
	rl_bind_int(st, 4, r->total);
	rl_bind_text(st, 5, r->summary, -1);
	rl_db_bind_text(st, 6, r->until);
	rl_bind_text(st, 7, r->updated_at, -1);
	rl_bind_int64(st, 8, r->through);
	if (r->acc_index >= 0)
		rl_bind_int64(st, 9, r->acc_index);
	else
		rl_bind_null(st, 9);
	rl_bind_blob(st, 11, r->mac, 32);
	rl_bind_blob(st, 12, r->tally_mac, 32);
}

/*
 * Two statements, because SQLite rewrites an index's entry whenever an
 * UPDATE's SET names one of its columns, even to an equal value: the
 * upsert dirtied a page of trainee_status_by_status and one of
 * trainee_status_counts for every trainee flushed (issue 18, session 11).
 * The first sets only the columns no index holds, where status,
 * accredited_until and curriculum_id are as stored (the usual flush); the
 * upsert runs only when it changed nothing: a new row, or one of those
 * three moved.  PostgreSQL compares the values itself (a HOT update).
 */
int rl_rows_progress_put_status(struct rl_db *db, const struct rl_row_progress_status_put *r, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE trainee_status SET modules_met = ?3, modules_total = ?4, "
			    "summary = ?5, updated_at = ?7, ledger_through = ?8, accreditation_index = ?9, mac = ?11, "
			    "tally_mac = ?12 WHERE trainee_id = ?1 AND status = ?2 "
			    "AND accredited_until IS NOT DISTINCT FROM ?6 AND curriculum_id IS NOT DISTINCT FROM ?10", err);
	int64_t changed = 0;

	if (!st)
		return -1;
	bind_status(st, r);
	if (rl_db_run_changes(db, st, "storing a trainee's status", &changed, err) < 0)
		return -1;
	if (changed == 1)
		return 0;
	st = rl_db_stmt(db, "INSERT INTO trainee_status(trainee_id, status, modules_met, modules_total, "
			    "summary, accredited_until, updated_at, ledger_through, accreditation_index, curriculum_id, "
			    "mac, tally_mac) "
			    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) ON CONFLICT (trainee_id) DO UPDATE SET "
			    "status = excluded.status, modules_met = excluded.modules_met, modules_total = excluded.modules_total, "
			    "summary = excluded.summary, accredited_until = excluded.accredited_until, "
			    "updated_at = excluded.updated_at, ledger_through = excluded.ledger_through, "
			    "accreditation_index = excluded.accreditation_index, curriculum_id = excluded.curriculum_id, "
			    "mac = excluded.mac, tally_mac = excluded.tally_mac", err);
	if (!st)
		return -1;
	bind_status(st, r);
	return rl_db_run(db, st, "storing a trainee's status", err);
}

int rl_rows_progress_tallies(struct rl_db *db, int64_t trainee,
			     int (*each)(void *ctx, const struct rl_row_progress_tally *row), void *ctx,
			     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT requirement, signed, pending FROM trainee_tally WHERE trainee_id = ?", err);
	struct rl_row_progress_tally row;
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW) {
		row.requirement = rl_col_text(st, 0);
		row.signed_n = rl_col_int64(st, 1);
		row.pending_n = rl_col_int64(st, 2);
		if ((stop = each(ctx, &row)) != 0)
			break;
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "reading progress totals", err);
}

int rl_rows_progress_clear_tallies(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "DELETE FROM trainee_tally WHERE trainee_id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	return rl_db_run(db, st, "clearing progress totals", err);
}

int rl_rows_progress_put_tally(struct rl_db *db, int64_t trainee, const char *requirement, int64_t signed_n,
			       int64_t pending_n, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO trainee_tally(trainee_id, requirement, signed, pending) "
					  "VALUES (?,?,?,?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, requirement, -1);
	rl_bind_int64(st, 3, signed_n);
	rl_bind_int64(st, 4, pending_n);
	return rl_db_run(db, st, "storing progress totals", err);
}

int rl_rows_progress_clear_all(struct rl_db *db, struct rl_error *err)
{
	return rl_db_exec(db, "DELETE FROM trainee_tally; DELETE FROM trainee_status;", err);
}

/* ------------------------------------------------- the accreditation list */

static void bind_scope(struct rl_stmt *st, const struct rl_rows_acc_query *q)
{
	rl_bind_int(st, 8, q->scoped != 0);
	if (q->scoped)
		rl_bind_int64(st, 99, q->scope_id);
}

/* A check row from its statement (the columns of rl_rows_progress_check_list and _one). */
static void read_check_row(struct rl_stmt *st, struct rl_row_progress_check *row)
{
	memset(row, 0, sizeof(*row));
	row->trainee = rl_col_int64(st, 0);
	row->missing = rl_col_int(st, 1);
	if (!row->missing) {
		read_status_cols(st, 2, &row->s);
		read_blob(st, 2 + RL_STATUS_NCOLS, &row->s.mac, &row->s.mac_len);
		row->last = rl_col_int64(st, 3 + RL_STATUS_NCOLS);
		row->claims.n = rl_col_int64(st, 4 + RL_STATUS_NCOLS);
		row->claims.ids = rl_col_int64(st, 5 + RL_STATUS_NCOLS);
		row->claims.revs = rl_col_int64(st, 6 + RL_STATUS_NCOLS);
	}
}

int rl_rows_progress_check_list(struct rl_db *db, const struct rl_rows_acc_query *q,
				int (*each)(void *ctx, const struct rl_row_progress_check *row), void *ctx,
				struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT u.id, CASE WHEN t.trainee_id IS NULL THEN 1 ELSE 0 END, " STATUS_COLS ", t.mac, "
		"(SELECT coalesce(max(l.idx), -1) FROM ledger l WHERE l.subject_id = u.id), "
		"coalesce(p.n, 0), coalesce(p.ids, 0), coalesce(p.revs, 0) "
		"FROM users u LEFT JOIN trainee_status t ON t.trainee_id = u.id "
		/* every trainee's claims as rl_rows_progress_claims gives them, in one pass over the pending records */
		"LEFT JOIN (SELECT trainee_id, count(*) AS n, sum(id) AS ids, sum(revision) AS revs FROM sessions "
		"WHERE status = 'pending' GROUP BY trainee_id) p ON p.trainee_id = u.id "
		"WHERE (u.roles & 1 <> 0) AND (u.curriculum_id IS NOT NULL OR t.trainee_id IS NOT NULL) "
		"AND (CAST(?2 AS TEXT) IS NULL OR u.site = ?2) "
		"AND (CAST(?5 AS TEXT) IS NULL OR replace(lower(u.name), lower(?5), '') <> lower(u.name)) "
		"AND (?8 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ")", err);
	struct rl_row_progress_check row;
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_db_bind_text(st, 2, q->site);
	rl_db_bind_text(st, 5, q->search);
	bind_scope(st, q);
	while ((rc = rl_step(st)) == RL_ROW) {
		read_check_row(st, &row);
		if ((stop = each(ctx, &row)) != 0)
			break;
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "checking the trainees' cached status", err);
}

int rl_rows_progress_check_one(struct rl_db *db, int64_t trainee,
			       int (*each)(void *ctx, const struct rl_row_progress_check *row), void *ctx,
			       struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT u.id, CASE WHEN t.trainee_id IS NULL THEN 1 ELSE 0 END, " STATUS_COLS ", t.mac, "
		"(SELECT coalesce(max(l.idx), -1) FROM ledger l WHERE l.subject_id = u.id), "
		/* the claims as rl_rows_progress_claims gives them */
		"(SELECT count(*) FROM sessions s WHERE s.trainee_id = u.id AND s.status = 'pending'), "
		"(SELECT coalesce(sum(s.id), 0) FROM sessions s WHERE s.trainee_id = u.id AND s.status = 'pending'), "
		"(SELECT coalesce(sum(s.revision), 0) FROM sessions s WHERE s.trainee_id = u.id AND s.status = 'pending') "
		"FROM users u LEFT JOIN trainee_status t ON t.trainee_id = u.id "
		"WHERE u.id = ? AND (u.roles & 1 <> 0) AND (u.curriculum_id IS NOT NULL OR t.trainee_id IS NOT NULL)", err);
	struct rl_row_progress_check row;
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	if ((rc = rl_step(st)) == RL_ROW) {
		read_check_row(st, &row);
		stop = each(ctx, &row);
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "checking a trainee's cached status", err) < 0 ? -1 : 0;
}

int rl_rows_progress_watch(struct rl_db *db, void (*touched)(void *ctx, int64_t id), void (*scope)(void *ctx),
			   void *ctx, struct rl_error *err)
{
	/* users.id and trainee_status.trainee_id are the tables' rowids. */
	static const char *const tables[] = { "users", "trainee_status", "ledger", "sessions", NULL };
	static const char *const columns[] = { NULL, NULL, "subject_id", "trainee_id", NULL };
	/* What the list's filters read besides those rows: the programmes' scope, the curricula's codes. */
	static const char *const others[] = { "programmes", "programme_members", "curricula", NULL };
	struct rl_db_watch w = {
		.tables = tables, .columns = columns, .touched = touched, .ctx = ctx, .any_tables = others, .any = scope,
	};

	return rl_db_watch_rows(db, &w, err);
}

/* One statement per sort order, so each is a static string the statement cache can keep. */
#define ACC_STATUS \
	"CASE WHEN t.status = 'accredited' AND t.accredited_until IS NOT NULL AND t.accredited_until < ?1 " \
	"THEN 'lapsed' ELSE coalesce(t.status, 'in_training') END"
#define ACC_PROGRESS \
	"coalesce(t.modules_met, 0) * 1.0 / CASE WHEN coalesce(t.modules_total, 0) > 1 THEN t.modules_total ELSE 1 END"
#define ACC_SELECT \
	"SELECT u.id, u.name, coalesce(u.site, ''), c.code, c.version, " ACC_STATUS " AS st, " \
	"coalesce(t.modules_met, 0) AS met, coalesce(t.modules_total, 0) AS total, coalesce(t.summary, '[]'), t.accredited_until " \
	"FROM users u JOIN trainee_status t ON t.trainee_id = u.id JOIN curricula c ON c.id = t.curriculum_id " \
	"WHERE (u.roles & 1 <> 0) AND (CAST(?2 AS TEXT) IS NULL OR u.site = ?2) AND (CAST(?3 AS TEXT) IS NULL OR c.code = ?3) " \
	"AND (CAST(?4 AS TEXT) IS NULL OR " ACC_STATUS " = ?4) AND (CAST(?5 AS TEXT) IS NULL OR replace(lower(u.name), lower(?5), '') <> lower(u.name)) " \
	"AND (?8 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ") "

int rl_rows_accreditation_page(struct rl_db *db, const struct rl_rows_acc_query *q,
			       int (*each)(void *ctx, const struct rl_row_accreditation *row), void *ctx,
			       struct rl_error *err)
{
	static const char *const by_name = ACC_SELECT "ORDER BY u.name, u.id LIMIT ?6 OFFSET ?7";
	static const char *const by_name_desc = ACC_SELECT "ORDER BY u.name DESC, u.id DESC LIMIT ?6 OFFSET ?7";
	static const char *const by_progress = ACC_SELECT "ORDER BY " ACC_PROGRESS ", u.id LIMIT ?6 OFFSET ?7";
	static const char *const by_progress_desc = ACC_SELECT "ORDER BY " ACC_PROGRESS " DESC, u.id LIMIT ?6 OFFSET ?7";
	static const char *const by_status = ACC_SELECT "ORDER BY st, u.name, u.id LIMIT ?6 OFFSET ?7";
	const char *sql = q->sort == RL_ACC_BY_NAME_DESC ? by_name_desc
			  : q->sort == RL_ACC_BY_PROGRESS ? by_progress
			  : q->sort == RL_ACC_BY_PROGRESS_DESC ? by_progress_desc
			  : q->sort == RL_ACC_BY_STATUS ? by_status : by_name;
	struct rl_stmt *st = rl_db_stmt(db, sql, err);
	struct rl_row_accreditation row;
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_text(st, 1, q->today, -1);
	rl_db_bind_text(st, 2, q->site);
	rl_db_bind_text(st, 3, q->curriculum);
	rl_db_bind_text(st, 4, q->status);
	rl_db_bind_text(st, 5, q->search);
	rl_bind_int(st, 6, q->limit);
	rl_bind_int64(st, 7, q->offset);
	bind_scope(st, q);
	while ((rc = rl_step(st)) == RL_ROW) {
		row.id = rl_col_int64(st, 0);
		row.name = rl_col_text(st, 1);
		row.site = rl_col_text(st, 2);
		row.code = rl_col_text(st, 3);
		row.version = rl_col_int(st, 4);
		row.status = rl_col_text(st, 5);
		row.met = rl_col_int(st, 6);
		row.total = rl_col_int(st, 7);
		row.summary = rl_col_text(st, 8);
		row.until = rl_col_is_null(st, 9) ? NULL : rl_col_text(st, 9);
		if ((stop = each(ctx, &row)) != 0)
			break;
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "listing trainees", err);
}

/* What the counts count: q's filters but status (?1 today, ?2 site, ?3 curriculum, ?5 search, ?8/?99 scope). */
#define ACC_COUNTED \
	"WHERE (u.roles & 1 <> 0) AND (CAST(?2 AS TEXT) IS NULL OR u.site = ?2) AND (CAST(?3 AS TEXT) IS NULL OR c.code = ?3) " \
	"AND (CAST(?5 AS TEXT) IS NULL OR replace(lower(u.name), lower(?5), '') <> lower(u.name)) " \
	"AND (?8 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ")"
/* Status rows first, through the index trainee_status_counts (020_list_counts.sql): an index-only
 * scan of the three columns counted.  The unary + keeps SQLite from starting at users and visiting
 * every status row by its key instead, which reads each row's summary (ten times the index). */
#define ACC_COUNTED_FROM "FROM users u JOIN trainee_status t ON u.id = +t.trainee_id JOIN curricula c ON c.id = t.curriculum_id "

static void bind_counted(struct rl_stmt *st, const struct rl_rows_acc_query *q)
{
	rl_bind_text(st, 1, q->today, -1);
	rl_db_bind_text(st, 2, q->site);
	rl_db_bind_text(st, 3, q->curriculum);
	rl_db_bind_text(st, 5, q->search);
	bind_scope(st, q);
}

int rl_rows_accreditation_counts(struct rl_db *db, const struct rl_rows_acc_query *q,
				 void (*each)(void *ctx, const char *status, int64_t n), void *ctx,
				 struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " ACC_STATUS " AS st, count(*) " ACC_COUNTED_FROM ACC_COUNTED
					  " GROUP BY st", err);

	if (!st)
		return -1;
	bind_counted(st, q);
	while (rl_step(st) == RL_ROW)
		each(ctx, rl_col_text(st, 0), rl_col_int64(st, 1));
	rl_reset(st);
	return 0;
}

int rl_rows_accreditation_counted(struct rl_db *db, const struct rl_rows_acc_query *q, int64_t only,
				  int (*each)(void *ctx, int64_t id, const char *status), void *ctx,
				  struct rl_error *err)
{
	/* One trainee: from their status row by its key. */
	struct rl_stmt *st = rl_db_stmt(db, only ? "SELECT t.trainee_id, " ACC_STATUS " "
					  "FROM trainee_status t JOIN users u ON u.id = t.trainee_id JOIN curricula c ON c.id = t.curriculum_id "
					  ACC_COUNTED " AND t.trainee_id = ?9"
					  : "SELECT t.trainee_id, " ACC_STATUS " " ACC_COUNTED_FROM ACC_COUNTED, err);

	if (!st)
		return -1;
	bind_counted(st, q);
	if (only)
		rl_bind_int64(st, 9, only);
	return rl_db_each_id_text(db, st, each, ctx, "counting trainees by status", err);
}
