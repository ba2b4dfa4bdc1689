/*
 * imports_rows.c - the rows of imported files and eLogbook rows; see
 * imports_rows.h.
 */
#include "base/prelude.h"

#include "store/imports_rows.h"

#include <stdlib.h>
#include <string.h>

int rl_rows_import_insert(struct rl_db *db, const struct rl_row_import_new *n, int64_t *id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO imports(trainee_id, trainer_id, kind, filename, format, sha256, "
					  "content, attempts, attempt_count, attempts_sha256, status, created_at) "
					  "VALUES (?1,?2,?11,?3,?4,?5,?6,?7,?8,?9,?12,?10) RETURNING id", err);
	int rc;

	*id = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, n->trainee);
	if (!n->trainer)
		rl_bind_null(st, 2);
	else
		rl_bind_int64(st, 2, n->trainer);
	rl_bind_text(st, 11, n->kind, -1);
	rl_bind_text(st, 12, n->status, -1);
	rl_bind_text(st, 3, n->filename, -1);
	rl_bind_text(st, 4, n->format, -1);
	rl_bind_text(st, 5, n->sha256, -1);
	rl_bind_blob(st, 6, n->content, (int)n->len);
	rl_bind_text(st, 7, n->attempts, -1);
	rl_bind_int64(st, 8, n->attempt_count);
	rl_bind_text(st, 9, n->attempts_sha256, -1);
	rl_bind_text(st, 10, n->created_at, -1);
	rc = rl_step_id(st, id);
	if (rc != RL_DONE && rl_db_unique_violation(db)) {
		rl_reset(st);
		return 1;
	}
	return rl_db_finish(db, st, rc, "storing the import", err);
}

int rl_rows_import_by_sha256(struct rl_db *db, int64_t trainee, const char *sha256, int64_t *id,
			     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM imports WHERE trainee_id = ? AND sha256 = ?", err);
	int rc;

	*id = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, sha256, -1);
	if ((rc = rl_step(st)) == RL_ROW)
		*id = rl_col_int64(st, 0);
	return rl_db_finish(db, st, rc, "reading the imports", err);
}

#define IMPORT_COLUMNS "i.id, i.kind, i.status, i.trainee_id, i.trainer_id, i.filename, i.format, i.sha256, " \
	"i.attempt_count, i.attempts_sha256, i.created_at, i.signed_by, i.signed_at, i.signoff_index, " \
	"i.reject_reason, te.name, COALESCE(tr.name, ''), i.attempts, i.content FROM imports i " \
	"JOIN users te ON te.id = i.trainee_id LEFT JOIN users tr ON tr.id = i.trainer_id"

/* Runs st (a SELECT of IMPORT_COLUMNS, bound) to its end, giving each row to each. */
static int import_rows(struct rl_db *db, struct rl_stmt *st, rl_rows_import_fn each, void *ctx, int *found,
		       struct rl_error *err)
{
	int rc;

	*found = 0;
	while ((rc = rl_step(st)) == RL_ROW) {
		struct rl_row_import row = {
			.id = rl_col_int64(st, 0),
			.kind = rl_col_text(st, 1),
			.status = rl_col_text(st, 2),
			.trainee = rl_col_int64(st, 3),
			.trainer = rl_col_int64(st, 4),
			.has_trainer = !rl_col_is_null(st, 4),
			.filename = rl_col_text(st, 5),
			.format = rl_col_text(st, 6),
			.sha256 = rl_col_text(st, 7),
			.attempt_count = rl_col_int64(st, 8),
			.attempts_sha256 = rl_col_text(st, 9),
			.created_at = rl_col_text(st, 10),
			.signed_off = !rl_col_is_null(st, 13),
			.signed_by = rl_col_int64(st, 11),
			.signed_at = rl_col_text(st, 12),
			.signoff_index = rl_col_int64(st, 13),
			.reject_reason = rl_col_text(st, 14),
			.trainee_name = rl_col_text(st, 15),
			.trainer_name = rl_col_text(st, 16),
			.attempts = rl_col_text(st, 17),
			.content = rl_col_blob(st, 18),
			.content_len = (size_t)rl_col_bytes(st, 18),
		};
		int stop = each(ctx, &row);

		++*found;
		if (stop) {
			rl_reset(st);
			return stop;
		}
	}
	return rl_db_finish(db, st, rc, "reading the imports", err);
}

int rl_rows_import_get(struct rl_db *db, int64_t id, rl_rows_import_fn each, void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " IMPORT_COLUMNS " WHERE i.id = ?", err);
	int found, rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	rc = import_rows(db, st, each, ctx, &found, err);
	return rc ? rc : found > 0;
}

