/*
 * supervision_rows.c - assignments and supervision in SQL; see
 * supervision_rows.h.
 */
#include "base/prelude.h"

#include "store/supervision_rows.h"

#include "store/programmes_rows.h"

int rl_rows_supervises(struct rl_db *db, int64_t trainer, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT CASE WHEN EXISTS (SELECT 1 FROM assignments WHERE trainer_id = ?1 AND trainee_id = ?2) "
					  "OR EXISTS (SELECT 1 FROM sessions WHERE trainee_id = ?2 AND trainer_id = ?1 AND status <> 'withdrawn') "
					  "THEN 1 ELSE 0 END", err);
	int found, rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainer);
	rl_bind_int64(st, 2, trainee);
	rc = rl_step(st);
	found = rc == RL_ROW && rl_col_int(st, 0);
	return rl_db_finish(db, st, rc, "checking supervision", err) < 0 ? -1 : found;
}

/* Whom a trainer supervises: named on a session not withdrawn, or assigned by faculty. */
#define SUPERVISED_SQL "SELECT trainee_id FROM sessions WHERE trainer_id = ?1 AND status <> 'withdrawn' " \
		       "UNION SELECT trainee_id FROM assignments WHERE trainer_id = ?1"

int rl_rows_supervised(struct rl_db *db, int64_t trainer, int (*each)(void *ctx, int64_t trainee), void *ctx,
		       struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, SUPERVISED_SQL, err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainer);
	return rl_db_each_id(db, st, each, ctx, "reading whose records you may see", err);
}

int rl_rows_assignment_insert(struct rl_db *db, int64_t trainer, int64_t trainee, int64_t by, const char *created_at,
			      int64_t *id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO assignments(trainer_id, trainee_id, assigned_by, created_at) VALUES (?,?,?,?) "
					  "RETURNING id", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainer);
	rl_bind_int64(st, 2, trainee);
	rl_bind_int64(st, 3, by);
	rl_bind_text(st, 4, created_at, -1);
	if (rl_step_id(st, id) != RL_DONE) {
		/* left as the step left it, so rl_db_unique_violation still tells */
		return rl_db_fail(db, err, "storing the assignment");
	}
	return 0;
}

int rl_rows_assignment_delete(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "DELETE FROM assignments WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return rl_db_run(db, st, "removing the assignment", err);
}

#define ASSIGNMENT_SELECT \
	"SELECT a.id, a.trainer_id, r.name, a.trainee_id, t.name, a.assigned_by, a.created_at " \
	"FROM assignments a JOIN users r ON r.id = a.trainer_id JOIN users t ON t.id = a.trainee_id "

static void assignment_row(struct rl_stmt *st, struct rl_row_assignment *r)
{
	r->id = rl_col_int64(st, 0);
	r->trainer = rl_col_int64(st, 1);
	r->trainer_name = rl_col_text(st, 2);
	r->trainee = rl_col_int64(st, 3);
	r->trainee_name = rl_col_text(st, 4);
	r->assigned_by = rl_col_int64(st, 5);
	r->created_at = rl_col_text(st, 6);
}

/* assignment_call: a assignment row handed to the caller's typed each (rl_db_get_row, rl_db_each_row). */
RL_DB_ROW_READER(assignment, struct rl_row_assignment, assignment_row)

int rl_rows_assignment_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_assignment *row),
			   void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, ASSIGNMENT_SELECT "WHERE a.id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return rl_db_get_row(db, st, assignment_call, &(struct assignment_each){ each, ctx }, "reading an assignment", err);
}

int rl_rows_assignments_list(struct rl_db *db, const struct rl_row_assignment_filter *f,
			     int (*each)(void *ctx, const struct rl_row_assignment *row), void *ctx,
			     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, ASSIGNMENT_SELECT
		"WHERE (?1 <> 0 OR (?2 <> 0 AND a.trainer_id = ?4) OR (?3 <> 0 AND a.trainee_id = ?4) "
		"OR (?7 <> 0 AND " RL_FACULTY_SCOPE_SQL("a.trainee_id") ")) "
		"AND (?5 = 0 OR a.trainer_id = ?5) AND (?6 = 0 OR a.trainee_id = ?6) ORDER BY a.id", err);

	if (!st)
		return -1;
	rl_bind_int(st, 1, f->all);
	rl_bind_int(st, 2, f->as_trainer);
	rl_bind_int(st, 3, f->as_trainee);
	rl_bind_int64(st, 4, f->me);
	rl_bind_int64(st, 5, f->trainer);
	rl_bind_int64(st, 6, f->trainee);
	rl_bind_int(st, 7, f->faculty);
	rl_rows_scope_bind(st, f->me);
	return rl_db_each_row(db, st, assignment_call, &(struct assignment_each){ each, ctx }, "listing assignments", err);
}
