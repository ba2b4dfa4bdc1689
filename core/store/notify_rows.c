/*
 * notify_rows.c - what notifications read and write; see notify_rows.h.
 */
#include "base/prelude.h"

#include "store/notify_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/scope.h"

/*
 * SQL for a person's effective choice of each kind: their stored one, else
 * on for the role it concerns (2 trainer, 1 trainee, 4 faculty).  Needs
 * users as u and notify_prefs as p (LEFT JOIN notify_prefs p ON p.user_id = u.id).
 */
#define WANTS_REMINDERS "coalesce(p.reminders, CASE WHEN (u.roles & 2) <> 0 THEN 1 ELSE 0 END)"
#define WANTS_DECISIONS "coalesce(p.decisions, CASE WHEN (u.roles & 1) <> 0 THEN 1 ELSE 0 END)"
#define WANTS_DIGEST "coalesce(p.digest, CASE WHEN (u.roles & 4) <> 0 THEN 1 ELSE 0 END)"

/* ---- preferences ---------------------------------------------------------------------- */

int rl_rows_notify_prefs(struct rl_db *db, int64_t user, int *reminders, int *decisions, int *digest,
			 struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT " WANTS_REMINDERS ", " WANTS_DECISIONS ", " WANTS_DIGEST " FROM users u "
		"LEFT JOIN notify_prefs p ON p.user_id = u.id WHERE u.id = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	if ((rc = rl_step(st)) == RL_ROW) {
		*reminders = rl_col_int(st, 0);
		*decisions = rl_col_int(st, 1);
		*digest = rl_col_int(st, 2);
	}
	return rl_db_finish(db, st, rc, "reading notification preferences", err);
}

int rl_rows_notify_prefs_put(struct rl_db *db, int64_t user, int reminders, int decisions, int digest,
			     const char *now, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO notify_prefs(user_id, reminders, decisions, digest, updated_at) "
					  "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(user_id) DO UPDATE SET reminders = ?2, "
					  "decisions = ?3, digest = ?4, updated_at = ?5", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	rl_bind_int(st, 2, reminders);
	rl_bind_int(st, 3, decisions);
	rl_bind_int(st, 4, digest);
	rl_bind_text(st, 5, now, -1);
	return rl_db_run(db, st, "storing notification preferences", err);
}

int rl_rows_notify_person(struct rl_db *db, int64_t id, int reminders, struct rl_row_notify_person *p,
			  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, reminders
		? "SELECT u.name, u.email, CASE WHEN u.active = 1 AND " WANTS_REMINDERS " = 1 THEN 1 ELSE 0 END FROM users u "
		  "LEFT JOIN notify_prefs p ON p.user_id = u.id WHERE u.id = ?"
		: "SELECT u.name, u.email, CASE WHEN u.active = 1 AND " WANTS_DECISIONS " = 1 THEN 1 ELSE 0 END FROM users u "
		  "LEFT JOIN notify_prefs p ON p.user_id = u.id WHERE u.id = ?", err);
	int rc;

	memset(p, 0, sizeof(*p));
	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	if ((rc = rl_step(st)) == RL_ROW) {
		snprintf(p->name, sizeof(p->name), "%s", rl_col_text(st, 0));
		snprintf(p->email, sizeof(p->email), "%s", rl_col_text(st, 1));
		p->wants = rl_col_int(st, 2);
	}
	return rl_db_finish(db, st, rc, "reading a user", err);
}

/* ---- reminders ------------------------------------------------------------------------ */

int rl_rows_notify_trainers_waiting(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_notify_trainer *row),
				    void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT s.trainer_id, u.name, u.email, count(*), min(s.created_at), "
		/* the trainer's programmes' thresholds; the strictest when they serve several */
		"coalesce((SELECT min(pr.reminder_count) FROM programme_members pm JOIN programmes pr ON pr.id = "
		"pm.programme_id WHERE pm.user_id = u.id AND pm.until_at IS NULL), -1), "
		"coalesce((SELECT min(pr.reminder_days) FROM programme_members pm JOIN programmes pr ON pr.id = "
		"pm.programme_id WHERE pm.user_id = u.id AND pm.until_at IS NULL), -1) FROM sessions s "
		"JOIN users u ON u.id = s.trainer_id LEFT JOIN notify_prefs p ON p.user_id = u.id "
		"WHERE s.status = 'pending' AND u.active = 1 AND " WANTS_REMINDERS " = 1 "
		"GROUP BY s.trainer_id, u.id ORDER BY s.trainer_id", err);
	int rc;

	if (!st)
		return -1;
	while ((rc = rl_step(st)) == RL_ROW) {
		struct rl_row_notify_trainer row = {
			.trainer = rl_col_int64(st, 0),
			.name = rl_col_text(st, 1),
			.email = rl_col_text(st, 2),
			.waiting = rl_col_int64(st, 3),
			.oldest = rl_col_text(st, 4),
			.programme_count = rl_col_int64(st, 5),
			.programme_days = rl_col_int64(st, 6),
		};
		int stop = each(ctx, &row);

		if (stop) {
			rl_reset(st);
			return stop;
		}
	}
	return rl_db_finish(db, st, rc, "finding the trainers to remind", err);
}