int rl_rows_import_list(struct rl_db *db, int all, int64_t user, int as_trainer, const char *status,
			rl_rows_import_fn each, void *ctx, struct rl_error *err)
{
	/* A certificate waits for any trainer who supervises the trainee (supervision.h), as well as one it names. */
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " IMPORT_COLUMNS " WHERE (?1 <> 0 OR i.trainee_id = ?2 OR i.trainer_id = ?2 "
					  "OR (i.kind = 'certificate' AND ?4 = 1 AND (EXISTS (SELECT 1 FROM assignments a WHERE "
					  "a.trainer_id = ?2 AND a.trainee_id = i.trainee_id) OR EXISTS (SELECT 1 FROM sessions s "
					  "WHERE s.trainer_id = ?2 AND s.trainee_id = i.trainee_id AND s.status <> 'withdrawn')))) "
					  "AND (CAST(?3 AS TEXT) IS NULL OR i.status = ?3) ORDER BY i.id DESC LIMIT 500", err);
	int found;

	if (!st)
		return -1;
	rl_bind_int(st, 1, all != 0);
	rl_bind_int64(st, 2, user);
	rl_db_bind_text(st, 3, status);
	rl_bind_int(st, 4, as_trainer != 0);
	return import_rows(db, st, each, ctx, &found, err);
}

int rl_rows_import_of_trainee(struct rl_db *db, int64_t trainee, rl_rows_import_fn each, void *ctx,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " IMPORT_COLUMNS " WHERE i.trainee_id = ? ORDER BY i.id", err);
	int found;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	return import_rows(db, st, each, ctx, &found, err);
}

int rl_rows_import_content(struct rl_db *db, int64_t id, char **content, size_t *len, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT content FROM imports WHERE id = ?", err);
	int rc;

	*content = NULL;
	*len = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	if ((rc = rl_step(st)) == RL_ROW) {
		*len = (size_t)rl_col_bytes(st, 0);
		if (!(*content = malloc(*len + 1))) {
			rl_reset(st);
			return rl_error_internal(err, "out of memory");
		}
		if (*len)
			memcpy(*content, rl_col_blob(st, 0), *len);
		(*content)[*len] = '\0';
	}
	return rl_db_finish(db, st, rc, "reading an import", err);
}

int rl_rows_import_decided(struct rl_db *db, int64_t id, const char *status, int64_t signer, const char *signed_at,
			   int64_t ledger_index, const char *reason, struct rl_error *err)
{
	struct rl_stmt *q = rl_db_stmt(db, "UPDATE imports SET status = ?, signed_by = ?, signed_at = ?, signoff_index = ?, "
					 "reject_reason = ? WHERE id = ? AND status = 'pending'", err);

	if (!q)
		return -1;
	rl_bind_text(q, 1, status, -1);
	rl_bind_int64(q, 2, signer);
	rl_bind_text(q, 3, signed_at, -1);
	rl_bind_int64(q, 4, ledger_index);
	rl_db_bind_text(q, 5, reason);
	rl_bind_int64(q, 6, id);
	return rl_db_run_one(db, q, "recording the import's countersignature", err);
}

int rl_rows_import_signed_attempts(struct rl_db *db, int64_t trainee,
				   int (*each)(void *ctx, const char *attempts), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT attempts FROM imports WHERE trainee_id = ? AND status = 'signed' "
					  "ORDER BY id", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW) {
		int stop = each(ctx, rl_col_text(st, 0));

		if (stop) {
			rl_reset(st);
			return stop;
		}
	}
	return rl_db_finish(db, st, rc, "reading the signed imports", err);
}

/* ---- eLogbook rows ---------------------------------------------------------------------- */

int rl_rows_import_users_named(struct rl_db *db, int roles, const char *who, int64_t ids[2], struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM users WHERE (roles & ?1) != 0 AND active = 1 AND "
					  "(lower(email) = lower(?2) OR lower(name) = lower(?2)) ORDER BY id LIMIT 2", err);
	int n = 0, rc;

	ids[0] = ids[1] = 0;
	if (!st)
		return -1;
	rl_bind_int(st, 1, roles);
	rl_bind_text(st, 2, who, -1);
	while ((rc = rl_step(st)) == RL_ROW)
		if (n < 2)
			ids[n++] = rl_col_int64(st, 0);
	return rl_db_finish(db, st, rc, "finding a trainer by name", err) < 0 ? -1 : n;
}

int rl_rows_import_elog_row_known(struct rl_db *db, int64_t trainee, const char *key, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT 1 FROM elogbook_rows WHERE trainee_id = ? AND row_key = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, key, -1);
	rc = rl_step(st);
	return rl_db_finish(db, st, rc, "reading the eLogbook rows", err);
}

int rl_rows_import_elog_row_insert(struct rl_db *db, int64_t trainee, const char *key, int64_t import_id,
				   int64_t session_id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO elogbook_rows(trainee_id, row_key, import_id, session_id) "
					  "VALUES (?,?,?,?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_text(st, 2, key, -1);
	rl_bind_int64(st, 3, import_id);
	rl_bind_int64(st, 4, session_id);
	return rl_db_run(db, st, "recording an eLogbook row", err);
}

int rl_rows_import_elog_sessions(struct rl_db *db, int64_t import_id, int (*each)(void *ctx, int64_t session),
				 void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT session_id FROM elogbook_rows WHERE import_id = ? ORDER BY session_id",
					err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, import_id);
	return rl_db_each_id(db, st, each, ctx, "reading an import's sessions", err);
}
