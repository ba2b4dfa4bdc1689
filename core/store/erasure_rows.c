/*
 * erasure_rows.c - a free text's rows and the records' copies of it in
 * SQL; see erasure_rows.h.
 */
#include "base/prelude.h"

#include "store/erasure_rows.h"

#include <string.h>

/* The record copies of an entry's text: (kind, member) -> one UPDATE that clears it, ?1 the entry's index. */
static const struct {
	const char *kind, *member, *sql;
} copies[] = {
	{ "session_signoff", "session.notes", "UPDATE sessions SET notes = NULL WHERE signoff_index = ?1" },
	{ "session_signoff", "reason", "UPDATE sessions SET reject_reason = NULL WHERE signoff_index = ?1" },
	{ "simulator_import", "reason", "UPDATE imports SET reject_reason = NULL WHERE signoff_index = ?1" },
	{ "elearning_confirmation", "reason", "UPDATE imports SET reject_reason = NULL WHERE signoff_index = ?1" },
	{ "revocation", "reason", "UPDATE trainer_accreditations SET revoked_reason = NULL WHERE revoked_index = ?1" },
	{ "revocation", "reason", "UPDATE trainee_accreditations SET revoked_reason = NULL WHERE revoked_index = ?1" },
	/* The rejection mail quoted the reason (domain/notify.c, key "decision:INDEX"). */
	{ "session_signoff", "reason", "UPDATE outbox SET body = 'This message quoted a text that has since been erased "
				       "from raslog.\n' WHERE idempotency_key = 'decision:' || CAST(?1 AS TEXT)" },
};

int rl_rows_erasure_entry(struct rl_db *db, int64_t index,
			  int (*each)(void *ctx, const char *kind, int64_t subject, const char *message, size_t len),
			  void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT kind, coalesce(subject_id, 0), message FROM ledger WHERE idx = ?1", err);
	int rc, result = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	if ((rc = rl_step(st)) != RL_ROW)
		return rl_db_finish(db, st, rc, "reading a ledger entry", err);
	result = each(ctx, rl_col_text(st, 0), rl_col_int64(st, 1), rl_col_text(st, 2), (size_t)rl_col_bytes(st, 2));
	rl_reset(st);
	return result ? result : 1;
}

int rl_rows_erasure_count(struct rl_db *db, int64_t index, const char *member, int *live, int *total,
			  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*) FILTER (WHERE text IS NOT NULL), count(*) FROM ledger_texts "
			    "WHERE ledger_index = ?1 AND (CAST(?2 AS TEXT) IS NULL OR member = ?2)", err);
	int rc;

	*live = *total = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	rl_db_bind_text(st, 2, member);
	if ((rc = rl_step(st)) == RL_ROW) {
		*live = rl_col_int(st, 0);
		*total = rl_col_int(st, 1);
	}
	return rl_db_finish(db, st, rc, "reading the entry's texts", err) < 0 ? -1 : 0;
}

int rl_rows_erasure_live_members(struct rl_db *db, int64_t index, const char *member,
				 int (*each)(void *ctx, const char *member), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT member FROM ledger_texts WHERE ledger_index = ?1 AND (CAST(?2 AS TEXT) IS NULL OR member = ?2) "
			    "AND text IS NOT NULL ORDER BY member", err);
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	rl_db_bind_text(st, 2, member);
	while (!stop && (rc = rl_step(st)) == RL_ROW)
		stop = each(ctx, rl_col_text(st, 0));
	if (stop) {
		rl_reset(st);
		return stop;
	}
	return rl_db_finish(db, st, rc, "reading the entry's texts", err);
}

int rl_rows_erasure_erase(struct rl_db *db, int64_t index, const char *member, const char *now, int64_t by,
			  const char *reason, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE ledger_texts SET text = NULL, salt = NULL, erased_at = ?3, erased_by = ?4, "
			    "erase_reason = ?5 WHERE ledger_index = ?1 AND (CAST(?2 AS TEXT) IS NULL OR member = ?2) AND text IS NOT NULL",
			err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	rl_db_bind_text(st, 2, member);
	rl_bind_text(st, 3, now, -1);
	if (by)
		rl_bind_int64(st, 4, by);
	else
		rl_bind_null(st, 4);
	rl_bind_text(st, 5, reason, -1);
	return rl_db_run(db, st, "erasing the text", err);
}

int rl_rows_erasure_clear_copies(struct rl_db *db, const char *kind, const char *member, int64_t index,
				 struct rl_error *err)
{
	for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
		struct rl_stmt *st;

		if (strcmp(copies[i].kind, kind) != 0 || strcmp(copies[i].member, member) != 0)
			continue;
		if (!(st = rl_db_stmt(db, copies[i].sql, err)))
			return -1;
		rl_bind_int64(st, 1, index);
		if (rl_db_run(db, st, "erasing the record's copy of the text", err) < 0)
			return -1;
	}
	return 0;
}
