/*
 * oidc_rows.c - the queries of OpenID Connect flows (oidc_flows); see
 * oidc_rows.h.
 */
#include "base/prelude.h"

#include "store/oidc_rows.h"

#include <stdio.h>
#include <string.h>

#include "store/sql.h"

int rl_rows_oidc_flow_prune(struct rl_db *db, const char *before, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "DELETE FROM oidc_flows WHERE expires_at < ?", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, before, -1);
	return rl_db_run(db, st, "forgetting old sign-in flows", err);
}

int rl_rows_oidc_flow_pending(struct rl_db *db, const char *ip, const char *now, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*) FROM oidc_flows WHERE ip = ? AND used_at IS NULL "
					  "AND expires_at > ?", err);
	int64_t n = 0;

	if (!st)
		return -1;
	rl_bind_text(st, 1, ip, -1);
	rl_bind_text(st, 2, now, -1);
	return rl_db_lookup_int64(db, st, &n, "counting sign-in flows", err) < 0 ? -1 : (int)n;
}

int rl_rows_oidc_flow_insert(struct rl_db *db, const uint8_t state_hash[32], const uint8_t browser_hash[32],
			     const char *ip, const char *created_at, const char *expires_at, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO oidc_flows (state_hash, browser_hash, ip, created_at, expires_at) "
					  "VALUES (?, ?, ?, ?, ?)", err);

	if (!st)
		return -1;
	rl_bind_blob(st, 1, state_hash, 32);
	rl_bind_blob(st, 2, browser_hash, 32);
	rl_db_bind_text(st, 3, ip);
	rl_bind_text(st, 4, created_at, -1);
	rl_bind_text(st, 5, expires_at, -1);
	return rl_db_run(db, st, "storing a sign-in flow", err);
}

int rl_rows_oidc_flow_by_state(struct rl_db *db, const uint8_t state_hash[32], struct rl_row_oidc_flow *out,
			       struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, browser_hash, expires_at, used_at FROM oidc_flows WHERE state_hash = ?",
					err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	rl_bind_blob(st, 1, state_hash, 32);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		const char *s;
		out->id = rl_col_int64(st, 0);
		if (rl_col_bytes(st, 1) == 32) {
			memcpy(out->browser_hash, rl_col_blob(st, 1), 32);
			out->browser_hash_ok = 1;
		}
		s = rl_col_text(st, 2);
		snprintf(out->expires_at, sizeof(out->expires_at), "%s", s ? s : "");
		s = rl_col_text(st, 3);
		snprintf(out->used_at, sizeof(out->used_at), "%s", s ? s : "");
	}
	return rl_db_finish(db, st, rc, "reading a sign-in flow", err);
}

int rl_rows_oidc_flow_spend(struct rl_db *db, int64_t id, const char *now, const char *outcome, int64_t user_id,
			    struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE oidc_flows SET used_at = ?, outcome = ?, user_id = ? WHERE id = ? "
					  "AND used_at IS NULL", err);
	int64_t changed;

	if (!st)
		return -1;
	rl_bind_text(st, 1, now, -1);
	rl_db_bind_text(st, 2, outcome);
	if (user_id > 0)
		rl_bind_int64(st, 3, user_id);
	else
		rl_bind_null(st, 3);
	rl_bind_int64(st, 4, id);
	return rl_db_run_changes(db, st, "spending a sign-in flow", &changed, err) < 0 ? -1 : (int)changed;
}
