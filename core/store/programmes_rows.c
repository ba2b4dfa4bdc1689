/*
 * programmes_rows.c - programmes, memberships and the faculty scope rule
 * in SQL; see programmes_rows.h.
 */
#include "base/prelude.h"

#include "store/programmes_rows.h"

#include <string.h>

void rl_rows_scope_bind(struct rl_stmt *st, int64_t faculty)
{
	rl_bind_int64(st, 99, faculty);
}

int rl_rows_programmes_none(struct rl_db *db, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT CASE WHEN EXISTS (SELECT 1 FROM programmes) THEN 0 ELSE 1 END", err);
	int rc, none = 0;

	if (!st)
		return -1;
	if ((rc = rl_step(st)) == RL_ROW)
		none = rl_col_int(st, 0) != 0;
	return rl_db_finish(db, st, rc, "reading the programmes", err) < 0 ? -1 : none;
}

int rl_rows_programme_faculty_sees(struct rl_db *db, int64_t faculty, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT CASE WHEN " RL_FACULTY_SCOPE_SQL("?1") " THEN 1 ELSE 0 END", err);
	int rc, sees = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_rows_scope_bind(st, faculty);
	if ((rc = rl_step(st)) == RL_ROW)
		sees = rl_col_int(st, 0) != 0;
	return rl_db_finish(db, st, rc, "reading the trainee's programme", err) < 0 ? -1 : sees;
}

/* Whom a faculty member oversees, when programmes exist. */
#define OVERSEEN_SQL "SELECT u.id FROM users u WHERE (u.roles & 1 <> 0) AND " RL_FACULTY_SCOPE_SQL("u.id")

int rl_rows_programme_overseen(struct rl_db *db, int64_t faculty, int (*each)(void *ctx, int64_t trainee),
			       void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, OVERSEEN_SQL, err);

	if (!st)
		return -1;
	rl_rows_scope_bind(st, faculty);
	return rl_db_each_id(db, st, each, ctx, "reading whose records you may see", err);
}

static void bind_threshold(struct rl_stmt *st, int i, int64_t v)
{
	if (v >= 0)
		rl_bind_int64(st, i, v);
	else
		rl_bind_null(st, i);
}

int rl_rows_programme_insert(struct rl_db *db, const char *name, int64_t reminder_count, int64_t reminder_days,
			     const char *created_at, int64_t by, int64_t *id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO programmes(name, reminder_count, reminder_days, created_at, "
					  "created_by) VALUES (?, ?, ?, ?, ?) RETURNING id", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, name, -1);
	bind_threshold(st, 2, reminder_count);
	bind_threshold(st, 3, reminder_days);
	rl_bind_text(st, 4, created_at, -1);
	if (by)
		rl_bind_int64(st, 5, by);
	else
		rl_bind_null(st, 5);
	if (rl_step_id(st, id) != RL_DONE)
		return rl_db_fail(db, err, "storing a programme");
	return 0;
}

int rl_rows_programme_update(struct rl_db *db, int64_t id, const char *name, int64_t reminder_count,
			     int64_t reminder_days, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE programmes SET name = coalesce(?1, name), "
			    "reminder_count = CASE WHEN ?2 = -2 THEN reminder_count WHEN ?2 = -1 THEN NULL ELSE ?2 END, "
			    "reminder_days = CASE WHEN ?3 = -2 THEN reminder_days WHEN ?3 = -1 THEN NULL ELSE ?3 END "
			    "WHERE id = ?4", err);

	if (!st)
		return -1;
	rl_db_bind_text(st, 1, name);
	rl_bind_int64(st, 2, reminder_count);
	rl_bind_int64(st, 3, reminder_days);
	rl_bind_int64(st, 4, id);
	return rl_db_run(db, st, "storing a programme", err);
}

int rl_rows_programme_exists(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT 1 FROM programmes WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return rl_db_finish(db, st, rl_step(st), "reading a programme", err);
}

#define PROGRAMME_SELECT \
	"SELECT p.id, p.name, p.reminder_count, p.reminder_days, p.created_at, " \
	"(SELECT count(*) FROM programme_members m JOIN users u ON u.id = m.user_id " \
	" WHERE m.programme_id = p.id AND m.until_at IS NULL AND (u.roles & 1 <> 0)), " \
	"(SELECT count(*) FROM programme_members m JOIN users u ON u.id = m.user_id " \
	" WHERE m.programme_id = p.id AND m.until_at IS NULL AND (u.roles & 2 <> 0)), " \
	"(SELECT count(*) FROM programme_members m JOIN users u ON u.id = m.user_id " \
	" WHERE m.programme_id = p.id AND m.until_at IS NULL AND (u.roles & 4 <> 0)) FROM programmes p "

static int64_t int_or_minus1(struct rl_stmt *st, int col)
{
	return rl_col_is_null(st, col) ? -1 : rl_col_int64(st, col);
}

static void programme_row(struct rl_stmt *st, struct rl_row_programme *r)
{
	r->id = rl_col_int64(st, 0);
	r->name = rl_col_text(st, 1);
	r->reminder_count = int_or_minus1(st, 2);
	r->reminder_days = int_or_minus1(st, 3);
	r->created_at = rl_col_text(st, 4);
	r->trainees = rl_col_int64(st, 5);
	r->trainers = rl_col_int64(st, 6);
	r->faculty = rl_col_int64(st, 7);
}

