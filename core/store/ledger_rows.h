/*
 * ledger_rows.h - the rows of the ledger's tables: ledger (the signed
 * entries), merkle_nodes (the hashes of every complete subtree),
 * tree_heads (the signed heads) and ledger_texts (the free text a
 * version 2 statement commits to).  What the rows mean, how they are
 * hashed and signed, and who may read which entry are ledger/'s
 * (ledger/ledger.h, ledger/texts.h); these functions only read and
 * write them, inside whatever transaction the caller holds.
 */
#ifndef RASLOG_LEDGER_ROWS_H
#define RASLOG_LEDGER_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* One ledger entry. */
struct rl_row_ledger {
	int64_t idx;            /* its index, from 0 */
	const char *kind;       /* its statement kind */
	const char *message;    /* the exact signed text (prefix and canonical JSON) */
	size_t message_len;
	const uint8_t *public_key;
	size_t public_key_len;  /* 32 unless the row is damaged */
	const uint8_t *signature;
	size_t signature_len;   /* 64 unless the row is damaged */
	int64_t signer;         /* the signer's user id; 0 for none (NULL) */
	int64_t subject;        /* the user it is about; 0 for none (NULL) */
	const char *created_at; /* RFC 3339; only for an insert */
};

/* Number of entries: one past the highest index, 0 for none.  0 or -1 with err. */
int rl_rows_ledger_size(struct rl_db *db, int64_t *size, struct rl_error *err);

/* Appends row (its idx, kind, message, keys, signer, subject, created_at).  0 or -1 with err. */
int rl_rows_ledger_insert(struct rl_db *db, const struct rl_row_ledger *row, struct rl_error *err);

/* The kind of entry idx into out: 1 found, 0 no such entry, -1 with err. */
int rl_rows_ledger_kind(struct rl_db *db, int64_t idx, char out[64], struct rl_error *err);

/*
 * Calls each for the entries from index `from` in order, at most count of
 * them (kind, message, keys, signer, subject; created_at is NULL).  The
 * row's pointers are valid during the call only; each may run other
 * statements on db.  A non-zero return of each stops the walk and is
 * returned; 0 when every row was given, -1 with err on a read failure.
 */
int rl_rows_ledger_each(struct rl_db *db, int64_t from, int64_t count,
			int (*each)(void *ctx, const struct rl_row_ledger *row), void *ctx, struct rl_error *err);

/* An entry with the leaf hash stored for it (merkle_nodes level 0). */
struct rl_row_ledger_leaf {
	int64_t idx;
	const uint8_t *message;
	size_t message_len;
	const uint8_t *signature;
	size_t signature_len;
	const uint8_t *public_key;
	size_t public_key_len;
	const uint8_t *leaf;    /* NULL when no leaf was stored */
	size_t leaf_len;
};

/*
 * Calls each for every entry in index order with its stored leaf hash, as
 * rl_rows_ledger_each does (pointers valid during the call; a non-zero
 * return stops the walk and is returned; -1 with err on a read failure).
 */
int rl_rows_ledger_leaves_each(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_ledger_leaf *row),
			       void *ctx, struct rl_error *err);

/*
 * The key of the Merkle node (level, idx) in merkle_nodes (schema 027): its
 * zero-based place in the order an append-only tree creates its nodes
 * (post-order), 2*m - popcount(m) + 2^(level+1) - 2 with m = idx * 2^level.
 * The nodes one append creates get consecutive keys at the end.
 */
uint64_t rl_rows_merkle_pos(unsigned level, uint64_t idx);
/* The Merkle node at level and index into out: 1 found, 0 missing (or not 32 bytes), -1 with err. */
int rl_rows_merkle_node(struct rl_db *db, unsigned level, uint64_t idx, uint8_t out[32], struct rl_error *err);
/* Stores a Merkle node.  0 or -1 with err. */
int rl_rows_merkle_node_insert(struct rl_db *db, unsigned level, uint64_t idx, const uint8_t hash[32],
			       struct rl_error *err);

/* A signed tree head. */
struct rl_row_tree_head {
	int64_t tree_size;
	uint8_t root[32];
	size_t root_len;        /* the stored root's length; root holds it only when 32 */
	char *timestamp;        /* malloc'd (rl_rows_tree_head_clear); NULL if the column is */
	uint8_t signature[64];
	size_t signature_len;   /* the stored signature's length; signature holds it only when 64 */
};

/* The latest head (the largest tree_size): 1 found, 0 none yet, -1 with err. */
int rl_rows_tree_head_latest(struct rl_db *db, struct rl_row_tree_head *h, struct rl_error *err);
void rl_rows_tree_head_clear(struct rl_row_tree_head *h);
/* The latest head's tree size, -1 when there is none.  0 or -1 with err. */
int rl_rows_tree_head_last_size(struct rl_db *db, int64_t *size, struct rl_error *err);
/* Stores a signed head.  0 or -1 with err. */
int rl_rows_tree_head_insert(struct rl_db *db, int64_t tree_size, const uint8_t root[32], const char *timestamp,
			     const uint8_t signature[64], struct rl_error *err);

/* One free text of an entry; text and salt are NULL once it is erased. */
struct rl_row_ledger_text {
	const char *member;     /* "reason", "session.notes" */
	const char *text;
	size_t text_len;
	const char *salt;       /* 64 hex digits */
	const char *erased_at;  /* RFC 3339, or NULL while the text is held */
};

/* Stores the text of member of entry ledger_index.  0 or -1 with err. */
int rl_rows_ledger_text_insert(struct rl_db *db, int64_t ledger_index, const char *member, const char *text,
			       size_t text_len, const char *salt, struct rl_error *err);
/*
 * Calls each for every text of entry ledger_index, by member (pointers
 * valid during the call; each runs no other statement).  0, each's
 * non-zero return, or -1 with err on a read failure.
 */
int rl_rows_ledger_texts_each(struct rl_db *db, int64_t ledger_index,
			      int (*each)(void *ctx, const struct rl_row_ledger_text *row), void *ctx,
			      struct rl_error *err);

#endif
