/*
 * oversight_rows.c - the ledger's sign-offs, waiting sessions and stuck
 * trainees' figures in SQL; see oversight_rows.h.
 */
#include "base/prelude.h"

#include "store/oversight_rows.h"

#include <stdio.h>

/*
 * The visible trainees as parameters ?11 to ?138 of "IN " VISIBLE_IN, so one
 * query reads only their rows through an index: the work of a request
 * follows the size of the caller's programme, not of the whole database.
 * Unused slots are NULL, which matches nothing.  (A list in one parameter
 * would need json_each, which PostgreSQL lacks.)
 */
#define VISIBLE_IN "(?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49, ?50, ?51, ?52, ?53, ?54, ?55, ?56, ?57, ?58, ?59, ?60, ?61, ?62, ?63, ?64, ?65, ?66, ?67, ?68, ?69, ?70, ?71, ?72, ?73, ?74, ?75, ?76, ?77, ?78, ?79, ?80, ?81, ?82, ?83, ?84, ?85, ?86, ?87, ?88, ?89, ?90, ?91, ?92, ?93, ?94, ?95, ?96, ?97, ?98, ?99, ?100, ?101, ?102, ?103, ?104, ?105, ?106, ?107, ?108, ?109, ?110, ?111, ?112, ?113, ?114, ?115, ?116, ?117, ?118, ?119, ?120, ?121, ?122, ?123, ?124, ?125, ?126, ?127, ?128, ?129, ?130, ?131, ?132, ?133, ?134, ?135, ?136, ?137, ?138)"

static int visible_all(const struct rl_rows_trainees *t)
{
	return t->all || t->n > RL_ROWS_VISIBLE_SLOTS;
}

static void visible_bind(struct rl_stmt *st, const struct rl_rows_trainees *t)
{
	for (size_t i = 0; i < RL_ROWS_VISIBLE_SLOTS; i++) {
		if (!t->all && i < t->n)
			rl_bind_int64(st, 11 + (int)i, t->ids[i]);
		else
			rl_bind_null(st, 11 + (int)i);
	}
}

/*
 * A statement over the trainees' rows: sql_all when they are every trainee
 * (or more than RL_ROWS_VISIBLE_SLOTS), else sql_some with the ids bound.
 */
static struct rl_stmt *visible_stmt(struct rl_db *db, const struct rl_rows_trainees *t, const char *sql_all,
				  const char *sql_some, struct rl_error *err)
{
	struct rl_stmt *st;

	if (visible_all(t))
		return rl_db_stmt(db, sql_all, err);
	if (!(st = rl_db_stmt(db, sql_some, err)))
		return NULL;
	visible_bind(st, t);
	return st;
}

/* Runs st and calls each with columns idx, message of every row. */
static int each_message(struct rl_db *db, struct rl_stmt *st,
			int (*each)(void *ctx, int64_t index, const char *message, size_t len), void *ctx,
			const char *what, struct rl_error *err)
{
	int rc, stop = 0;

	while (!stop && (rc = rl_step(st)) == RL_ROW)
		stop = each(ctx, rl_col_int64(st, 0), rl_col_text(st, 1), (size_t)rl_col_bytes(st, 1));
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, what, err);
}

int rl_rows_oversight_signoff_messages(struct rl_db *db, int (*each)(void *ctx, const char *message, size_t len),
				       void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT message FROM ledger WHERE kind = 'session_signoff' ORDER BY idx",
					err);
	int rc, stop = 0;

	if (!st)
		return -1;
	while (!stop && (rc = rl_step(st)) == RL_ROW)
		stop = each(ctx, rl_col_text(st, 0), (size_t)rl_col_bytes(st, 0));
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "reading the sign-offs", err);
}

int rl_rows_oversight_signoffs_of(struct rl_db *db, const struct rl_rows_trainees *t,
				  int (*each)(void *ctx, int64_t index, const char *message, size_t len), void *ctx,
				  struct rl_error *err)
{
	struct rl_stmt *st = visible_stmt(db, t,
		"SELECT l.idx, l.message FROM ledger l WHERE l.kind = 'session_signoff' ORDER BY l.idx",
		"SELECT l.idx, l.message FROM ledger l WHERE l.subject_id IN " VISIBLE_IN " "
		"AND l.kind = 'session_signoff' ORDER BY l.idx", err);

