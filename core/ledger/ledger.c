/*
 * ledger.c - append, Merkle nodes, tree heads and proofs; see ledger.h.
 */
#include "base/prelude.h"

#include "ledger/ledger.h"
#include "ledger/texts.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "ledger/jcs.h"
#include "ledger/kinds.h"
#include "ledger/merkle.h"
#include "store/ledger_rows.h"
#include "store/secrets.h"
#include "base/util.h"

#define MAX_PROOF 128

char *rl_statement_message(const json_t *statement, size_t *len, struct rl_error *err)
{
	struct rl_buf b = RL_BUF_INIT;

	if (rl_buf_puts(&b, RL_STATEMENT_PREFIX) < 0 || rl_jcs_append(&b, statement, err) < 0) {
		rl_buf_release(&b);
		if (!err->status)
			rl_error_internal(err, "statement too large");
		return NULL;
	}
	return rl_buf_detach(&b, len);
}

int rl_ledger_init(struct rl_db *db, struct rl_error *err)
{
	int64_t size;

	/* The key lives in its own file (secrets.h); meta records its public key. */
	if (rl_secret_create(db, RL_SECRET_LOG, err) < 0)
		return -1;
	if (rl_ledger_size(db, &size, err) < 0)
		return -1;
	return rl_ledger_seal(db, err);
}

int rl_ledger_log_key(struct rl_db *db, uint8_t pk[32], struct rl_error *err)
{
	if (rl_db_meta_get(db, "log_public_key", pk, 32) != 32)
		return rl_error_set(err, RL_E_INTERNAL, "no-log-key", NULL,
				    "the database has no log key; run 'raslogd init'");
	return 0;
}

int rl_ledger_log_sign(struct rl_db *db, const char *message, size_t len, uint8_t sig[64],
		       struct rl_error *err)
{
	const uint8_t *sk = rl_secret_get(db, RL_SECRET_LOG, err);

	if (!sk)
		return -1;
	crypto_sign_detached(sig, NULL, (const unsigned char *)message, len, sk);
	return 0;
}

/* ------------------------------------------------------------ the batch (ledger.h) */

struct batch_node {
	uint64_t index;
	unsigned level;
	unsigned used;
	uint8_t hash[32];
};

/* An entry the batch appended: its index and whom it is about. */
struct batch_entry {
	int64_t index, subject;
};

/* The batch of the calling thread: one connection's transaction at a time.  Nodes by open addressing. */
static _Thread_local struct {
	struct rl_db *db;          /* NULL: no batch */
	size_t cap, n;
	struct batch_node *nodes;
	size_t nent, capent;
	struct batch_entry *ents;
	int sealed;                /* the seal signed a head in this batch: */
	int64_t size;              /* its size, */
	uint8_t root[32], sig[64]; /* root and signature */
	char timestamp[21];
} batch;

