/*
 * signoff_rows.c - keys, accreditations, assessments, module completions
 * and session decisions as rows; see signoff_rows.h.
 */
#include "base/prelude.h"

#include "store/signoff_rows.h"

#include "store/sql.h"

/* Copies a 32-byte key column into out (zeros when the column holds another length). */
static void col_key(struct rl_stmt *st, int i, uint8_t out[32])
{
	const void *p = rl_col_blob(st, i);

	memset(out, 0, 32);
	if (p && rl_col_bytes(st, i) == 32)
		memcpy(out, p, 32);
}

static void col_copy(struct rl_stmt *st, int i, char *out, size_t size)
{
	const char *s = rl_col_text(st, i);

	snprintf(out, size, "%s", s ? s : "");
}

/* ------------------------------------------------------------------ keys */

#define KEY_COLUMNS "id, user_id, public_key, faculty_root, created_at, revoked_at, revoked_index"

static void key_row(struct rl_stmt *st, struct rl_row_key *k)
{
	memset(k, 0, sizeof(*k));
	k->id = rl_col_int64(st, 0);
	k->user = rl_col_int64(st, 1);
	col_key(st, 2, k->public_key);
	k->faculty_root = rl_col_int(st, 3);
	col_copy(st, 4, k->created_at, sizeof(k->created_at));
	k->revoked = !rl_col_is_null(st, 5);
	col_copy(st, 5, k->revoked_at, sizeof(k->revoked_at));
	k->revoked_index = rl_col_is_null(st, 6) ? -1 : rl_col_int64(st, 6);
}

int rl_rows_key_find(struct rl_db *db, int64_t user, const uint8_t pk[32], struct rl_row_key *out,
		     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, faculty_root, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END "
					"FROM keys WHERE public_key = ? AND user_id = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_blob(st, 1, pk, 32);
	rl_bind_int64(st, 2, user);
	memset(out, 0, sizeof(*out));
	if ((rc = rl_step(st)) == RL_ROW) {
		out->id = rl_col_int64(st, 0);
		out->user = user;
		memcpy(out->public_key, pk, 32);
		out->faculty_root = rl_col_int(st, 1);
		out->revoked = rl_col_int(st, 2);
		out->revoked_index = -1;
	}
	return rl_db_finish(db, st, rc, "reading a key", err);
}

int rl_rows_key_revoked_index(struct rl_db *db, int64_t user, const uint8_t pk[32], int64_t *revoked,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT coalesce(revoked_index, -1) FROM keys WHERE public_key = ? AND user_id = ?",
					err);
	int rc;

	*revoked = -1;
	if (!st)
		return -1;
	rl_bind_blob(st, 1, pk, 32);
	rl_bind_int64(st, 2, user);
	if ((rc = rl_step(st)) == RL_ROW)
		*revoked = rl_col_int64(st, 0);
	return rl_db_finish(db, st, rc, "reading a key", err);
}

int rl_rows_key_by_id(struct rl_db *db, int64_t id, struct rl_row_key *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " KEY_COLUMNS " FROM keys WHERE id = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	if ((rc = rl_step(st)) == RL_ROW)
		key_row(st, out);
	return rl_db_finish(db, st, rc, "reading a key", err);
}

int rl_rows_key_list(struct rl_db *db, int64_t user, int (*each)(void *ctx, const struct rl_row_key *row),
		     void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " KEY_COLUMNS " FROM keys WHERE user_id = ? ORDER BY id DESC", err);
	struct rl_row_key k;
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	while ((rc = rl_step(st)) == RL_ROW) {
		key_row(st, &k);
		if ((stop = each(ctx, &k)) != 0)
			break;
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "listing keys", err);
}

int rl_rows_key_insert(struct rl_db *db, int64_t user, const uint8_t pk[32], int faculty_root,
		       const char *created_at, int64_t *id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO keys(user_id, public_key, faculty_root, created_at) VALUES (?,?,?,?) "
					"RETURNING id", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	rl_bind_blob(st, 2, pk, 32);
	rl_bind_int(st, 3, faculty_root);
	rl_bind_text(st, 4, created_at, -1);
	if (rl_step_id(st, id) != RL_DONE) {
		int dup = rl_db_unique_violation(db);
		if (!dup)
			rl_db_fail(db, err, "registering a key");
		rl_reset(st);
		return dup ? 1 : -1;
	}
	return 0;
}

int rl_rows_key_revoke(struct rl_db *db, int64_t id, const char *revoked_at, int64_t index, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE keys SET revoked_at = ?, revoked_index = ? WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, revoked_at, -1);
	rl_bind_int64(st, 2, index);
	rl_bind_int64(st, 3, id);
	return rl_db_run(db, st, "revoking a key", err);
}