int rl_rows_notify_waiting_sessions(struct rl_db *db, int64_t trainer, int max,
				    int (*each)(void *ctx, const struct rl_row_notify_waiting *row), void *ctx,
				    struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT s.date, u.name, s.activity FROM sessions s JOIN users u ON u.id = s.trainee_id "
		"WHERE s.trainer_id = ? AND s.status = 'pending' ORDER BY s.date, s.id LIMIT ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainer);
	rl_bind_int(st, 2, max);
	while ((rc = rl_step(st)) == RL_ROW) {
		struct rl_row_notify_waiting row = {
			.date = rl_col_text(st, 0),
			.trainee_name = rl_col_text(st, 1),
			.activity = rl_col_text(st, 2),
		};
		int stop = each(ctx, &row);

		if (stop) {
			rl_reset(st);
			return stop;
		}
	}
	return rl_db_finish(db, st, rc, "listing a trainer's waiting sessions", err);
}

/* ---- progress ------------------------------------------------------------------------- */

int rl_rows_notify_trainee_status(struct rl_db *db, int64_t trainee, char *status, size_t size, char **summary,
				  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT status, summary FROM trainee_status WHERE trainee_id = ?", err);
	const char *s;
	int rc;

	status[0] = '\0';
	*summary = NULL;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	if ((rc = rl_step(st)) == RL_ROW) {
		snprintf(status, size, "%s", rl_col_text(st, 0));
		if ((s = rl_col_text(st, 1)) && !(*summary = strdup(s))) {
			rl_reset(st);
			return rl_error_internal(err, "out of memory");
		}
	}
	return rl_db_finish(db, st, rc, "reading a trainee's status", err);
}

int rl_rows_notify_milestone_insert(struct rl_db *db, int64_t trainee, const char *kind, const char *module,
				    int64_t ledger_index, const char *at, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO progress_milestones(trainee_id, kind, module, ledger_index, at) "
					  "VALUES (?, ?, ?, ?, ?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, kind, -1);
	rl_db_bind_text(st, 3, module);
	rl_bind_int64(st, 4, ledger_index);
	rl_bind_text(st, 5, at, -1);
	return rl_db_run(db, st, "recording a progress milestone", err);
}

/* ---- corrections ---------------------------------------------------------------------- */

int rl_rows_notify_session(struct rl_db *db, int64_t id, struct rl_row_notify_session *s, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT trainee_id, trainer_id, date, activity, status, revision "
					  "FROM sessions WHERE id = ?", err);
	int rc;

	memset(s, 0, sizeof(*s));
	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	if ((rc = rl_step(st)) == RL_ROW) {
		s->trainee = rl_col_int64(st, 0);
		s->trainer = rl_col_int64(st, 1);
		snprintf(s->date, sizeof(s->date), "%s", rl_col_text(st, 2));
		snprintf(s->activity, sizeof(s->activity), "%s", rl_col_text(st, 3));
		snprintf(s->status, sizeof(s->status), "%s", rl_col_text(st, 4));
		s->revision = rl_col_int64(st, 5);
	}
	return rl_db_finish(db, st, rc, "reading a session", err);
}

/* ---- the faculty digest --------------------------------------------------------------- */

int rl_rows_notify_digest_faculty(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_notify_faculty *row),
				  void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT u.id, u.name, u.email FROM users u LEFT JOIN notify_prefs p ON p.user_id = u.id "
		"WHERE (u.roles & 4 <> 0) AND u.active = 1 AND " WANTS_DIGEST " = 1 ORDER BY u.id", err);
	int rc;

	if (!st)
		return -1;
	while ((rc = rl_step(st)) == RL_ROW) {
		struct rl_row_notify_faculty row = {
			.id = rl_col_int64(st, 0),
			.name = rl_col_text(st, 1),
			.email = rl_col_text(st, 2),
		};
		int stop = each(ctx, &row);

		if (stop) {
			rl_reset(st);
			return stop;
		}
	}
	return rl_db_finish(db, st, rc, "finding the faculty", err);
}

int rl_rows_notify_newly_eligible(struct rl_db *db, int64_t faculty, const char *since,
				  int (*each)(void *ctx, const struct rl_row_notify_trainee *row), void *ctx,
				  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT u.id, u.name, substr(max(m.at), 1, 10) FROM progress_milestones m "
		"JOIN users u ON u.id = m.trainee_id JOIN trainee_status ts ON ts.trainee_id = u.id "
		"WHERE m.kind = 'eligible' AND m.at >= ? AND ts.status = 'eligible' AND u.active = 1 "
		"AND " RL_FACULTY_SCOPE_SQL("u.id") " GROUP BY u.id ORDER BY max(m.at), u.name", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_text(st, 1, since, -1);
	rl_bind_int64(st, RL_FACULTY_SCOPE_PARAM, faculty);
	while ((rc = rl_step(st)) == RL_ROW) {
		struct rl_row_notify_trainee row = {
			.id = rl_col_int64(st, 0),
			.name = rl_col_text(st, 1),
			.since = rl_col_text(st, 2),
		};
		int stop = each(ctx, &row);

		if (stop) {
			rl_reset(st);
			return stop;
		}
	}
	return rl_db_finish(db, st, rc, "listing newly eligible trainees", err);
}

