/*
 * ledger_rows.c - the rows of the ledger, its Merkle nodes, its signed
 * heads and its free texts; see ledger_rows.h.
 */
#include "base/prelude.h"

#include "store/ledger_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ledger ---------------------------------------------------------------------------- */

int rl_rows_ledger_size(struct rl_db *db, int64_t *size, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT coalesce(max(idx) + 1, 0) FROM ledger", err);

	return st && rl_db_lookup_int64(db, st, size, "reading the ledger size", err) >= 0 ? 0 : -1;
}

int rl_rows_ledger_insert(struct rl_db *db, const struct rl_row_ledger *row, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO ledger(idx, kind, message, public_key, signature, signer_id, "
					  "subject_id, created_at) VALUES (?,?,?,?,?,?,?,?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, row->idx);
	rl_bind_text(st, 2, row->kind, -1);
	rl_bind_text(st, 3, row->message, (int)row->message_len);
	rl_bind_blob(st, 4, row->public_key, (int)row->public_key_len);
	rl_bind_blob(st, 5, row->signature, (int)row->signature_len);
	if (row->signer)
		rl_bind_int64(st, 6, row->signer);
	if (row->subject)
		rl_bind_int64(st, 7, row->subject);
	rl_bind_text(st, 8, row->created_at, -1);
	return rl_db_run(db, st, "appending to the ledger", err);
}

int rl_rows_ledger_kind(struct rl_db *db, int64_t idx, char out[64], struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT kind FROM ledger WHERE idx = ?", err);
	int rc;

	out[0] = '\0';
	if (!st)
		return -1;
	rl_bind_int64(st, 1, idx);
	if ((rc = rl_step(st)) == RL_ROW)
		snprintf(out, 64, "%s", rl_col_text(st, 0));
	return rl_db_finish(db, st, rc, "reading a ledger entry's kind", err);
}

static void ledger_row(struct rl_stmt *st, struct rl_row_ledger *row)
{
	*row = (struct rl_row_ledger){
		.idx = rl_col_int64(st, 0),
		.message = rl_col_text(st, 1),
		.message_len = (size_t)rl_col_bytes(st, 1),
		.public_key = rl_col_blob(st, 2),
		.public_key_len = (size_t)rl_col_bytes(st, 2),
		.signature = rl_col_blob(st, 3),
		.signature_len = (size_t)rl_col_bytes(st, 3),
		.kind = rl_col_text(st, 4),
		.signer = rl_col_is_null(st, 5) ? 0 : rl_col_int64(st, 5),
		.subject = rl_col_is_null(st, 6) ? 0 : rl_col_int64(st, 6),
	};
}

/* ledger_call: a ledger row handed to the caller's typed each (rl_db_each_row). */
RL_DB_ROW_READER(ledger, struct rl_row_ledger, ledger_row)

int rl_rows_ledger_each(struct rl_db *db, int64_t from, int64_t count,
			int (*each)(void *ctx, const struct rl_row_ledger *row), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT l.idx, l.message, l.public_key, l.signature, l.kind, l.signer_id, "
					  "l.subject_id FROM ledger l WHERE l.idx >= ?1 ORDER BY l.idx LIMIT ?2", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, from < 0 ? 0 : from);
	rl_bind_int64(st, 2, count <= 0 ? INT64_MAX : count);
	return rl_db_each_row(db, st, ledger_call, &(struct ledger_each){ each, ctx }, "exporting the ledger", err);
}

/*
 * The walk of rl_ledger_check_restore reads the entries and the stored
 * leaves as two ordered scans side by side (a merge), not one join: the
 * join looked each leaf up in merkle_nodes, a b-tree descent per entry
 * (a third of the walk's CPU in SQLite at full scale).  An entry without
 * its leaf is handed on with leaf_len 0, as the join's NULL was.
 */
int rl_rows_ledger_leaves_each(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_ledger_leaf *row),
			       void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT idx, message, signature, public_key FROM ledger ORDER BY idx",
					err);
	/* Leaves come in index order in post-order: one scan of merkle_nodes, its interior nodes skipped. */
	struct rl_stmt *lv = st ? rl_db_stmt(db, "SELECT idx, hash FROM merkle_nodes WHERE level = 0 ORDER BY pos",
					     err) : NULL;
	struct rl_row_ledger_leaf row;
	int rc, lrc = RL_ROW, stop = 0;
	int64_t leaf_idx = -1;

	if (!lv)
		return -1;
	while ((rc = rl_step(st)) == RL_ROW) {
		row = (struct rl_row_ledger_leaf){
			.idx = rl_col_int64(st, 0),
			.message = rl_col_blob(st, 1),
			.message_len = (size_t)rl_col_bytes(st, 1),
			.signature = rl_col_blob(st, 2),
			.signature_len = (size_t)rl_col_bytes(st, 2),
			.public_key = rl_col_blob(st, 3),
			.public_key_len = (size_t)rl_col_bytes(st, 3),
		};
		while (lrc == RL_ROW && leaf_idx < row.idx)
			if ((lrc = rl_step(lv)) == RL_ROW)
				leaf_idx = rl_col_int64(lv, 0);
		if (lrc != RL_ROW && lrc != RL_DONE)
			break;
		if (lrc == RL_ROW && leaf_idx == row.idx) {
			row.leaf = rl_col_blob(lv, 1);
			row.leaf_len = (size_t)rl_col_bytes(lv, 1);
		}
		if ((stop = each(ctx, &row)) != 0)
			break;
	}
	if (stop) {
		rl_reset(st);
		rl_reset(lv);
		return stop;
	}
	/* The failed statement's reason is read before the other is reset (a reset may forget it). */
	if (lrc != RL_ROW && lrc != RL_DONE) {
		rc = rl_db_finish(db, lv, lrc, "checking the ledger's leaves", err);
		rl_reset(st);
	} else {
		rc = rl_db_finish(db, st, rc, "checking the ledger", err);
		rl_reset(lv);
	}
	return rc;
}