/* programme_call: a programme row handed to the caller's typed each (rl_db_get_row, rl_db_each_row). */
RL_DB_ROW_READER(programme, struct rl_row_programme, programme_row)

int rl_rows_programme_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_programme *row),
			  void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, PROGRAMME_SELECT "WHERE p.id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return rl_db_get_row(db, st, programme_call, &(struct programme_each){ each, ctx }, "reading a programme", err);
}

int rl_rows_programmes_list(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_programme *row), void *ctx,
			    struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, PROGRAMME_SELECT "ORDER BY p.name, p.id", err);

	if (!st)
		return -1;
	return rl_db_each_row(db, st, programme_call, &(struct programme_each){ each, ctx }, "listing programmes", err);
}

int rl_rows_programme_user_roles(struct rl_db *db, int64_t user, int *roles, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT roles FROM users WHERE id = ?", err);
	int rc;

	*roles = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	if ((rc = rl_step(st)) == RL_ROW)
		*roles = rl_col_int(st, 0);
	return rl_db_finish(db, st, rc, "reading a user", err);
}

int rl_rows_programme_current_ids(struct rl_db *db, int64_t user, int64_t *ids, size_t max, size_t *n,
				  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT programme_id FROM programme_members WHERE user_id = ? AND until_at IS NULL", err);
	int rc;

	*n = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	while ((rc = rl_step(st)) == RL_ROW && *n < max)
		ids[(*n)++] = rl_col_int64(st, 0);
	return rl_db_finish(db, st, rc, "reading memberships", err) < 0 ? -1 : 0;
}

int rl_rows_programme_member_end(struct rl_db *db, int64_t user, int64_t programme, const char *now,
				 struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE programme_members SET until_at = ? WHERE user_id = ? AND "
					  "programme_id = ? AND until_at IS NULL", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, user);
	rl_bind_int64(st, 3, programme);
	return rl_db_run(db, st, "ending a membership", err);
}

int rl_rows_programme_member_start(struct rl_db *db, int64_t user, int64_t programme, const char *now, int64_t by,
				   struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO programme_members(user_id, programme_id, from_at, changed_by) "
					  "SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM programme_members "
					  "WHERE user_id = ?1 AND programme_id = ?2 AND until_at IS NULL)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	rl_bind_int64(st, 2, programme);
	rl_bind_text(st, 3, now, -1);
	if (by)
		rl_bind_int64(st, 4, by);
	else
		rl_bind_null(st, 4);
	return rl_db_run(db, st, "starting a membership", err);
}

/* Runs st (its parameters bound) and calls each per row of columns programme, name[, from, until, changed_by]. */
static int memberships(struct rl_db *db, struct rl_stmt *st, int full, int one,
		       int (*each)(void *ctx, const struct rl_row_membership *row), void *ctx, const char *what,
		       struct rl_error *err)
{
	struct rl_row_membership r;
	int rc, stop = 0, seen = 0;

	while (!stop && (rc = rl_step(st)) == RL_ROW) {
		memset(&r, 0, sizeof(r));
		r.programme = rl_col_int64(st, 0);
		r.name = rl_col_text(st, 1);
		if (full) {
			r.from_at = rl_col_text(st, 2);
			r.until_at = rl_col_text(st, 3);
			r.changed_by = rl_col_is_null(st, 4) ? 0 : rl_col_int64(st, 4);
		}
		seen = 1;
		stop = each(ctx, &r);
		if (one)
			break;
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, what, err) < 0 ? -1 : one ? seen : 0;
}

int rl_rows_programme_memberships(struct rl_db *db, int64_t user,
				  int (*each)(void *ctx, const struct rl_row_membership *row), void *ctx,
				  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT p.id, p.name FROM programme_members m JOIN programmes p "
					  "ON p.id = m.programme_id WHERE m.user_id = ? AND m.until_at IS NULL "
					  "ORDER BY p.name", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	return memberships(db, st, 0, 0, each, ctx, "reading memberships", err);
}

int rl_rows_programme_history(struct rl_db *db, int64_t user,
			      int (*each)(void *ctx, const struct rl_row_membership *row), void *ctx,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT m.programme_id, p.name, m.from_at, m.until_at, m.changed_by "
					  "FROM programme_members m JOIN programmes p ON p.id = m.programme_id "
					  "WHERE m.user_id = ? ORDER BY m.id", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	return memberships(db, st, 1, 0, each, ctx, "reading a membership history", err);
}

int rl_rows_programme_at(struct rl_db *db, int64_t trainee, const char *when,
			 int (*each)(void *ctx, const struct rl_row_membership *row), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT p.id, p.name FROM programme_members m JOIN programmes p ON p.id = "
					  "m.programme_id WHERE m.user_id = ?1 AND m.from_at <= ?2 AND (m.until_at IS NULL "
					  "OR m.until_at > ?2) ORDER BY m.id DESC LIMIT 1", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, when ? when : "", -1);
	return memberships(db, st, 0, 1, each, ctx, "reading a trainee's programme", err);
}