static size_t node_slot(unsigned level, uint64_t index, size_t cap)
{
	return (size_t)(((index * 64 + level) * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

static struct batch_node *node_find(unsigned level, uint64_t index)
{
	size_t i;

	if (!batch.cap)
		return NULL;
	for (i = node_slot(level, index, batch.cap); batch.nodes[i].used; i = (i + 1) & (batch.cap - 1))
		if (batch.nodes[i].index == index && batch.nodes[i].level == level)
			return &batch.nodes[i];
	return NULL;
}

/* Keeps the node (a later write of the same place replaces it); without memory it is simply not kept. */
static void node_put(unsigned level, uint64_t index, const uint8_t hash[32])
{
	struct batch_node *nd = node_find(level, index);
	size_t i;

	if (!nd && (batch.n + 1) * 2 > batch.cap) {
		size_t cap = batch.cap ? batch.cap * 2 : 1024;
		struct batch_node *t = calloc(cap, sizeof(*t));

		if (!t)
			return;
		for (i = 0; i < batch.cap; i++) {
			size_t j;

			if (!batch.nodes[i].used)
				continue;
			for (j = node_slot(batch.nodes[i].level, batch.nodes[i].index, cap); t[j].used; j = (j + 1) & (cap - 1))
				;
			t[j] = batch.nodes[i];
		}
		free(batch.nodes);
		batch.nodes = t;
		batch.cap = cap;
	}
	if (!nd) {
		for (i = node_slot(level, index, batch.cap); batch.nodes[i].used; i = (i + 1) & (batch.cap - 1))
			;
		nd = &batch.nodes[i];
		nd->used = 1;
		nd->level = level;
		nd->index = index;
		batch.n++;
	}
	memcpy(nd->hash, hash, 32);
}

void rl_ledger_batch_begin(struct rl_db *db)
{
	rl_ledger_batch_end(NULL);
	batch.db = db;
}

void rl_ledger_batch_end(struct rl_db *db)
{
	(void)db;
	free(batch.nodes);
	free(batch.ents);
	memset(&batch, 0, sizeof(batch));
}

int rl_ledger_batch_appended(struct rl_db *db, int64_t subject, int64_t after, int64_t before)
{
	if (!db || batch.db != db)
		return -1;
	for (size_t i = 0; i < batch.nent; i++)
		if (batch.ents[i].subject == subject && batch.ents[i].index > after && batch.ents[i].index < before)
			return 1;
	return 0;
}

/* Records an entry appended in the batch; -1 without memory (the caller then knows nothing of the batch). */
static int batch_appended(int64_t index, int64_t subject)
{
	if (batch.nent == batch.capent) {
		size_t cap = batch.capent ? batch.capent * 2 : 256;
		struct batch_entry *e = realloc(batch.ents, cap * sizeof(*e));

		if (!e)
			return -1;
		batch.ents = e;
		batch.capent = cap;
	}
	batch.ents[batch.nent++] = (struct batch_entry){ index, subject };
	return 0;
}

/* Merkle node reads for core/ledger/merkle.c: the batch's first, else the table's (kept for the batch). */
static int get_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct rl_error err = RL_ERROR_INIT; /* a read failure is no node: merkle.c reports it */
	struct batch_node *nd = batch.db == ctx ? node_find(level, index) : NULL;

	if (nd) {
		memcpy(out, nd->hash, 32);
		return 0;
	}
	if (rl_rows_merkle_node(ctx, level, index, out, &err) != 1)
		return -1;
	if (batch.db == ctx)
		node_put(level, index, out);
	return 0;
}

int rl_ledger_size(struct rl_db *db, int64_t *size, struct rl_error *err)
{
	return rl_rows_ledger_size(db, size, err);
}

int rl_ledger_append(struct rl_db *db, const char *kind, const char *message, size_t len,
		     const uint8_t pk[32], const uint8_t sig[64], int64_t signer, int64_t subject,
		     int64_t *index_out, struct rl_error *err)
{
	struct rl_merkle_node nodes[65];
	uint8_t leaf[32];
	int64_t index;
	char now[21];
	int n;

	if (rl_ledger_size(db, &index, err) < 0)
		return -1;
	rl_now_rfc3339(now);
	if (rl_rows_ledger_insert(db, &(struct rl_row_ledger){ .idx = index, .kind = kind, .message = message,
			.message_len = len, .public_key = pk, .public_key_len = 32, .signature = sig,
			.signature_len = 64, .signer = signer, .subject = subject, .created_at = now }, err) < 0)
		return -1;

	rl_merkle_leaf_hash((const uint8_t *)message, len, sig, pk, leaf);
	n = rl_merkle_append(get_node, db, (uint64_t)index, leaf, nodes, 65);
	if (n < 0)
		return rl_error_internal(err, "the ledger's Merkle nodes are incomplete");
	for (int i = 0; i < n; i++) {
		if (rl_rows_merkle_node_insert(db, nodes[i].level, nodes[i].index, nodes[i].hash, err) < 0)
			return -1;
		if (batch.db == db)
			node_put(nodes[i].level, nodes[i].index, nodes[i].hash);
	}
	/* Without memory for the record, the batch no longer says what it appended: it ends its record. */
	if (batch.db == db && batch_appended(index, subject) < 0)
		rl_ledger_batch_end(db);
	*index_out = index;
	return 0;
}

static json_t *head_body(int64_t size, const uint8_t root[32], const char *timestamp)
{
	char hex[65];

	rl_hex_encode(root, 32, hex);
	return json_pack("{s:I,s:s,s:s}", "tree_size", (json_int_t)size, "root_hash", hex,
			 "timestamp", timestamp);
}

int rl_ledger_seal(struct rl_db *db, struct rl_error *err)
{
	int sealed = 0;
	int64_t size = 0, last = -1;
	uint8_t root[32], sig[64];
	char now[21];
	json_t *body;
	char *msg;
	size_t len;

	if (rl_ledger_size(db, &size, err) < 0 || rl_rows_tree_head_last_size(db, &last, err) < 0)
		return -1;
	if (size == last)
		return 0;
	sealed = 1;
	if (rl_merkle_root(get_node, db, (uint64_t)size, root) < 0)
		return rl_error_internal(err, "cannot compute the ledger root");
	rl_now_rfc3339(now);
	body = head_body(size, root, now);
	msg = body ? rl_jcs_string(body, &len, err) : NULL;
	json_decref(body);
	if (!msg)
		return -1;
	{
		struct rl_buf b = RL_BUF_INIT;
		rl_buf_puts(&b, RL_TREE_HEAD_PREFIX);
		rl_buf_add(&b, msg, len);
		free(msg);
		if (rl_buf_failed(&b)) {
			rl_buf_release(&b);
			return rl_error_internal(err, "cannot build the tree head to sign");
		}
		if (rl_ledger_log_sign(db, b.data, b.len, sig, err) < 0) {
			rl_buf_release(&b);
			return -1;
		}
		rl_buf_release(&b);
	}
	if (rl_rows_tree_head_insert(db, size, root, now, sig, err) < 0)
		return -1;
	if (batch.db == db) {
		batch.sealed = 1;
		batch.size = size;
		memcpy(batch.root, root, 32);
		memcpy(batch.sig, sig, 64);
		snprintf(batch.timestamp, sizeof(batch.timestamp), "%s", now);
	}
	return sealed;
}

/* A signed head as API JSON: {"tree_size","root_hash","timestamp","signature"}. */
static json_t *head_json(int64_t size, const uint8_t root[32], const char *timestamp, const uint8_t signature[64])
{
	char *sig = rl_base64_encode(signature, 64);
	json_t *head = head_body(size, root, timestamp);

	json_object_set_new(head, "signature", json_string(sig));
	free(sig);
	return head;
}

/* The latest head: 0 with the row (rl_rows_tree_head_clear), or -1 with err (none is no-tree-head). */
static int latest_head(struct rl_db *db, struct rl_row_tree_head *h, struct rl_error *err)
{
	int rc = rl_rows_tree_head_latest(db, h, err);

	if (rc == 1 && h->root_len == 32 && h->signature_len == 64)
		return 0;
	rl_rows_tree_head_clear(h);
	if (rc >= 0)
		rl_error_set(err, RL_E_INTERNAL, "no-tree-head", NULL, "the ledger has no signed tree head; run 'raslogd init'");
	return -1;
}

json_t *rl_ledger_head(struct rl_db *db, struct rl_error *err)
{
	struct rl_row_tree_head h;
	json_t *head;

	if (latest_head(db, &h, err) < 0)
		return NULL;
	head = head_json(h.tree_size, h.root, h.timestamp, h.signature);
	rl_rows_tree_head_clear(&h);
	return head;
}

int rl_ledger_receipt_fill(struct rl_db *db, struct rl_ledger_receipt *r, struct rl_error *err)
{
	struct rl_row_tree_head h;

	r->tree_size = 0;
	if (batch.db == db && batch.sealed) {
		r->tree_size = batch.size;
		memcpy(r->root, batch.root, 32);
		memcpy(r->signature, batch.sig, 64);
		snprintf(r->timestamp, sizeof(r->timestamp), "%s", batch.timestamp);
	} else {
		if (latest_head(db, &h, err) < 0)
			return -1;
		r->tree_size = h.tree_size;
		memcpy(r->root, h.root, 32);
		memcpy(r->signature, h.signature, 64);
		snprintf(r->timestamp, sizeof(r->timestamp), "%s", h.timestamp ? h.timestamp : "");
		rl_rows_tree_head_clear(&h);
	}
	if (r->index < 0 || r->index >= r->tree_size || get_node(db, 0, (uint64_t)r->index, r->leaf) < 0 ||
	    rl_merkle_inclusion_proof(get_node, db, (uint64_t)r->index, (uint64_t)r->tree_size, r->hashes,
				      sizeof(r->hashes) / sizeof(r->hashes[0]), &r->n) < 0) {
		r->tree_size = 0;
		return rl_error_internal(err, "cannot compute the receipt's inclusion proof");
	}
	return 0;
}

json_t *rl_ledger_receipt_head(const struct rl_ledger_receipt *r)
{
	return head_json(r->tree_size, r->root, r->timestamp, r->signature);
}

/* DB.head beside a SQLite file; KEY_DIR/head.json for a PostgreSQL database, which has no file. */
static char *head_file_path(struct rl_db *db)
{
	struct rl_buf b = RL_BUF_INIT;
	int rc = rl_db_target_is_postgresql(db->path) ? rl_buf_printf(&b, "%s/head.json", db->key_dir)
						      : rl_buf_printf(&b, "%s.head", db->path);
	if (rc < 0) {
		rl_buf_release(&b);
		return NULL;
	}
	return rl_buf_detach(&b, NULL);
}

void rl_ledger_after_commit(struct rl_db *db)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *head = rl_ledger_head(db, &err);
	char *path = head_file_path(db), *text;

	if (path && head && (text = json_dumps(head, JSON_COMPACT | JSON_SORT_KEYS))) {
		rl_write_file_replace(path, text, strlen(text), 0600);
		free(text);
	}
	json_decref(head);
	free(path);
	rl_error_clear(&err);
}

/* A signed head to compare the recomputed root with. */
struct head_check {
	int64_t size;
	uint8_t root[32];
	const char *where;   /* for the message */
	int done;
};

static int root_mismatch(struct rl_db *db, const struct head_check *h, const uint8_t root[32], struct rl_error *err)
{
	char got[65], want[65];

	rl_hex_encode(root, 32, got);
	rl_hex_encode(h->root, 32, want);
	return rl_error_set(err, RL_E_UNAVAILABLE, "ledger-altered", "The ledger does not match its signed head",
			    "the ledger in %s does not match the tree head signed for its first %lld entries (%s): "
			    "recomputed from the entries the Merkle root is %s, the signed head says %s, so "
			    "entries were changed after they were signed; refusing to serve. Restore the newest "
			    "backup and compare", db->path, (long long)h->size, h->where, got, want);
}

/* Checks the signature of the latest head stored in the database and fills h from it. */
static int table_head(struct rl_db *db, struct head_check *h, struct rl_error *err)
{
	struct rl_row_tree_head row;
	uint8_t pk[32];
	struct rl_buf b = RL_BUF_INIT;
	json_t *body = NULL;
	char *msg = NULL;
	size_t len;
	int rc = rl_rows_tree_head_latest(db, &row, err);

	if (rc <= 0)
		return rc;   /* 0: no head yet, nothing signed to compare with */
	rc = -1;
	h->size = row.tree_size;
	if (row.root_len != 32 || row.signature_len != 64) {
		rl_error_set(err, RL_E_UNAVAILABLE, "ledger-altered", NULL,
			     "the latest tree head in %s is damaged (root or signature of the wrong length)", db->path);
		goto out;
	}
	memcpy(h->root, row.root, 32);
	body = head_body(h->size, h->root, row.timestamp);
	msg = body ? rl_jcs_string(body, &len, err) : NULL;
	if (!msg || rl_buf_puts(&b, RL_TREE_HEAD_PREFIX) < 0 || rl_buf_add(&b, msg, len) < 0) {
		if (!err->status)
			rl_error_internal(err, "out of memory");
		goto out;
	}
	if (rl_ledger_log_key(db, pk, err) < 0)
		goto out;
	if (crypto_sign_verify_detached(row.signature, (const unsigned char *)b.data, b.len, pk) != 0) {
		rl_error_set(err, RL_E_UNAVAILABLE, "ledger-altered", "The ledger does not match its signed head",
			     "the latest tree head in %s (%lld entries) does not carry a valid signature of the log "
			     "key: it was changed after it was signed; refusing to serve", db->path, (long long)h->size);
		goto out;
	}
	h->where = "the latest head in the database";
	rc = 1;
out:
	rl_rows_tree_head_clear(&row);
	rl_buf_release(&b);
	free(msg);
	json_decref(body);
	return rc;
}

/* The walk over every entry of rl_ledger_check_restore. */
struct restore_walk {
	struct rl_db *db;
	struct head_check *heads;
	int nheads;
	struct rl_merkle_stream ms;
	int64_t next;              /* the index the next entry must have */
	struct rl_error *err;
};

/* Compares the root of the entries so far with each head signed at that size: 0, or -1 with err. */
static int restore_heads(struct restore_walk *w)
{
	uint8_t root[32];

	for (int i = 0; i < w->nheads; i++) {
		if (!w->heads[i].done && w->heads[i].size == w->next) {
			rl_merkle_stream_root(&w->ms, root);
			w->heads[i].done = 1;
			if (sodium_memcmp(root, w->heads[i].root, 32) != 0)
				return root_mismatch(w->db, &w->heads[i], root, w->err);
		}
	}
	return 0;
}

static int restore_entry(void *ctx, const struct rl_row_ledger_leaf *row)
{
	struct restore_walk *w = ctx;
	uint8_t leaf[32];

	if (restore_heads(w) < 0)
		return -1;
	if (row->idx != w->next || row->signature_len != 64 || row->public_key_len != 32)
		return rl_error_set(w->err, RL_E_UNAVAILABLE, "ledger-altered", "The ledger was altered",
				    "ledger entry %lld in %s is missing or damaged; refusing to serve. Restore the "
				    "newest backup", (long long)w->next, w->db->path);
	rl_merkle_leaf_hash(row->message, row->message_len, row->signature, row->public_key, leaf);
	if (row->leaf_len != 32 || sodium_memcmp(leaf, row->leaf, 32) != 0)
		return rl_error_set(w->err, RL_E_UNAVAILABLE, "ledger-altered", "The ledger was altered",
				    "ledger entry %lld in %s was changed after it was appended: its message, signature "
				    "or key no longer give the leaf hash recorded with it; refusing to serve. Restore "
				    "the newest backup and compare", (long long)w->next, w->db->path);
	rl_merkle_stream_push(&w->ms, leaf);
	w->next++;
	return 0;
}

int rl_ledger_check_restore(struct rl_db *db, struct rl_error *err)
{
	char *path = head_file_path(db), *text = path ? rl_read_file(path, 1 << 16, NULL) : NULL;
	json_t *seen = text ? json_loads(text, 0, NULL) : NULL;
	struct head_check heads[2] = { { 0 } };
	struct restore_walk w = { .db = db, .heads = heads, .err = err };
	int nheads = 0, rc = -1;
	int64_t size;

	if (!path) {
		rl_error_internal(err, "cannot name the ledger head file (out of memory)");
		goto out;
	}
	if (rl_ledger_size(db, &size, err) < 0)
		goto out;
	if (seen) {
		int64_t want = json_integer_value(json_object_get(seen, "tree_size"));
		const char *hex = json_string_value(json_object_get(seen, "root_hash"));

		if (want > size) {
			rl_error_set(err, RL_E_UNAVAILABLE, "ledger-behind", "The ledger is behind its signed head",
				     "the ledger is behind its signed head: %s holds %lld ledger entries but the server "
				     "already signed a tree head of %lld "
				     "(recorded in %s): this looks like a restore of an older copy; refusing to serve. "
				     "Restore the newest backup, or move %s aside if you are sure",
				     db->path, (long long)size, (long long)want, path, path);
			goto out;
		}
		if (hex && strlen(hex) == 64 && rl_hex_decode_exact(hex, heads[0].root, 32) == 0 && want >= 0) {
			heads[0].size = want;
			heads[0].where = path;
			nheads = 1;
		}
	}
	switch (table_head(db, &heads[nheads], err)) {
	case -1:
		goto out;
	case 1:
		if (heads[nheads].size > size) {
			rl_error_set(err, RL_E_UNAVAILABLE, "ledger-behind", "The ledger is behind its signed head",
				     "%s holds %lld ledger entries but its own latest signed head covers %lld: entries "
				     "were removed; refusing to serve. Restore the newest backup",
				     db->path, (long long)size, (long long)heads[nheads].size);
			goto out;
		}
		nheads++;
		break;
	}
	/* Recompute every leaf from the entry itself: the stored leaf must agree, and
	 * the root at each head's size must be the signed one (before each entry, and
	 * after the last). */
	w.nheads = nheads;
	rl_merkle_stream_init(&w.ms);
	if (rl_rows_ledger_leaves_each(db, restore_entry, &w, err) != 0 || restore_heads(&w) < 0)
		goto out;
	rc = 0;
out:
	json_decref(seen);
	free(text);
	free(path);
	return rc;
}

static json_t *hashes_json(uint8_t (*h)[32], size_t n)
{
	json_t *a = json_array();
	char hex[65];

	for (size_t i = 0; i < n; i++) {
		rl_hex_encode(h[i], 32, hex);
		json_array_append_new(a, json_string(hex));
	}
	return a;
}

/* {"leaf_index","tree_size","leaf_hash","hashes"} */
static json_t *inclusion_json(int64_t index, int64_t tree_size, const uint8_t leaf[32], uint8_t (*proof)[32], size_t n)
{
	char hex[65];
	json_t *o;

	rl_hex_encode(leaf, 32, hex);
	o = json_pack("{s:I,s:I,s:s}", "leaf_index", (json_int_t)index, "tree_size", (json_int_t)tree_size,
		      "leaf_hash", hex);
	json_object_set_new(o, "hashes", hashes_json(proof, n));
	return o;
}

json_t *rl_ledger_receipt_proof(const struct rl_ledger_receipt *r)
{
	return inclusion_json(r->index, r->tree_size, r->leaf, (uint8_t (*)[32])r->hashes, r->n);
}

json_t *rl_ledger_inclusion(struct rl_db *db, int64_t index, int64_t tree_size, struct rl_error *err)
{
	uint8_t proof[MAX_PROOF][32], leaf[32];
	size_t n = 0;
	int64_t size;

	if (rl_ledger_size(db, &size, err) < 0)
		return NULL;
	if (tree_size <= 0)
		tree_size = size;
	if (tree_size > size || index < 0 || index >= tree_size) {
		rl_error_set(err, RL_E_INVALID, "bad-range", "No such ledger range",
			     "index must be in 0..tree_size-1 and tree_size at most %lld", (long long)size);
		return NULL;
	}
	if (get_node(db, 0, (uint64_t)index, leaf) < 0 ||
	    rl_merkle_inclusion_proof(get_node, db, (uint64_t)index, (uint64_t)tree_size, proof, MAX_PROOF, &n) < 0) {
		rl_error_internal(err, "cannot compute the inclusion proof");
		return NULL;
	}
	return inclusion_json(index, tree_size, leaf, proof, n);
}

json_t *rl_ledger_consistency(struct rl_db *db, int64_t first, int64_t second, struct rl_error *err)
{
	uint8_t proof[MAX_PROOF][32];
	size_t n = 0;
	int64_t size;
	json_t *o;

	if (rl_ledger_size(db, &size, err) < 0)
		return NULL;
	if (second <= 0)
		second = size;
	if (first <= 0 || first > second || second > size) {
		rl_error_set(err, RL_E_INVALID, "bad-range", "No such ledger range",
			     "need 0 < first <= second <= %lld", (long long)size);
		return NULL;
	}
	if (rl_merkle_consistency_proof(get_node, db, (uint64_t)first, (uint64_t)second, proof, MAX_PROOF, &n) < 0) {
		rl_error_internal(err, "cannot compute the consistency proof");
		return NULL;
	}
	o = json_pack("{s:I,s:I}", "first", (json_int_t)first, "second", (json_int_t)second);
	json_object_set_new(o, "hashes", hashes_json(proof, n));
	return o;
}

/*
 * Kinds whose entries every signed-in reader sees in full: the keys and
 * trainer accreditations that every other statement's authority rests on
 * (so that a redacted export still checks each signature it shows), and
 * which are public facts of the faculty.  A revocation is one of them when
 * it revokes a trainer accreditation.  docs/ledger.md "Who sees what".
 */
/* Public kinds are a column of the table of kinds (schema/kinds.json, ledger/kinds.h); a revocation is as public as what it revokes. */
static int is_public_kind(const char *kind, const char *revoked_kind)
{
	const struct rl_kind *k;

	if (kind && strcmp(kind, "revocation") == 0)
		kind = revoked_kind;
	k = rl_kind_find(kind);
	return k && k->is_public;
}

/* The kind of the entry a revocation (row's message) revokes, or "" when there is none. */
static void revoked_kind(struct rl_db *db, const struct rl_row_ledger *row, char out[64])
{
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	const char *msg = row->message;
	size_t len = row->message_len;
	json_t *doc = msg && len > plen ? json_loadb(msg + plen, len - plen, 0, NULL) : NULL;
	json_t *target = json_object_get(doc, "accreditation_index");
	struct rl_error err = RL_ERROR_INIT;

	out[0] = '\0';
	if (json_is_integer(target))
		rl_rows_ledger_kind(db, json_integer_value(target), out, &err);
	rl_error_clear(&err);
	json_decref(doc);
}

static int reader_sees(struct rl_db *db, const struct rl_ledger_reader *r, const struct rl_row_ledger *row)
{
	const char *kind;
	char revoked[64] = "";

	if (!r)
		return 1;
	if (row->signer == r->user && r->user > 0)
		return 1;
	kind = row->kind;
	if (kind && strcmp(kind, "revocation") == 0)
		revoked_kind(db, row, revoked);
	if (is_public_kind(kind, revoked))
		return 1;
	if (row->subject <= 0)
		return 1; /* about no person (a curriculum's content, say) */
	return r->may_see(r->ctx, row->subject);
}

void rl_ledger_redacted_line(int64_t index, const uint8_t leaf[32], char out[RL_REDACTED_LINE_MAX])
{
	char hex[65];

	rl_hex_encode(leaf, 32, hex);
	snprintf(out, RL_REDACTED_LINE_MAX, "{\"index\":%lld,\"leaf_hash\":\"%s\"}", (long long)index, hex);
}

int rl_ledger_export(struct rl_db *db, int64_t from, int64_t count, rl_ledger_line_fn fn, void *ctx,
		     struct rl_error *err)
{
	return rl_ledger_export_for(db, NULL, from, count, fn, ctx, err);
}

/* An export under way (rl_ledger_export_for). */
struct export_walk {
	struct rl_db *db;
	const struct rl_ledger_reader *reader;
	rl_ledger_line_fn fn;
	void *ctx;
	struct rl_error *err;
};

/* One entry's line: 0 to go on, 1 when the callback stopped the export, -1 with err. */
static int export_entry(void *ctx, const struct rl_row_ledger *row)
{
	struct export_walk *w = ctx;
	int64_t index = row->idx;
	char *text = NULL;
	int stop;

	if (row->public_key_len != 32 || row->signature_len != 64)
		return rl_error_set(w->err, RL_E_INTERNAL, "internal", NULL,
				    "ledger entry %lld has a malformed key or signature", (long long)index);
	if (reader_sees(w->db, w->reader, row)) {
		char *pk = rl_base64_encode(row->public_key, 32);
		char *sig = rl_base64_encode(row->signature, 64);
		json_t *line = json_pack("{s:I,s:s%,s:s,s:s}", "index", (json_int_t)index,
					 "message", row->message, row->message_len,
					 "public_key", pk, "signature", sig);
		/*
		 * The free text a version 2 statement commits to, beside it
		 * (ledger/texts.h): only a statement with a "<member>_commit"
		 * has any, so the others cost no query.
		 */
		if (line && memmem(row->message, row->message_len, "_commit\"", 8)) {
			struct rl_error texts_err = RL_ERROR_INIT;
			json_t *texts = rl_texts_of(w->db, index, &texts_err);
			if (texts)
				json_object_set_new(line, "texts", texts);
		}
		text = line ? json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
		stop = text ? w->fn(w->ctx, text, strlen(text)) : -1;
		json_decref(line);
		free(pk);
		free(sig);
	} else {
		uint8_t leaf[32];
		char redacted[RL_REDACTED_LINE_MAX];
		const void *msg = row->message;

		rl_merkle_leaf_hash(msg ? msg : (const void *)"", row->message_len, row->signature,
				    row->public_key, leaf);
		rl_ledger_redacted_line(index, leaf, redacted);
		stop = w->fn(w->ctx, redacted, strlen(redacted));
	}
	free(text);
	if (stop < 0)
		return rl_error_internal(w->err, "ledger export interrupted");
	return stop ? 1 : 0;
}

int rl_ledger_export_for(struct rl_db *db, const struct rl_ledger_reader *reader, int64_t from, int64_t count,
			 rl_ledger_line_fn fn, void *ctx, struct rl_error *err)
{
	struct export_walk w = { db, reader, fn, ctx, err };

	return rl_rows_ledger_each(db, from, count, export_entry, &w, err) < 0 ? -1 : 0;
}

/* The C2SP signed-note key id of the log key under name: SHA-256(name || 0x0A || 0x01 || pk)[0..4). */
static int note_key(struct rl_db *db, const char *origin, uint8_t pk[32], uint8_t keyid[4], struct rl_error *err)
{
	crypto_hash_sha256_state h;
	uint8_t sum[32], alg = 0x01;

	if (!origin || !*origin)
		return rl_error_internal(err, "the log has no origin name for its checkpoints");
	for (const unsigned char *p = (const unsigned char *)origin; *p; p++)
		if (*p <= 0x20 || *p == '+' || *p == 0x7f)
			return rl_error_set(err, RL_E_INTERNAL, "internal", NULL,
					    "the log origin '%s' holds a space, '+' or control character", origin);
	if (rl_ledger_log_key(db, pk, err) < 0)
		return -1;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)origin, strlen(origin));
	crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&h, &alg, 1);
	crypto_hash_sha256_update(&h, pk, 32);
	crypto_hash_sha256_final(&h, sum);
	memcpy(keyid, sum, 4);
	return 0;
}