/* ------------------------------------------------ trainer accreditations */

/* A row of (id, ledger_index, public_key, valid_from, valid_until, revoked_index or -1, trainer_id). */
static void tacc_row(struct rl_stmt *st, struct rl_row_tacc *t)
{
	memset(t, 0, sizeof(*t));
	t->id = rl_col_int64(st, 0);
	t->index = rl_col_int64(st, 1);
	col_key(st, 2, t->public_key);
	col_copy(st, 3, t->valid_from, sizeof(t->valid_from));
	col_copy(st, 4, t->valid_until, sizeof(t->valid_until));
	t->revoked = rl_col_int64(st, 5);
	t->trainer = rl_col_int64(st, 6);
}

int rl_rows_tacc_latest(struct rl_db *db, int64_t trainer, struct rl_row_tacc *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, ledger_index, public_key, valid_from, valid_until, "
					"coalesce(revoked_index, -1), trainer_id FROM trainer_accreditations "
					"WHERE trainer_id = ? ORDER BY ledger_index DESC LIMIT 1", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainer);
	if ((rc = rl_step(st)) == RL_ROW)
		tacc_row(st, out);
	return rl_db_finish(db, st, rc, "reading a trainer accreditation", err);
}

int rl_rows_tacc_at(struct rl_db *db, int64_t index, struct rl_row_tacc *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, ledger_index, public_key, valid_from, valid_until, "
					"coalesce(revoked_index, -1), trainer_id FROM trainer_accreditations "
					"WHERE ledger_index = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	if ((rc = rl_step(st)) == RL_ROW)
		tacc_row(st, out);
	return rl_db_finish(db, st, rc, "reading a trainer accreditation", err);
}

int rl_rows_tacc_index_for_key(struct rl_db *db, int64_t trainer, const uint8_t pk[32], int64_t *index,
			       struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT max(ledger_index) FROM trainer_accreditations WHERE trainer_id = ? "
					"AND public_key = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainer);
	rl_bind_blob(st, 2, pk, 32);
	rc = rl_step(st);
	if (rc == RL_ROW && rl_col_is_null(st, 0))
		rc = RL_DONE; /* max() of no rows */
	else if (rc == RL_ROW)
		*index = rl_col_int64(st, 0);
	return rl_db_finish(db, st, rc, "reading a trainer accreditation", err);
}

int rl_rows_tacc_insert(struct rl_db *db, int64_t trainer, const uint8_t pk[32], const char *valid_from,
			const char *valid_until, int64_t faculty, int64_t index, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO trainer_accreditations(trainer_id, public_key, valid_from, "
					"valid_until, faculty_id, ledger_index) VALUES (?,?,?,?,?,?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainer);
	rl_bind_blob(st, 2, pk, 32);
	rl_bind_text(st, 3, valid_from, -1);
	rl_bind_text(st, 4, valid_until, -1);
	rl_bind_int64(st, 5, faculty);
	rl_bind_int64(st, 6, index);
	return rl_db_run(db, st, "storing the trainer accreditation", err);
}

int rl_rows_tacc_supersede(struct rl_db *db, int64_t trainer, int64_t superseded, int64_t by, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE trainer_accreditations SET superseded_index = ? WHERE trainer_id = ? "
					"AND ledger_index = ? AND superseded_index IS NULL", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, by);
	rl_bind_int64(st, 2, trainer);
	rl_bind_int64(st, 3, superseded);
	return rl_db_run_one(db, st, "superseding the trainer accreditation", err);
}

int rl_rows_tacc_revoke_all(struct rl_db *db, int64_t trainer, int64_t by, const char *reason, int64_t *changed,
			    struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE trainer_accreditations SET revoked_index = ?1, revoked_reason = ?2 "
					"WHERE trainer_id = ?3 AND revoked_index IS NULL", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, by);
	rl_bind_text(st, 2, reason, -1);
	rl_bind_int64(st, 3, trainer);
	return rl_db_run_changes(db, st, "revoking", changed, err);
}

/* ------------------------------------------------ trainee accreditations */

int rl_rows_acc_insert(struct rl_db *db, int64_t trainee, int64_t curriculum, int64_t faculty, int64_t index,
		       const char *accredited_at, const char *valid_until, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO trainee_accreditations(trainee_id, curriculum_id, faculty_id, "
					"ledger_index, accredited_at, valid_until) VALUES (?,?,?,?,?,?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, curriculum);
	rl_bind_int64(st, 3, faculty);
	rl_bind_int64(st, 4, index);
	rl_bind_text(st, 5, accredited_at, -1);
	rl_db_bind_text(st, 6, valid_until);
	return rl_db_run(db, st, "storing the accreditation", err);
}

int rl_rows_acc_revoke(struct rl_db *db, int64_t trainee, int64_t index, int64_t by, const char *reason,
		       int64_t *changed, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE trainee_accreditations SET revoked_index = ?1, revoked_reason = ?2 "
					"WHERE ledger_index = ?4 AND trainee_id = ?3 AND revoked_index IS NULL", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, by);
	rl_bind_text(st, 2, reason, -1);
	rl_bind_int64(st, 3, trainee);
	rl_bind_int64(st, 4, index);
	return rl_db_run_changes(db, st, "revoking", changed, err);
}

