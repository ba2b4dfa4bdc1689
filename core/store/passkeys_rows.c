/*
 * passkeys_rows.c - the queries of passkeys (webauthn_challenges,
 * webauthn_users, passkeys); see passkeys_rows.h.
 */
#include "base/prelude.h"

#include "store/passkeys_rows.h"

#include <stdlib.h>
#include <string.h>

#include "store/sql.h"

static void bind_id_or_null(struct rl_stmt *st, int i, int64_t id)
{
	if (id)
		rl_bind_int64(st, i, id);
	else
		rl_bind_null(st, i);
}

/* ---- challenges ---------------------------------------------------------------- */

int rl_rows_challenge_prune(struct rl_db *db, const char *before, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "DELETE FROM webauthn_challenges WHERE expires_at < ?", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, before, -1);
	return rl_db_run(db, st, "pruning passkey challenges", err);
}

int rl_rows_challenge_insert(struct rl_db *db, const uint8_t hash[32], const char *purpose, int64_t user_id,
			     const char *created_at, const char *expires_at, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO webauthn_challenges(hash, purpose, user_id, created_at, expires_at) "
					  "VALUES (?, ?, ?, ?, ?)", err);

	if (!st)
		return -1;
	rl_bind_blob(st, 1, hash, 32);
	rl_bind_text(st, 2, purpose, -1);
	bind_id_or_null(st, 3, user_id);
	rl_bind_text(st, 4, created_at, -1);
	rl_bind_text(st, 5, expires_at, -1);
	return rl_db_run(db, st, "storing a passkey challenge", err);
}

int rl_rows_challenge_take(struct rl_db *db, const uint8_t hash[32], const char *purpose, int64_t user_id,
			   const char *now, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE webauthn_challenges SET used_at = ?1 WHERE hash = ?2 AND purpose = ?3 "
					  "AND used_at IS NULL AND expires_at > ?1 AND user_id IS NOT DISTINCT FROM ?4", err);
	int64_t changed;

	if (!st)
		return -1;
	rl_bind_text(st, 1, now, -1);
	rl_bind_blob(st, 2, hash, 32);
	rl_bind_text(st, 3, purpose, -1);
	bind_id_or_null(st, 4, user_id);
	if (rl_db_run_changes(db, st, "using a passkey challenge", &changed, err) < 0)
		return -1;
	return changed == 1 ? 1 : 0;
}

/* ---- user handles ---------------------------------------------------------------- */

int rl_rows_passkey_handle(struct rl_db *db, int64_t user_id, uint8_t handle[32], struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT handle FROM webauthn_users WHERE user_id = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user_id);
	rc = rl_step(st);
	if (rc == RL_ROW && rl_col_bytes(st, 0) == 32)
		memcpy(handle, rl_col_blob(st, 0), 32);
	else if (rc == RL_ROW)
		rc = -1; /* a row whose handle is not 32 bytes is as broken as a failed read */
	return rl_db_finish(db, st, rc, "reading a user handle", err);
}

int rl_rows_passkey_handle_insert(struct rl_db *db, int64_t user_id, const uint8_t handle[32], struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO webauthn_users(user_id, handle) VALUES (?, ?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user_id);
	rl_bind_blob(st, 2, handle, 32);
	return rl_db_run(db, st, "storing a user handle", err);
}

/* ---- credentials -------------------------------------------------------------------- */

static void credential_row(struct rl_stmt *st, struct rl_row_passkey_credential *c)
{
	c->credential_id = rl_col_blob(st, 0);
	c->credential_id_len = (size_t)rl_col_bytes(st, 0);
	c->disabled = !rl_col_is_null(st, 1);
}

/* credential_call: a passkey's credential row handed to the caller's typed each (rl_db_each_row). */
RL_DB_ROW_READER(credential, struct rl_row_passkey_credential, credential_row)

int rl_rows_passkey_credentials(struct rl_db *db, int64_t user_id,
				int (*each)(void *ctx, const struct rl_row_passkey_credential *row), void *ctx,
				struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT credential_id, disabled_at FROM passkeys WHERE user_id = ? ORDER BY id",
					err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user_id);
	return rl_db_each_row(db, st, credential_call, &(struct credential_each){ each, ctx }, "listing passkeys", err);
}

int rl_rows_passkey_insert(struct rl_db *db, const struct rl_row_passkey_new *p, int64_t *id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO passkeys(user_id, credential_id, cose_alg, public_key, sign_count, "
					  "name, fmt, aaguid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", err);
	int taken;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, p->user_id);
	rl_bind_blob(st, 2, p->credential_id, (int)p->credential_id_len);
	rl_bind_int(st, 3, p->cose_alg);
	rl_bind_blob(st, 4, p->public_key, (int)p->public_key_len);
	rl_bind_int64(st, 5, p->sign_count);
	rl_bind_text(st, 6, p->name, -1);
	rl_bind_text(st, 7, p->fmt, -1);
	rl_bind_blob(st, 8, p->aaguid, (int)p->aaguid_len);
	rl_bind_text(st, 9, p->created_at, -1);
	/* A refused insert must not take the caller's spent challenge with it (rl_try_step: PostgreSQL would
	 * abort the whole transaction at the failed statement). */
	if (rl_try_step(st) != RL_ROW) {
		taken = rl_db_unique_violation(db);
		if (!taken)
			rl_db_fail(db, err, "storing a passkey");
		rl_reset(st);
		return taken ? 1 : -1;
	}
	*id = rl_col_int64(st, 0);
	rl_reset(st);
	return 0;
}