char *rl_ledger_note_verifier_key(struct rl_db *db, const char *origin, struct rl_error *err)
{
	uint8_t pk[32], keyid[4], raw[33];
	struct rl_buf b = RL_BUF_INIT;
	char hex[9], *b64;

	if (note_key(db, origin, pk, keyid, err) < 0)
		return NULL;
	rl_hex_encode(keyid, 4, hex);
	raw[0] = 0x01;
	memcpy(raw + 1, pk, 32);
	b64 = rl_base64_encode(raw, 33);
	if (!b64 || rl_buf_printf(&b, "%s+%s+%s", origin, hex, b64) < 0) {
		free(b64);
		rl_buf_release(&b);
		rl_error_internal(err, "out of memory");
		return NULL;
	}
	free(b64);
	return rl_buf_detach(&b, NULL);
}

char *rl_ledger_checkpoint(struct rl_db *db, const char *origin, size_t *len, struct rl_error *err)
{
	struct rl_row_tree_head h;
	uint8_t pk[32], keyid[4], sig[4 + 64];
	struct rl_buf b = RL_BUF_INIT;
	char *root64 = NULL, *sig64;
	size_t text_len;
	int ok;

	if (note_key(db, origin, pk, keyid, err) < 0)
		return NULL;
	if ((ok = rl_rows_tree_head_latest(db, &h, err)) < 0)
		return NULL;
	rl_rows_tree_head_clear(&h);
	if (!ok || h.root_len != 32) {
		rl_error_set(err, RL_E_INTERNAL, "no-tree-head", NULL, "the ledger has no signed tree head; run 'raslogd init'");
		return NULL;
	}
	root64 = rl_base64_encode(h.root, 32);
	ok = root64 && rl_buf_printf(&b, "%s\n%lld\n%s\n", origin, (long long)h.tree_size, root64) == 0;
	free(root64);
	text_len = b.len;
	memcpy(sig, keyid, 4);
	if (!ok || rl_ledger_log_sign(db, b.data, text_len, sig + 4, err) < 0)
		goto fail;
	sig64 = rl_base64_encode(sig, sizeof(sig));
	/* U+2014 EM DASH, space, the key name, space, the signature (C2SP signed-note). */
	ok = sig64 && rl_buf_printf(&b, "\n\xe2\x80\x94 %s %s\n", origin, sig64) == 0;
	free(sig64);
	if (!ok)
		goto fail;
	return rl_buf_detach(&b, len);
fail:
	rl_buf_release(&b);
	if (!err->status)
		rl_error_internal(err, "out of memory");
	return NULL;
}