int rl_rows_acc_live(struct rl_db *db, int64_t trainee, struct rl_row_acc *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, ledger_index, accredited_at, coalesce(valid_until, '') "
					"FROM trainee_accreditations WHERE trainee_id = ? AND revoked_index IS NULL "
					"ORDER BY id DESC LIMIT 1", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	memset(out, 0, sizeof(*out));
	if ((rc = rl_step(st)) == RL_ROW) {
		out->id = rl_col_int64(st, 0);
		out->index = rl_col_int64(st, 1);
		col_copy(st, 2, out->accredited_at, sizeof(out->accredited_at));
		col_copy(st, 3, out->valid_until, sizeof(out->valid_until));
	}
	return rl_db_finish(db, st, rc, "reading the accreditation", err);
}

int rl_rows_acc_states(struct rl_db *db, int trainers, int64_t below,
		       int (*each)(void *ctx, const struct rl_row_acc_state *row), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, trainers
		? "SELECT id, ledger_index, trainer_id, "
		  "CASE WHEN revoked_index IS NOT NULL OR superseded_index IS NOT NULL THEN 1 ELSE 0 END "
		  "FROM trainer_accreditations WHERE id < ?"
		: "SELECT id, ledger_index, trainee_id, CASE WHEN revoked_index IS NOT NULL THEN 1 ELSE 0 END "
		  "FROM trainee_accreditations WHERE id < ?", err);
	struct rl_row_acc_state r;
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, below);
	while ((rc = rl_step(st)) == RL_ROW) {
		r.id = rl_col_int64(st, 0);
		r.index = rl_col_int64(st, 1);
		r.person = rl_col_int64(st, 2);
		r.ended = rl_col_int64(st, 3) != 0;
		if ((stop = each(ctx, &r)) != 0)
			break;
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "reading the accreditations for the status list", err);
}

/* ------------------------------------------ assessments, module completions */

int rl_rows_assessment_insert(struct rl_db *db, int64_t trainee, int64_t assessor, int64_t session, const char *tool,
			      const char *scores_json, int total, int64_t index, const char *created_at,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO assessments(trainee_id, assessor_id, session_id, tool, scores, "
					"total, ledger_index, created_at) VALUES (?,?,?,?,?,?,?,?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, assessor);
	rl_bind_int64(st, 3, session);
	rl_bind_text(st, 4, tool, -1);
	rl_bind_text(st, 5, scores_json, -1);
	rl_bind_int(st, 6, total);
	rl_bind_int64(st, 7, index);
	rl_bind_text(st, 8, created_at, -1);
	return rl_db_run(db, st, "storing the assessment", err);
}

int rl_rows_assessment_other(struct rl_db *db, int64_t session, const char *tool, int64_t except,
			     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT 1 FROM assessments WHERE session_id = ? AND tool = ? AND ledger_index <> ?",
					err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, session);
	rl_bind_text(st, 2, tool, -1);
	rl_bind_int64(st, 3, except);
	return rl_db_finish(db, st, rl_step(st), "reading the session's assessments", err);
}

int rl_rows_assessment_first(struct rl_db *db, int64_t session, int64_t *index, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT ledger_index FROM assessments WHERE session_id = ? ORDER BY ledger_index "
					"LIMIT 1", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, session);
	if ((rc = rl_step(st)) == RL_ROW)
		*index = rl_col_int64(st, 0);
	return rl_db_finish(db, st, rc, "reading the session's assessments", err);
}

int rl_rows_assessment_delete(struct rl_db *db, int64_t index, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "DELETE FROM assessments WHERE ledger_index = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	return rl_db_run(db, st, "retiring the corrected record", err);
}

