/*
 * ledger_lookup.c - reads of ledger rows by index, subject and kind; see
 * ledger_lookup.h.
 */
#include "base/prelude.h"

#include "store/ledger_lookup.h"

#include "store/sql.h"

void rl_row_ledger_entry_release(struct rl_row_ledger_entry *e)
{
	if (!e)
		return;
	free(e->message);
	e->message = NULL;
	e->message_len = 0;
}

int rl_rows_ledger_entry(struct rl_db *db, int64_t index, struct rl_row_ledger_entry *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT kind, coalesce(signer_id, 0), coalesce(subject_id, 0), message "
					"FROM ledger WHERE idx = ?", err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	if ((rc = rl_step(st)) == RL_ROW) {
		const char *kind = rl_col_text(st, 0), *m = rl_col_text(st, 3);

		out->index = index;
		snprintf(out->kind, sizeof(out->kind), "%s", kind ? kind : "");
		out->signer = rl_col_int64(st, 1);
		out->subject = rl_col_int64(st, 2);
		if (m) {
			out->message_len = (size_t)rl_col_bytes(st, 3);
			if (!(out->message = malloc(out->message_len + 1))) {
				rl_reset(st);
				return rl_error_internal(err, "out of memory reading a ledger entry");
			}
			memcpy(out->message, m, out->message_len);
			out->message[out->message_len] = '\0';
		}
	}
	return rl_db_finish(db, st, rc, "reading a ledger entry", err);
}

int rl_rows_ledger_device_key(struct rl_db *db, int64_t user, const char *needle, int64_t *index,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT idx FROM ledger WHERE subject_id = ? AND kind = 'device_key' "
					"AND replace(message, ?, '') <> message ORDER BY idx LIMIT 1", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	rl_bind_text(st, 2, needle, -1);
	return rl_db_lookup_int64(db, st, index, "reading the ledger's device keys", err);
}

#define NAMED_BY_SQL(kinds) "SELECT idx FROM ledger WHERE subject_id = ?1 AND idx > ?2 AND kind IN (" kinds ") " \
	"AND (replace(message, ?3, '') <> message OR replace(message, ?4, '') <> message) ORDER BY idx LIMIT 1"
static const char superseding_sql[] = NAMED_BY_SQL("'assessment', 'module_completion'");
static const char withdrawing_sql[] = NAMED_BY_SQL("'signoff_withdrawal'");

int rl_rows_ledger_first_naming(struct rl_db *db, int which, int64_t trainee, int64_t after, const char *needle_a,
				const char *needle_b, int64_t *index, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, which == RL_ROWS_WITHDRAWING ? withdrawing_sql : superseding_sql, err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	rl_bind_int64(st, 2, after);
	rl_bind_text(st, 3, needle_a, -1);
	rl_bind_text(st, 4, needle_b, -1);
	return rl_db_lookup_int64(db, st, index, "reading the ledger's corrections", err);
}

int rl_rows_ledger_key_chain(struct rl_db *db, int64_t subject, int (*each)(void *ctx, int64_t index), void *ctx,
			     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT idx FROM ledger WHERE subject_id = ? AND kind IN "
					"('trainer_accreditation', 'device_key', 'key_revocation', 'revocation') "
					"ORDER BY idx", err);
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, subject);
	while ((rc = rl_step(st)) == RL_ROW)
		if ((stop = each(ctx, rl_col_int64(st, 0))) != 0)
			break;
	if (!stop && rc != RL_DONE)
		rl_db_fail(db, err, "reading a trainer's key chain");
	rl_reset(st);
	return stop ? stop : rc == RL_DONE ? 0 : -1;
}

int rl_rows_ledger_of_person(struct rl_db *db, int64_t person, int64_t *idx, size_t max, size_t *n,
			     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT idx FROM ledger WHERE subject_id = ? OR signer_id = ? ORDER BY idx", err);
	int rc = RL_DONE;

	*n = 0;
	if (!st)
		return -1;
	rl_bind_int64(st, 1, person);
	rl_bind_int64(st, 2, person);
	while (*n < max && (rc = rl_step(st)) == RL_ROW)
		idx[(*n)++] = rl_col_int64(st, 0);
	if (*n < max && rc != RL_DONE)
		rl_db_fail(db, err, "reading a person's ledger entries");
	rl_reset(st);
	return *n == max || rc == RL_DONE ? 0 : -1;
}

int rl_rows_ledger_accreditations(struct rl_db *db,
				  int (*each)(void *ctx, int64_t index, const char *message, size_t len),
				  void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT idx, message FROM ledger WHERE (kind = 'accreditation' "
					"OR kind = 'trainer_accreditation' OR kind = 'revocation') ORDER BY idx", err);
	int rc, stop = 0;

	if (!st)
		return -1;
	while ((rc = rl_step(st)) == RL_ROW) {
		const char *m = rl_col_text(st, 1);

		if ((stop = each(ctx, rl_col_int64(st, 0), m, m ? (size_t)rl_col_bytes(st, 1) : 0)) != 0)
			break;
	}
	if (!stop && rc != RL_DONE)
		rl_db_fail(db, err, "reading the ledger's accreditations");
	rl_reset(st);
	return stop ? stop : rc == RL_DONE ? 0 : -1;
}

/* rl_rows_ledger_kind_rank's row: whether the entry is of the kind, and how many of the kind reach it. */
static int rank_row(void *ctx, struct rl_stmt *st)
{
	*(int64_t *)ctx = rl_col_int64(st, 0) == 1 ? rl_col_int64(st, 1) : 0;
	return 0;
}

int rl_rows_ledger_kind_rank(struct rl_db *db, const char *kind, int64_t index, int64_t *rank,
			     struct rl_error *err)
{
	/* The partial index ledger_accreditations' own condition (021, 026) lets the index serve it. */
	struct rl_stmt *st = rl_db_stmt(db, "SELECT (SELECT count(*) FROM ledger WHERE idx = ?2 AND kind = ?1), "
					"(SELECT count(*) FROM ledger WHERE (kind = 'accreditation' OR "
					"kind = 'trainer_accreditation' OR kind = 'revocation') AND kind = ?1 AND idx <= ?2)", err);

	*rank = 0;
	if (!st)
		return -1;
	rl_bind_text(st, 1, kind, -1);
	rl_bind_int64(st, 2, index);
	if (rl_db_get_row(db, st, rank_row, rank, "ranking a ledger entry among its kind", err) < 0)
		return -1;
	return *rank > 0;
}

int rl_rows_ledger_about_after(struct rl_db *db, int64_t subject, int64_t after,
			       int (*each)(void *ctx, int64_t index, const char *kind, const char *message, size_t len),
			       void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT idx, kind, message FROM ledger WHERE subject_id = ? AND idx > ? "
					"ORDER BY idx", err);
	int rc, stop = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, subject);
	rl_bind_int64(st, 2, after);
	while ((rc = rl_step(st)) == RL_ROW) {
		const char *kind = rl_col_text(st, 1), *m = rl_col_text(st, 2);

		if ((stop = each(ctx, rl_col_int64(st, 0), kind ? kind : "", m, m ? (size_t)rl_col_bytes(st, 2) : 0)) != 0)
			break;
	}
	if (!stop && rc != RL_DONE)
		rl_db_fail(db, err, "reading the trainee's new ledger entries");
	rl_reset(st);
	return stop ? stop : rc == RL_DONE ? 0 : -1;
}
