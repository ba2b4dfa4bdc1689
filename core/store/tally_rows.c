/*
 * tally_rows.c - trainee_tally, trainee_status.ledger_through and the
 * session columns tallies count; see tally_rows.h.
 */
#include "base/prelude.h"

#include "store/tally_rows.h"

#include "store/sql.h"

void rl_row_tally_session_release(struct rl_row_tally_session *s)
{
	if (!s)
		return;
	free(s->status);
	free(s->activity);
	free(s->platform);
	free(s->role);
	free(s->steps_json);
	memset(s, 0, sizeof(*s));
}

/* A copy of a text column, NULL for NULL; *oom set when the copy fails. */
static char *col_dup(struct rl_stmt *st, int i, int *oom)
{
	const char *v = rl_col_text(st, i);
	char *c;

	if (!v)
		return NULL;
	if (!(c = strdup(v)))
		*oom = 1;
	return c;
}

int rl_rows_tally_session(struct rl_db *db, int64_t session, struct rl_row_tally_session *out,
			  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT trainee_id, status, signoff_index, activity, platform, minutes, "
					"role, steps FROM sessions WHERE id = ?", err);
	int rc, oom = 0;

	memset(out, 0, sizeof(*out));
	out->signoff_index = -1;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, session);
	if ((rc = rl_step(st)) == RL_ROW) {
		out->trainee = rl_col_int64(st, 0);
		out->status = col_dup(st, 1, &oom);
		out->signoff_index = rl_col_is_null(st, 2) ? -1 : rl_col_int64(st, 2);
		out->activity = col_dup(st, 3, &oom);
		out->platform = col_dup(st, 4, &oom);
		out->minutes = rl_col_int64(st, 5);
		out->role = col_dup(st, 6, &oom);
		out->steps_json = col_dup(st, 7, &oom);
		if (!out->status)
			oom |= !(out->status = strdup(""));
	}
	if (oom) {
		rl_reset(st);
		rl_row_tally_session_release(out);
		return rl_error_internal(err, "out of memory reading a session");
	}
	return rl_db_finish(db, st, rc, "reading a session", err);
}

int rl_rows_tally_upsert(struct rl_db *db, int64_t trainee, const char *requirement, int64_t signed_amount,
			 int64_t pending_amount, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO trainee_tally(trainee_id, requirement, signed, pending) "
					"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (trainee_id, requirement) DO UPDATE "
					"SET signed = trainee_tally.signed + ?3, pending = trainee_tally.pending + ?4", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, requirement, -1);
	rl_bind_int64(st, 3, signed_amount);
	rl_bind_int64(st, 4, pending_amount);
	return rl_db_run(db, st, "updating progress totals", err);
}

int rl_rows_tally_add_pending(struct rl_db *db, int64_t trainee, const char *requirement, int64_t pending_amount,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE trainee_tally SET pending = pending + ?3 "
					"WHERE trainee_id = ?1 AND requirement = ?2", err);
	int64_t changed = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, requirement, -1);
	rl_bind_int64(st, 3, pending_amount);
	if (rl_db_run_changes(db, st, "updating progress totals", &changed, err) < 0)
		return -1;
	return changed > 0;
}

int rl_rows_tally_prune(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "DELETE FROM trainee_tally WHERE trainee_id = ? AND signed = 0 AND pending = 0",
					err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	return rl_db_run(db, st, "updating progress totals", err);
}

int rl_rows_tally_list(struct rl_db *db, int64_t trainee,
		       int (*each)(void *ctx, const char *requirement, int64_t signed_amount, int64_t pending_amount),
		       void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT requirement, signed, pending FROM trainee_tally WHERE trainee_id = ?",
					err);
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW) {
		const char *req = rl_col_text(st, 0);

		if ((stop = each(ctx, req ? req : "", rl_col_int64(st, 1), rl_col_int64(st, 2))) != 0)
			break;
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "reading progress totals", err);
}

/* Steps st (bound) and gives its first column, when not NULL, as the trainee's ledger_through: 1, 0 none, -1. */
static int through_row(struct rl_db *db, struct rl_stmt *st, int64_t *through, struct rl_error *err)
{
	int rc = rl_step(st), found = 0;

	if (rc == RL_ROW && !rl_col_is_null(st, 0)) {
		*through = rl_col_int64(st, 0);
		found = 1;
	}
	return rl_db_finish(db, st, rc, "reading a trainee's status", err) < 0 ? -1 : found;
}

int rl_rows_tally_through(struct rl_db *db, int64_t trainee, int64_t *through, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT ledger_through FROM trainee_status WHERE trainee_id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	return through_row(db, st, through, err);
}

int rl_rows_tally_through_alone(struct rl_db *db, int64_t trainee, int64_t before, int64_t *through,
				struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT s.ledger_through FROM trainee_status s "
					"WHERE s.trainee_id = ?1 AND s.ledger_through >= 0 AND s.ledger_through < ?2 "
					"AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.subject_id = ?1 "
					"AND l.idx > s.ledger_through AND l.idx < ?2)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, before);
	return through_row(db, st, through, err);
}