int rl_rows_module_completion_insert(struct rl_db *db, int64_t trainee, int64_t curriculum, const char *module,
				     int64_t signer, int64_t index, const char *created_at, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO module_completions(trainee_id, curriculum_id, module, signer_id, "
					"ledger_index, created_at) VALUES (?,?,?,?,?,?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, curriculum);
	rl_bind_text(st, 3, module, -1);
	rl_bind_int64(st, 4, signer);
	rl_bind_int64(st, 5, index);
	rl_bind_text(st, 6, created_at, -1);
	return rl_db_run(db, st, "storing the module completion", err);
}

int rl_rows_module_completion_other(struct rl_db *db, int64_t trainee, int64_t curriculum, const char *module,
				    int64_t except, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT 1 FROM module_completions WHERE trainee_id = ? AND curriculum_id = ? "
					"AND module = ? AND ledger_index <> ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, curriculum);
	rl_bind_text(st, 3, module, -1);
	rl_bind_int64(st, 4, except);
	return rl_db_finish(db, st, rl_step(st), "reading the module completions", err);
}

int rl_rows_module_completion_delete(struct rl_db *db, int64_t index, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "DELETE FROM module_completions WHERE ledger_index = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	return rl_db_run(db, st, "retiring the corrected record", err);
}

/* ------------------------------------------------------- session decisions */

int rl_rows_session_decide(struct rl_db *db, int64_t session, const char *status, const char *role,
			   const char *steps_json, int64_t signer, const char *signed_at, int64_t index,
			   const char *reason, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE sessions SET status = ?, signed_role = ?, signed_steps = ?, "
					"signed_by = ?, signed_at = ?, signoff_index = ?, reject_reason = ? "
					"WHERE id = ? AND status = 'pending'", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, status, -1);
	rl_db_bind_text(st, 2, role);
	rl_db_bind_text(st, 3, steps_json);
	rl_bind_int64(st, 4, signer);
	rl_bind_text(st, 5, signed_at, -1);
	rl_bind_int64(st, 6, index);
	rl_db_bind_text(st, 7, reason);
	rl_bind_int64(st, 8, session);
	return rl_db_run_one(db, st, "recording the sign-off", err);
}

int rl_rows_session_pending_as(struct rl_db *db, int64_t id, int64_t trainee, int64_t trainer, int64_t revision,
			       int has_notes, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT 1 FROM sessions WHERE trainee_id = ? AND trainer_id = ? AND id = ? "
					"AND revision = ? AND status = 'pending' "
					"AND (CASE WHEN notes IS NULL THEN 0 ELSE 1 END) = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, trainer);
	rl_bind_int64(st, 3, id);
	rl_bind_int64(st, 4, revision);
	rl_bind_int(st, 5, has_notes ? 1 : 0);
	return rl_db_finish(db, st, rl_step(st), "reading the session as checked", err);
}

int rl_rows_session_reopen(struct rl_db *db, int64_t session, int64_t index, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE sessions SET status = 'pending', signed_role = NULL, signed_steps = NULL, "
					"signed_by = NULL, signed_at = NULL, signoff_index = NULL, reject_reason = NULL "
					"WHERE id = ? AND signoff_index = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, session);
	rl_bind_int64(st, 2, index);
	return rl_db_run(db, st, "returning the session to pending", err);
}

int rl_rows_trainee_curriculum(struct rl_db *db, int64_t trainee, int64_t curriculum, int64_t *id, char code[64],
			       int *version, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT c.id, c.code, c.version FROM users u JOIN curricula c "
					"ON c.id = ?2 WHERE u.id = ?1 AND (u.roles & 1 <> 0)", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, curriculum);
	if ((rc = rl_step(st)) == RL_ROW) {
		*id = rl_col_int64(st, 0);
		col_copy(st, 1, code, 64);
		*version = rl_col_int(st, 2);
	}
	return rl_db_finish(db, st, rc, "reading the trainee's curriculum", err);
}

/* ------------------------------------------------------------- trainers */

int rl_rows_trainer_list(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_trainer *row), void *ctx,
			 struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT u.id, u.name, coalesce(u.site, ''), a.ledger_index, a.valid_from, a.valid_until, a.revoked_index "
		"FROM users u LEFT JOIN trainer_accreditations a ON a.id = "
		"(SELECT max(id) FROM trainer_accreditations WHERE trainer_id = u.id) "
		"WHERE (u.roles & 2 <> 0) ORDER BY u.name, u.id", err);
	struct rl_row_trainer t;
	int rc, stop = 0;

	if (!st)
		return -1;
	while ((rc = rl_step(st)) == RL_ROW) {
		memset(&t, 0, sizeof(t));
		t.id = rl_col_int64(st, 0);
		t.name = rl_col_text(st, 1);
		t.site = rl_col_text(st, 2);
		t.has_acc = !rl_col_is_null(st, 3);
		t.acc_index = rl_col_int64(st, 3);
		t.valid_from = rl_col_text(st, 4);
		t.valid_until = rl_col_text(st, 5);
		t.revoked = !rl_col_is_null(st, 6);
		if ((stop = each(ctx, &t)) != 0)
			break;
	}
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "listing trainers", err);
}