/* A malloc'd copy of column col's bytes (NULL for none) into *out; -1 when out of memory. */
static int copy_blob(struct rl_stmt *st, int col, uint8_t **out, size_t *len)
{
	*len = (size_t)rl_col_bytes(st, col);
	*out = NULL;
	if (rl_col_is_null(st, col))
		return 0;
	if (!(*out = malloc(*len ? *len : 1)))
		return -1;
	if (*len)
		memcpy(*out, rl_col_blob(st, col), *len);
	return 0;
}

int rl_rows_passkey_by_credential(struct rl_db *db, const void *cred, size_t len, struct rl_row_passkey_login *out,
				  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT p.id, p.user_id, p.cose_alg, p.public_key, p.sign_count, "
			    "CASE WHEN p.disabled_at IS NULL AND u.active = 1 THEN 1 ELSE 0 END, w.handle FROM passkeys p "
			    "JOIN users u ON u.id = p.user_id "
			    "LEFT JOIN webauthn_users w ON w.user_id = p.user_id WHERE p.credential_id = ?", err);
	int rc, mem = 0;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	rl_bind_blob(st, 1, cred, (int)len);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		out->id = rl_col_int64(st, 0);
		out->user_id = rl_col_int64(st, 1);
		out->cose_alg = rl_col_int(st, 2);
		out->sign_count = rl_col_int64(st, 4);
		out->live = rl_col_int(st, 5);
		mem = copy_blob(st, 3, &out->public_key, &out->public_key_len) < 0 ||
		      copy_blob(st, 6, &out->handle, &out->handle_len) < 0;
	}
	if ((rc = rl_db_finish(db, st, rc, "finding a passkey", err)) <= 0)
		return rc;
	if (mem || !out->public_key) {
		rl_row_passkey_login_release(out);
		return rl_error_internal(err, "copying a public key");
	}
	return 1;
}

void rl_row_passkey_login_release(struct rl_row_passkey_login *p)
{
	if (!p)
		return;
	free(p->public_key);
	free(p->handle);
	p->public_key = p->handle = NULL;
	p->public_key_len = p->handle_len = 0;
}

int rl_rows_passkey_used(struct rl_db *db, int64_t id, int64_t sign_count, const char *now, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, sign_count);
	rl_bind_text(st, 2, now, -1);
	rl_bind_int64(st, 3, id);
	return rl_db_run(db, st, "recording a passkey's use", err);
}

static void passkey_row(struct rl_stmt *st, struct rl_row_passkey *p)
{
	p->id = rl_col_int64(st, 0);
	p->name = rl_col_text(st, 1);
	p->created_at = rl_col_text(st, 2);
	p->last_used_at = rl_col_text(st, 3);
	p->cose_alg = rl_col_int(st, 4);
}

/* passkey_call: a passkey row handed to the caller's typed each (rl_db_each_row). */
RL_DB_ROW_READER(passkey, struct rl_row_passkey, passkey_row)

int rl_rows_passkey_list(struct rl_db *db, int64_t user_id, int (*each)(void *ctx, const struct rl_row_passkey *row),
			 void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, name, created_at, last_used_at, cose_alg FROM passkeys "
					  "WHERE user_id = ? AND disabled_at IS NULL ORDER BY id", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user_id);
	return rl_db_each_row(db, st, passkey_call, &(struct passkey_each){ each, ctx }, "listing passkeys", err);
}

int rl_rows_passkey_counts(struct rl_db *db, int64_t user_id, int64_t id, int *mine, int *total,
			   struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT (SELECT count(*) FROM passkeys WHERE id = ?1 AND user_id = ?2 AND "
					  "disabled_at IS NULL), (SELECT count(*) FROM passkeys WHERE user_id = ?2 AND "
					  "disabled_at IS NULL)", err);
	int rc;

	*mine = *total = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	rl_bind_int64(st, 2, user_id);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		*mine = rl_col_int(st, 0);
		*total = rl_col_int(st, 1);
	}
	return rl_db_finish(db, st, rc, "counting passkeys", err) < 0 ? -1 : 0;
}

int rl_rows_passkey_delete(struct rl_db *db, int64_t user_id, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "DELETE FROM passkeys WHERE id = ? AND user_id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	rl_bind_int64(st, 2, user_id);
	return rl_db_run(db, st, "removing a passkey", err);
}

int rl_rows_passkey_disable_user(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	return rl_db_stamp_user_rows(db, "UPDATE passkeys SET disabled_at = ? WHERE user_id = ? AND disabled_at IS NULL",
				     user_id, "disabling passkeys", err);
}
