/*
 * curricula_rows.c - curricula, trainees' curricula and the ledger's
 * curriculum and enrolment statements in SQL; see curricula_rows.h.
 */
#include "base/prelude.h"

#include "store/curricula_rows.h"

#include <stdlib.h>
#include <string.h>

#define CURRICULUM_SELECT "SELECT id, code, version, title, definition FROM curricula "

static void curriculum_row(struct rl_stmt *st, struct rl_row_curriculum *r)
{
	r->id = rl_col_int64(st, 0);
	r->code = rl_col_text(st, 1);
	r->version = rl_col_int(st, 2);
	r->title = rl_col_text(st, 3);
	r->definition = rl_col_text(st, 4);
	r->definition_len = (size_t)rl_col_bytes(st, 4);
}

/* curriculum_call: a curriculum row handed to the caller's typed each (rl_db_get_row, rl_db_each_row). */
RL_DB_ROW_READER(curriculum, struct rl_row_curriculum, curriculum_row)

int rl_rows_curricula_list(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_curriculum *row), void *ctx,
			   struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, CURRICULUM_SELECT "ORDER BY code, version", err);

	if (!st)
		return -1;
	return rl_db_each_row(db, st, curriculum_call, &(struct curriculum_each){ each, ctx }, "listing the curricula", err);
}

int rl_rows_curricula_ids(struct rl_db *db, int (*each)(void *ctx, int64_t id), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM curricula ORDER BY id", err);

	if (!st)
		return -1;
	return rl_db_each_id(db, st, each, ctx, "listing the curricula", err);
}

int rl_rows_curriculum_definition(struct rl_db *db, int64_t id, char **text, size_t *len, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT definition FROM curricula WHERE id = ?", err);
	int rc;

	*text = NULL;
	*len = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	if ((rc = rl_step(st)) == RL_ROW) {
		const char *s = rl_col_text(st, 0);
		*len = (size_t)rl_col_bytes(st, 0);
		if (!(*text = malloc(*len + 1))) {
			rl_reset(st);
			return rl_error_internal(err, "out of memory");
		}
		if (*len)
			memcpy(*text, s, *len);
		(*text)[*len] = '\0';
	}
	return rl_db_finish(db, st, rc, "reading a curriculum", err);
}

int rl_rows_curriculum_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_curriculum *row),
			   void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, CURRICULUM_SELECT "WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return rl_db_get_row(db, st, curriculum_call, &(struct curriculum_each){ each, ctx }, "reading a curriculum", err);
}

int rl_rows_curriculum_by_code(struct rl_db *db, const char *code, int64_t version, int64_t *id,
			       struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM curricula WHERE code = ? AND version = ?", err);

	*id = 0;
	if (!st)
		return -1;
	rl_bind_text(st, 1, code, -1);
	rl_bind_int64(st, 2, version);
	return rl_db_lookup_int64(db, st, id, "reading a curriculum", err);
}

int rl_rows_curriculum_of_user(struct rl_db *db, int64_t user, int64_t *cid, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, coalesce(curriculum_id, 0) FROM users WHERE id = ?", err);
	int rc;

	*cid = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	if ((rc = rl_step(st)) == RL_ROW)
		*cid = rl_col_int64(st, 1);
	return rl_db_finish(db, st, rc, "reading a trainee", err);
}

int rl_rows_curriculum_of_trainee(struct rl_db *db, int64_t trainee, int64_t *cid, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT curriculum_id FROM users WHERE id = ? AND (roles & 1 <> 0)", err);

	*cid = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) == RL_ROW)
		*cid = rl_col_int64(st, 0);
	rl_reset(st);
	return 0;
}

int rl_rows_curriculum_unenrolled(struct rl_db *db, int (*each)(void *ctx, int64_t trainee), void *ctx,
				  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT u.id FROM users u WHERE (u.roles & 1 <> 0) AND u.curriculum_id IS NOT NULL AND NOT EXISTS "
					  "(SELECT 1 FROM ledger l WHERE l.kind = 'enrolment' AND l.subject_id = u.id) ORDER BY u.id", err);

	if (!st)
		return -1;
	return rl_db_each_id(db, st, each, ctx, "listing trainees to enrol", err);
}

int rl_rows_curriculum_enrolments(struct rl_db *db, int64_t trainee,
				  int (*each)(void *ctx, const char *message, size_t len), void *ctx,
				  struct rl_error *err)
{
	/* The index ledger_enrolments serves it. */
	struct rl_stmt *st = rl_db_stmt(db, "SELECT message FROM ledger WHERE kind = 'enrolment' AND subject_id = ? "
					  "ORDER BY idx DESC", err);
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	while (!stop && (rc = rl_step(st)) == RL_ROW)
		stop = each(ctx, rl_col_text(st, 0), (size_t)rl_col_bytes(st, 0));
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "reading a trainee's enrolments", err);
}

int rl_rows_curriculum_ledger_has(struct rl_db *db, const char *kind, const char *needle, int64_t subject,
				  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, subject > 0
		? "SELECT message FROM ledger WHERE kind = ?1 AND subject_id = ?3 ORDER BY idx DESC LIMIT 1"
		: "SELECT 1 FROM ledger WHERE kind = ?1 AND replace(message, ?2, '') <> message LIMIT 1", err);
	int found = 0;

	if (!st)
		return -1;
	rl_bind_text(st, 1, kind, -1);
	rl_bind_text(st, 2, needle, -1);
	if (subject > 0)
		rl_bind_int64(st, 3, subject);
	if (rl_step(st) == RL_ROW)
		found = subject > 0 ? strstr(rl_col_text(st, 0), needle) != NULL : 1;
	rl_reset(st);
	return found;
}