	if (!st)
		return -1;
	return each_message(db, st, each, ctx, "reading the ledger", err);
}

static void pending_row(struct rl_stmt *st, struct rl_row_pending *r)
{
	r->trainer = rl_col_int64(st, 0);
	r->trainee = rl_col_int64(st, 1);
	r->created_at = rl_col_text(st, 2);
}

/* pending_call: a waiting session's row handed to the caller's typed each (rl_db_each_row). */
RL_DB_ROW_READER(pending, struct rl_row_pending, pending_row)

int rl_rows_oversight_pending(struct rl_db *db, const struct rl_rows_trainees *t,
			      int (*each)(void *ctx, const struct rl_row_pending *row), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = visible_stmt(db, t, "SELECT trainer_id, trainee_id, created_at FROM sessions "
						 "WHERE status = 'pending' ORDER BY id",
					  "SELECT trainer_id, trainee_id, created_at FROM sessions WHERE trainee_id IN "
					  VISIBLE_IN " AND status = 'pending' ORDER BY id", err);

	if (!st)
		return -1;
	return rl_db_each_row(db, st, pending_call, &(struct pending_each){ each, ctx }, "reading waiting sessions", err);
}

static void stuck_row(struct rl_stmt *st, struct rl_row_stuck *r)
{
	r->trainee = rl_col_int64(st, 0);
	r->name = rl_col_text(st, 1);
	r->joined = rl_col_text(st, 2);
	r->has_programme = !rl_col_is_null(st, 3);
	r->programme = r->has_programme ? rl_col_int64(st, 3) : 0;
	r->programme_name = rl_col_text(st, 4);
	r->last_signed_at = rl_col_text(st, 5);
	r->oldest_pending_since = rl_col_text(st, 6);
	r->waiting = rl_col_int64(st, 7);
	r->threshold_days = rl_col_int64(st, 8);
}

/* stuck_call: a stuck trainee's row handed to the caller's typed each (rl_db_each_row). */
RL_DB_ROW_READER(stuck, struct rl_row_stuck, stuck_row)

int rl_rows_oversight_stuck(struct rl_db *db, int days, int default_days, const struct rl_rows_trainees *t,
			    int (*each)(void *ctx, const struct rl_row_stuck *row), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT u.id, u.name, u.created_at, pr.id, pr.name, "
		/* the newest such entry, walking back from the trainee's last (as store/notify_rows.c) */
		" (SELECT l.created_at FROM ledger l WHERE l.subject_id = u.id AND (l.kind IN ('assessment', "
		"  'module_completion') OR (l.kind = 'session_signoff' AND replace(l.message, '\"decision\":\"confirmed\"', '') <> l.message)) "
		"  ORDER BY l.idx DESC LIMIT 1), "
		" (SELECT min(s.created_at) FROM sessions s WHERE s.trainee_id = u.id AND s.status = 'pending'), "
		" (SELECT count(*) FROM sessions s WHERE s.trainee_id = u.id AND s.status = 'pending'), "
		" CASE WHEN ?1 > 0 THEN ?1 ELSE coalesce(pr.reminder_days, ?2) END "
		"FROM users u LEFT JOIN trainee_status ts ON ts.trainee_id = u.id "
		"LEFT JOIN programme_members pm ON pm.user_id = u.id AND pm.until_at IS NULL "
		"LEFT JOIN programmes pr ON pr.id = pm.programme_id "
		"WHERE (u.roles & 1 <> 0) AND u.active = 1 AND coalesce(ts.status, 'in_training') = 'in_training' "
		/* only the visible trainees' figures are computed (?3: every trainee) */
		"AND (?3 <> 0 OR u.id IN " VISIBLE_IN ") ORDER BY u.id", err);

	if (!st)
		return -1;
	rl_bind_int(st, 3, visible_all(t));
	visible_bind(st, t);
	rl_bind_int(st, 1, days);
	rl_bind_int(st, 2, default_days);
	return rl_db_each_row(db, st, stuck_call, &(struct stuck_each){ each, ctx }, "listing stuck trainees", err);
}

int rl_rows_oversight_user_name(struct rl_db *db, int64_t id, char *buf, size_t size, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT name FROM users WHERE id = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	if ((rc = rl_step(st)) == RL_ROW)
		snprintf(buf, size, "%s", rl_col_text(st, 0));
	return rl_db_finish(db, st, rc, "reading a name", err);
}
