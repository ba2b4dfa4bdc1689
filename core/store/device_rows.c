/*
 * device_rows.c - the queries of the device authorization grant
 * (device_grants); see device_rows.h.
 */
#include "base/prelude.h"

#include "store/device_rows.h"

#include <stdio.h>
#include <string.h>

#include "store/sql.h"

static void copy_col(char *dst, size_t size, struct rl_stmt *st, int col)
{
	const char *s = rl_col_text(st, col);
	snprintf(dst, size, "%s", s ? s : "");
}

int rl_rows_device_grant_prune(struct rl_db *db, const char *before, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "DELETE FROM device_grants WHERE expires_at < ?", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, before, -1);
	return rl_db_run(db, st, "forgetting old device grants", err);
}

int rl_rows_device_grant_live(struct rl_db *db, const char *ip, const char *now, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*) FROM device_grants WHERE ip IS NOT DISTINCT FROM ? "
					  "AND expires_at > ? AND status <> 'issued'", err);
	int64_t live = 0;

	if (!st)
		return -1;
	rl_db_bind_text(st, 1, ip);
	rl_bind_text(st, 2, now, -1);
	return rl_db_lookup_int64(db, st, &live, "counting device grants", err) < 0 ? -1 : (int)live;
}

int rl_rows_device_grant_insert(struct rl_db *db, const struct rl_row_device_grant_new *g, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO device_grants(device_hash, user_code_hash, client_id, ip, "
					  "created_at, expires_at, interval) VALUES (?, ?, ?, ?, ?, ?, ?)", err);
	int rc, refused;

	if (!st)
		return -1;
	rl_bind_blob(st, 1, g->device_hash, 32);
	rl_bind_blob(st, 2, g->user_code_hash, 32);
	rl_bind_text(st, 3, g->client_id, -1);
	rl_db_bind_text(st, 4, g->ip);
	rl_bind_text(st, 5, g->created_at, -1);
	rl_bind_text(st, 6, g->expires_at, -1);
	rl_bind_int(st, 7, g->interval);
	/* rl_try_step: after a collision the transaction must stay usable for the caller's next draw. */
	rc = rl_try_step(st);
	refused = rc != RL_DONE && rl_db_constraint_violation(db);
	if (refused) {
		rl_reset(st);
		return 1;
	}
	return rl_db_finish(db, st, rc, "storing a device grant", err);
}

int rl_rows_device_grant_by_device(struct rl_db *db, const uint8_t device_hash[32], struct rl_row_device_grant *out,
				   struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, status, expires_at, interval, last_poll_at, user_id "
					  "FROM device_grants WHERE device_hash = ?", err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	rl_bind_blob(st, 1, device_hash, 32);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		out->id = rl_col_int64(st, 0);
		copy_col(out->status, sizeof(out->status), st, 1);
		copy_col(out->expires_at, sizeof(out->expires_at), st, 2);
		out->interval = rl_col_int(st, 3);
		copy_col(out->last_poll_at, sizeof(out->last_poll_at), st, 4);
		out->user_id = rl_col_int64(st, 5);
	}
	return rl_db_finish(db, st, rc, "reading a device grant", err);
}

int rl_rows_device_grant_by_user_code(struct rl_db *db, const uint8_t user_code_hash[32],
				      struct rl_row_device_grant *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, status, expires_at FROM device_grants WHERE user_code_hash = ?", err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	rl_bind_blob(st, 1, user_code_hash, 32);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		out->id = rl_col_int64(st, 0);
		copy_col(out->status, sizeof(out->status), st, 1);
		copy_col(out->expires_at, sizeof(out->expires_at), st, 2);
	}
	return rl_db_finish(db, st, rc, "reading a device grant", err);
}

int rl_rows_device_grant_polled(struct rl_db *db, int64_t id, const char *now, int add, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE device_grants SET last_poll_at = ?1, \"interval\" = "
					  "CASE WHEN \"interval\" + ?2 > 300 THEN 300 ELSE \"interval\" + ?2 END WHERE id = ?3", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, now, -1);
	rl_bind_int(st, 2, add);
	rl_bind_int64(st, 3, id);
	return rl_db_run(db, st, "recording a device poll", err);
}

int rl_rows_device_grant_issued(struct rl_db *db, int64_t id, int64_t token_id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE device_grants SET status = 'issued', token_id = ? WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, token_id);
	rl_bind_int64(st, 2, id);
	return rl_db_run(db, st, "marking a device grant used", err);
}

int rl_rows_device_grant_decide(struct rl_db *db, int64_t id, const char *status, int64_t user_id, const char *now,
				struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE device_grants SET status = ?, user_id = ?, decided_at = ? WHERE id = ?",
					err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, status, -1);
	rl_bind_int64(st, 2, user_id);
	rl_bind_text(st, 3, now, -1);
	rl_bind_int64(st, 4, id);
	return rl_db_run(db, st, "deciding a device grant", err);
}