int rl_rows_notify_eligible_count(struct rl_db *db, int64_t faculty, int64_t *n, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*) FROM trainee_status ts JOIN users u ON u.id = ts.trainee_id "
					  "WHERE ts.status = 'eligible' AND u.active = 1 AND " RL_FACULTY_SCOPE_SQL("u.id"), err);

	*n = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, RL_FACULTY_SCOPE_PARAM, faculty);
	return rl_db_lookup_int64(db, st, n, "counting eligible trainees", err) < 0 ? -1 : 0;
}

int rl_rows_notify_stuck(struct rl_db *db, int64_t faculty, const char *cutoff,
			 int (*each)(void *ctx, const struct rl_row_notify_trainee *row), void *ctx,
			 struct rl_error *err)
{
	/*
	 * As the stuck report (domain/oversight.c) reads it: "last signed" is when the ledger took
	 * the trainee's last confirmed sign-off, assessment or module completion, not a record row's signed_at.
	 * The newest such entry, found walking the trainee's entries back from the last (ledger_by_subject):
	 * entries are stamped when appended, so it is also the latest time.  max(created_at) read the
	 * message of every entry of every trainee: 18 s at full scale, in the writer's transaction (issue 18).
	 */
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT id, name, last_signed, oldest_pending, waiting FROM ("
		" SELECT u.id, u.name, u.created_at AS joined,"
		"  (SELECT l.created_at FROM ledger l WHERE l.subject_id = u.id AND (l.kind IN ('assessment',"
		"   'module_completion') OR (l.kind = 'session_signoff' AND"
		"   replace(l.message, '\"decision\":\"confirmed\"', '') <> l.message)) ORDER BY l.idx DESC LIMIT 1)"
		"   AS last_signed,"
		"  (SELECT min(s.created_at) FROM sessions s WHERE s.trainee_id = u.id AND s.status = 'pending') AS oldest_pending,"
		"  (SELECT count(*) FROM sessions s WHERE s.trainee_id = u.id AND s.status = 'pending') AS waiting"
		" FROM users u LEFT JOIN trainee_status ts ON ts.trainee_id = u.id"
		" WHERE (u.roles & 1 <> 0) AND u.active = 1 AND coalesce(ts.status, 'in_training') = 'in_training'"
		" AND " RL_FACULTY_SCOPE_SQL("u.id") ") AS t"
		" WHERE coalesce(last_signed, joined) < ?1 OR oldest_pending < ?1"
		" ORDER BY coalesce(last_signed, joined), name", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_text(st, 1, cutoff, -1);
	rl_bind_int64(st, RL_FACULTY_SCOPE_PARAM, faculty);
	while ((rc = rl_step(st)) == RL_ROW) {
		struct rl_row_notify_trainee row = {
			.id = rl_col_int64(st, 0),
			.name = rl_col_text(st, 1),
			.last_signed = rl_col_text(st, 2),
			.oldest_pending = rl_col_text(st, 3),
			.waiting = rl_col_int64(st, 4),
		};
		int stop = each(ctx, &row);

		if (stop) {
			rl_reset(st);
			return stop;
		}
	}
	return rl_db_finish(db, st, rc, "listing stuck trainees", err);
}

int rl_rows_notify_queues(struct rl_db *db, int64_t faculty, int max,
			  int (*each)(void *ctx, const struct rl_row_notify_queue *row), void *ctx,
			  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT u.name, count(*), substr(min(s.created_at), 1, 10) FROM sessions s JOIN users u ON u.id = s.trainer_id "
		"WHERE s.status = 'pending' AND " RL_FACULTY_SCOPE_SQL("s.trainee_id") " "
		"GROUP BY s.trainer_id, u.id ORDER BY count(*) DESC, min(s.created_at), u.name LIMIT ?1", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int(st, 1, max);
	rl_bind_int64(st, RL_FACULTY_SCOPE_PARAM, faculty);
	while ((rc = rl_step(st)) == RL_ROW) {
		struct rl_row_notify_queue row = {
			.trainer_name = rl_col_text(st, 0),
			.waiting = rl_col_int64(st, 1),
			.oldest = rl_col_text(st, 2),
		};
		int stop = each(ctx, &row);

		if (stop) {
			rl_reset(st);
			return stop;
		}
	}
	return rl_db_finish(db, st, rc, "listing the trainers' queues", err);
}