/* ---- merkle_nodes ---------------------------------------------------------------------- */

uint64_t rl_rows_merkle_pos(unsigned level, uint64_t idx)
{
	uint64_t m = idx << level, ones = 0;

	for (uint64_t b = m; b; b &= b - 1)
		ones++;
	return 2 * m - ones + ((uint64_t)2 << level) - 2;
}

int rl_rows_merkle_node(struct rl_db *db, unsigned level, uint64_t idx, uint8_t out[32], struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT hash FROM merkle_nodes WHERE pos = ?", err);
	int rc, found = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, (int64_t)rl_rows_merkle_pos(level, idx));
	if ((rc = rl_step(st)) == RL_ROW && rl_col_bytes(st, 0) == 32) {
		memcpy(out, rl_col_blob(st, 0), 32);
		found = 1;
	}
	return rl_db_finish(db, st, rc, "reading the ledger's Merkle nodes", err) < 0 ? -1 : found;
}

int rl_rows_merkle_node_insert(struct rl_db *db, unsigned level, uint64_t idx, const uint8_t hash[32],
			       struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO merkle_nodes(pos, level, idx, hash) VALUES (?,?,?,?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, (int64_t)rl_rows_merkle_pos(level, idx));
	rl_bind_int(st, 2, (int)level);
	rl_bind_int64(st, 3, (int64_t)idx);
	rl_bind_blob(st, 4, hash, 32);
	return rl_db_run(db, st, "storing the ledger's Merkle nodes", err);
}

/* ---- tree_heads ------------------------------------------------------------------------ */

void rl_rows_tree_head_clear(struct rl_row_tree_head *h)
{
	free(h->timestamp);
	h->timestamp = NULL;
}

int rl_rows_tree_head_latest(struct rl_db *db, struct rl_row_tree_head *h, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT tree_size, root_hash, timestamp, signature FROM tree_heads "
					  "ORDER BY tree_size DESC LIMIT 1", err);
	const char *ts;
	int rc;

	memset(h, 0, sizeof(*h));
	if (!st)
		return -1;
	if ((rc = rl_step(st)) != RL_ROW)
		return rl_db_finish(db, st, rc, "reading the tree head", err);
	h->tree_size = rl_col_int64(st, 0);
	h->root_len = (size_t)rl_col_bytes(st, 1);
	if (h->root_len == 32)
		memcpy(h->root, rl_col_blob(st, 1), 32);
	h->signature_len = (size_t)rl_col_bytes(st, 3);
	if (h->signature_len == 64)
		memcpy(h->signature, rl_col_blob(st, 3), 64);
	if ((ts = rl_col_text(st, 2)) && !(h->timestamp = strdup(ts))) {
		rl_reset(st);
		return rl_error_internal(err, "out of memory");
	}
	rl_reset(st);
	return 1;
}

int rl_rows_tree_head_last_size(struct rl_db *db, int64_t *size, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT coalesce(max(tree_size), -1) FROM tree_heads", err);

	return st && rl_db_lookup_int64(db, st, size, "reading the tree head", err) >= 0 ? 0 : -1;
}

int rl_rows_tree_head_insert(struct rl_db *db, int64_t tree_size, const uint8_t root[32], const char *timestamp,
			     const uint8_t signature[64], struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO tree_heads(tree_size, root_hash, timestamp, signature) "
					  "VALUES (?,?,?,?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, tree_size);
	rl_bind_blob(st, 2, root, 32);
	rl_bind_text(st, 3, timestamp, -1);
	rl_bind_blob(st, 4, signature, 64);
	return rl_db_run(db, st, "storing the tree head", err);
}

/* ---- ledger_texts ---------------------------------------------------------------------- */

int rl_rows_ledger_text_insert(struct rl_db *db, int64_t ledger_index, const char *member, const char *text,
			       size_t text_len, const char *salt, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO ledger_texts (ledger_index, member, text, salt) "
					  "VALUES (?, ?, ?, ?)", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, ledger_index);
	rl_bind_text(st, 2, member, -1);
	rl_bind_text(st, 3, text, (int)text_len);
	rl_bind_text(st, 4, salt, -1);
	return rl_db_run(db, st, "storing the statement's texts", err);
}

static void ledger_text_row(struct rl_stmt *st, struct rl_row_ledger_text *row)
{
	int held = !rl_col_is_null(st, 1);

	*row = (struct rl_row_ledger_text){
		.member = rl_col_text(st, 0),
		.text = held ? rl_col_text(st, 1) : NULL,
		.text_len = held ? (size_t)rl_col_bytes(st, 1) : 0,
		.salt = rl_col_text(st, 2),
		.erased_at = rl_col_text(st, 3),
	};
}

/* ledger_text_call: a free-text row handed to the caller's typed each (rl_db_each_row). */
RL_DB_ROW_READER(ledger_text, struct rl_row_ledger_text, ledger_text_row)

int rl_rows_ledger_texts_each(struct rl_db *db, int64_t ledger_index,
			      int (*each)(void *ctx, const struct rl_row_ledger_text *row), void *ctx,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT member, text, salt, erased_at FROM ledger_texts "
					  "WHERE ledger_index = ? ORDER BY member", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, ledger_index);
	return rl_db_each_row(db, st, ledger_text_call, &(struct ledger_text_each){ each, ctx },
			      "reading an entry's free text", err);
}
