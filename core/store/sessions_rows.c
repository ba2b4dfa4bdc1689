/*
 * sessions_rows.c - sessions and their earlier versions in SQL; see
 * sessions_rows.h.
 */
#include "base/prelude.h"

#include "store/sessions_rows.h"

#include <stdio.h>
#include <string.h>

#include "store/programmes_rows.h"

int rl_rows_session_pending_count(struct rl_db *db, int64_t trainee, int64_t trainer, int64_t *n,
				  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*) FROM sessions WHERE trainee_id = ? AND trainer_id = ? "
					  "AND status = 'pending'", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, trainer);
	return rl_db_lookup_int64(db, st, n, "counting pending sessions", err) < 0 ? -1 : 0;
}

int rl_rows_session_insert(struct rl_db *db, const struct rl_row_session_new *s, const char *created_at, int64_t *id,
			   struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"INSERT INTO sessions(trainee_id, trainer_id, date, minutes, activity, platform, site, "
		"procedure, steps, role, notes, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, s->trainee);
	rl_bind_int64(st, 2, s->trainer);
	rl_bind_text(st, 3, s->date, -1);
	rl_bind_int64(st, 4, s->minutes);
	rl_bind_text(st, 5, s->activity, -1);
	rl_db_bind_text(st, 6, s->platform);
	rl_db_bind_text(st, 7, s->site);
	rl_db_bind_text(st, 8, s->procedure);
	rl_db_bind_text(st, 9, s->steps);
	rl_db_bind_text(st, 10, s->role);
	rl_db_bind_text(st, 11, s->notes);
	rl_bind_text(st, 12, created_at, -1);
	if (rl_step_id(st, id) != RL_DONE)
		return rl_db_fail(db, err, "storing a session");
	return 0;
}

int rl_rows_session_update(struct rl_db *db, int64_t id, const struct rl_row_session_new *s, const char *now,
			   struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"UPDATE sessions SET trainer_id = ?, date = ?, minutes = ?, activity = ?, platform = ?, site = ?, "
		"procedure = ?, steps = ?, role = ?, notes = ?, revision = revision + 1, updated_at = ? "
		"WHERE id = ? AND status = 'pending'", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, s->trainer);
	rl_bind_text(st, 2, s->date, -1);
	rl_bind_int64(st, 3, s->minutes);
	rl_bind_text(st, 4, s->activity, -1);
	rl_db_bind_text(st, 5, s->platform);
	rl_db_bind_text(st, 6, s->site);
	rl_db_bind_text(st, 7, s->procedure);
	rl_db_bind_text(st, 8, s->steps);
	rl_db_bind_text(st, 9, s->role);
	rl_db_bind_text(st, 10, s->notes);
	rl_bind_text(st, 11, now, -1);
	rl_bind_int64(st, 12, id);
	return rl_db_run(db, st, "storing a session's correction", err);
}

int rl_rows_session_withdraw(struct rl_db *db, int64_t id, const char *now, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE sessions SET status = 'withdrawn', revision = revision + 1, "
					  "updated_at = ?1, withdrawn_at = ?1 WHERE id = ?2 AND status = 'pending'", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, id);
	return rl_db_run(db, st, "withdrawing a session", err);
}

int rl_rows_session_revision_insert(struct rl_db *db, int64_t session, int64_t revision, const char *fields,
				    const char *replaced_at, const char *replaced_by, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO session_revisions(session_id, revision, fields, replaced_at, "
					  "replaced_by) VALUES (?,?,?,?,?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, session);
	rl_bind_int64(st, 2, revision);
	rl_bind_text(st, 3, fields, -1);
	rl_bind_text(st, 4, replaced_at, -1);
	rl_bind_text(st, 5, replaced_by, -1);
	return rl_db_run(db, st, "keeping a session's earlier version", err);
}

#define SESSION_COLUMNS \
	"s.id, s.trainee_id, s.trainer_id, s.date, s.minutes, s.activity, s.platform, s.site, " \
	"s.procedure, s.steps, s.role, s.notes, s.status, s.signed_role, s.signed_steps, " \
	"s.signed_by, s.signed_at, s.signoff_index, s.reject_reason, s.created_at, " \
	"te.name, tr.name, s.revision, s.updated_at, s.withdrawn_at"
#define SESSION_FROM \
	" FROM sessions s JOIN users te ON te.id = s.trainee_id JOIN users tr ON tr.id = s.trainer_id"

static void session_row(struct rl_stmt *st, struct rl_row_session *r)
{
	memset(r, 0, sizeof(*r));
	r->id = rl_col_int64(st, 0);
	r->trainee = rl_col_int64(st, 1);
	r->trainer = rl_col_int64(st, 2);
	r->date = rl_col_text(st, 3);
	r->minutes = rl_col_int64(st, 4);
	r->activity = rl_col_text(st, 5);
	r->platform = rl_col_text(st, 6);
	r->site = rl_col_text(st, 7);
	r->procedure = rl_col_text(st, 8);
	r->steps = rl_col_text(st, 9);
	r->role = rl_col_text(st, 10);
	r->notes = rl_col_text(st, 11);
	r->status = rl_col_text(st, 12);
	r->signed_role = rl_col_text(st, 13);
	r->signed_steps = rl_col_text(st, 14);
	r->signed_at = rl_col_text(st, 16);
	r->reject_reason = rl_col_text(st, 18);
	r->created_at = rl_col_text(st, 19);
	r->trainee_name = rl_col_text(st, 20);
	r->trainer_name = rl_col_text(st, 21);
	r->revision = rl_col_int64(st, 22);
	r->updated_at = rl_col_text(st, 23);
	r->withdrawn_at = rl_col_text(st, 24);
	if (!rl_col_is_null(st, 17)) {
		r->has_signoff = 1;
		r->signoff_index = rl_col_int64(st, 17);
		r->signed_by = rl_col_int64(st, 15);
	}
}

/* session_call: a session row handed to the caller's typed each (rl_db_get_row, rl_db_each_row). */
RL_DB_ROW_READER(session, struct rl_row_session, session_row)

int rl_rows_session_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_session *row),
			void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " SESSION_COLUMNS SESSION_FROM " WHERE s.id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return rl_db_get_row(db, st, session_call, &(struct session_each){ each, ctx }, "reading a session", err);
}

int rl_rows_sessions_of_trainee(struct rl_db *db, int64_t trainee,
				int (*each)(void *ctx, const struct rl_row_session *row), void *ctx,
				struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " SESSION_COLUMNS SESSION_FROM
					  " WHERE s.trainee_id = ? ORDER BY s.date, s.id", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	return rl_db_each_row(db, st, session_call, &(struct session_each){ each, ctx }, "reading a trainee's sessions", err);
}

int rl_rows_sessions_list(struct rl_db *db, const struct rl_row_session_filter *f,
			  int (*each)(void *ctx, const struct rl_row_session *row), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " SESSION_COLUMNS SESSION_FROM
			" WHERE ((?2 <> 0 AND s.trainee_id = ?4) OR (?3 <> 0 AND s.trainer_id = ?4 AND s.status <> 'withdrawn')"
			" OR (?1 <> 0 AND " RL_FACULTY_SCOPE_SQL("s.trainee_id") "))"
			" AND (CAST(?5 AS BIGINT) IS NULL OR s.trainee_id = ?5) AND (CAST(?6 AS TEXT) IS NULL OR s.status = ?6)"
			" AND s.id < ?7 ORDER BY s.id DESC LIMIT ?8", err);

	if (!st)
		return -1;
	rl_bind_int(st, 1, f->faculty);
	rl_bind_int(st, 2, f->as_trainee);
	rl_bind_int(st, 3, f->as_trainer);
	rl_bind_int64(st, 4, f->me);
	if (f->trainee)
		rl_bind_int64(st, 5, f->trainee);
	rl_db_bind_text(st, 6, f->status);
	rl_bind_int64(st, 7, f->before_id);
	rl_bind_int(st, 8, (int)f->limit);
	rl_rows_scope_bind(st, f->me);
	return rl_db_each_row(db, st, session_call, &(struct session_each){ each, ctx }, "listing sessions", err);
}

int rl_rows_session_duplicate(struct rl_db *db, int64_t trainee, const char *date, const char *activity,
			      int64_t minutes, const char *procedure, int64_t exclude, int64_t *id,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM sessions WHERE trainee_id = ? AND date = ? AND activity = ? "
					  "AND minutes = ? AND procedure IS NOT DISTINCT FROM ? AND id <> ? "
					  "AND status IN ('pending', 'signed') ORDER BY id LIMIT 1", err);

	*id = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, date, -1);
	rl_bind_text(st, 3, activity, -1);
	rl_bind_int64(st, 4, minutes);
	rl_db_bind_text(st, 5, procedure);
	rl_bind_int64(st, 6, exclude);
	return rl_db_lookup_int64(db, st, id, "looking for duplicate sessions", err);
}

int rl_rows_session_names(struct rl_db *db, int64_t trainee, int64_t trainer, char *trainee_name, char *trainer_name,
			  size_t size, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT te.name, tr.name FROM users te, users tr WHERE te.id = ? AND tr.id = ?",
					err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, trainer);
	if ((rc = rl_step(st)) == RL_ROW) {
		snprintf(trainee_name, size, "%s", rl_col_text(st, 0));
		snprintf(trainer_name, size, "%s", rl_col_text(st, 1));
	}
	if ((rc = rl_db_finish(db, st, rc, "reading a session's names", err)) == 0)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no user %lld or %lld", (long long)trainee,
			     (long long)trainer);
	return rc > 0 ? 0 : -1;
}

int rl_rows_session_trainer_accredited(struct rl_db *db, int64_t trainer, const char *day, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT 1 FROM trainer_accreditations WHERE trainer_id = ? "
					  "AND valid_from <= ?2 AND valid_until >= ?2 AND revoked_index IS NULL", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainer);
	rl_bind_text(st, 2, day, -1);
	return rl_db_finish(db, st, rl_step(st), "reading the trainer's accreditation", err);
}

int rl_rows_session_revisions_of_signoff(struct rl_db *db, int64_t signoff_index,
					 int (*each)(void *ctx, int64_t session, int64_t revision, const char *fields),
					 void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT r.session_id, r.revision, r.fields FROM session_revisions r "
					  "JOIN sessions s ON s.id = r.session_id WHERE s.signoff_index = ?1", err);
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, signoff_index);
	while (!stop && (rc = rl_step(st)) == RL_ROW)
		stop = each(ctx, rl_col_int64(st, 0), rl_col_int64(st, 1), rl_col_text(st, 2));
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "reading the session's earlier versions", err);
}

int rl_rows_session_revision_set_fields(struct rl_db *db, int64_t session, int64_t revision, const char *fields,
					struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE session_revisions SET fields = ? WHERE session_id = ? AND "
					  "revision = ?", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, fields, -1);
	rl_bind_int64(st, 2, session);
	rl_bind_int64(st, 3, revision);
	return rl_db_run(db, st, "erasing the notes of the session's earlier versions", err);
}
