/*
 * ledger.h - the append-only, Merkle-hashed ledger of signed statements.
 *
 * Entries (message, public key, signature) are appended in the same
 * transaction as the state change they record.  The hashes of every
 * complete perfect subtree are stored as leaves arrive, so the root,
 * inclusion and consistency proofs cost O(log n) reads, never a re-hash.
 * After each write batch the server signs a tree head with its log key
 * (generated at init into its own key file, secrets.h; never in the
 * database) and keeps a copy of the latest head beside the database
 * file, so that a restore of an older database is noticed before it
 * serves.  Formats: docs/ledger.md.
 */
#ifndef RASLOG_LEDGER_H
#define RASLOG_LEDGER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "base/error.h"

#define RL_STATEMENT_PREFIX "RASLOG-STATEMENT-v1\n"
#define RL_TREE_HEAD_PREFIX "RASLOG-TREE-HEAD-v1\n"

/* Creates the log key pair and the empty tree head if missing (init). */
int rl_ledger_init(struct rl_db *db, struct rl_error *err);

/* The log's public key. */
int rl_ledger_log_key(struct rl_db *db, uint8_t pk[32], struct rl_error *err);

/* Signs message with the log key (server-authored statements). */
int rl_ledger_log_sign(struct rl_db *db, const char *message, size_t len, uint8_t sig[64],
		       struct rl_error *err);

/* Appends an entry; the caller has verified the signature. */
int rl_ledger_append(struct rl_db *db, const char *kind, const char *message, size_t len,
		     const uint8_t pk[32], const uint8_t sig[64], int64_t signer, int64_t subject,
		     int64_t *index_out, struct rl_error *err);

/* Number of entries. */
int rl_ledger_size(struct rl_db *db, int64_t *size, struct rl_error *err);

/* Signs and stores a new tree head if the ledger grew (inside the write transaction); 1 if it did, 0 if not. */
int rl_ledger_seal(struct rl_db *db, struct rl_error *err);
/* After a commit: refreshes the head copy beside the database file. */
void rl_ledger_after_commit(struct rl_db *db);
/*
 * Start-up check.  Refuses a database holding fewer entries than the last
 * head seen beside it (DB.head) or than its own latest head, a latest
 * head whose log signature does not verify, and a ledger whose content
 * was altered: every leaf is recomputed from its entry (message,
 * signature, key) and compared with the leaf stored when it was appended
 * (naming the first entry that differs), and the root recomputed from the
 * entries at each head's size must equal the signed root.  Reads the
 * whole ledger once (SHA-256 of every entry; memory O(log n)).
 */
int rl_ledger_check_restore(struct rl_db *db, struct rl_error *err);

/* The latest signed head as API JSON. */
json_t *rl_ledger_head(struct rl_db *db, struct rl_error *err);

/*
 * The writer's batch (core/ledger/writer.c, or any one transaction on one
 * thread): between rl_ledger_batch_begin and rl_ledger_batch_end, after
 * BEGIN, the Merkle nodes appended or read on db are kept in memory, so
 * each append's left siblings, the seal's root and the receipts' proofs
 * read no merkle_nodes rows; the head the seal signs is kept for the
 * receipts; and the batch remembers which subject each entry it appended
 * is about.  A node is fixed once its subtree is complete.  A job rolled
 * back to its savepoint leaves its nodes behind, but only at places beyond
 * the tree it leaves, which the next appends write again before anything
 * can ask for them, so nothing needs undoing.  Without a batch every
 * function reads the tables as before.
 */
void rl_ledger_batch_begin(struct rl_db *db);
void rl_ledger_batch_end(struct rl_db *db);
/* 1 if the batch on db appended an entry about subject with an index in (after, before), 0 if not; -1: no batch. */
int rl_ledger_batch_appended(struct rl_db *db, int64_t subject, int64_t after, int64_t before);

/*
 * An entry's receipt: the signed head of the batch that appended it and
 * its inclusion proof against that head (POST /signoffs answers with them;
 * docs/ledger.md section 6).  The job sets index (rl_job.receipt); the
 * writer fills the rest after the seal, from the batch's nodes; every
 * receipt of a batch names the same head.  tree_size 0: not filled.
 */
struct rl_ledger_receipt {
	int64_t index;                     /* the entry; -1: none */
	int64_t tree_size;                 /* the head's size; 0 until filled */
	uint8_t root[32], signature[64];   /* the head's root and log signature */
	char timestamp[32];                /* the head's */
	uint8_t leaf[32];                  /* the entry's leaf hash */
	size_t n;                          /* hashes used */
	uint8_t hashes[64][32];            /* RFC 9162 PATH(index, D[tree_size]), leaf-most first */
};
/* Fills r for r->index from the head the batch's seal signed (else the latest head): 0, or -1 with err. */
int rl_ledger_receipt_fill(struct rl_db *db, struct rl_ledger_receipt *r, struct rl_error *err);
/* The receipt's head as rl_ledger_head gives it, and its proof as rl_ledger_inclusion does. */
json_t *rl_ledger_receipt_head(const struct rl_ledger_receipt *r);
json_t *rl_ledger_receipt_proof(const struct rl_ledger_receipt *r);
/* {"leaf_index","tree_size","leaf_hash","hashes":[hex]} */
json_t *rl_ledger_inclusion(struct rl_db *db, int64_t index, int64_t tree_size, struct rl_error *err);
/* {"first","second","hashes":[hex]} */
json_t *rl_ledger_consistency(struct rl_db *db, int64_t first, int64_t second, struct rl_error *err);

/* One export line per entry from `from`, at most count; the callback gets a JSON line without newline. */
typedef int (*rl_ledger_line_fn)(void *ctx, const char *line, size_t len);
int rl_ledger_export(struct rl_db *db, int64_t from, int64_t count, rl_ledger_line_fn fn, void *ctx,
		     struct rl_error *err);

/*
 * Who reads an export, for the private ledger (docs/ledger.md "Who sees
 * what").  An entry is given in full when the reader signed it, when it is
 * about no person or is a public fact of the faculty (faculty_key,
 * key_revocation, trainer_accreditation and the revocation of one), or when
 * may_see(ctx, subject) says the reader may see the records of the person
 * it is about; every other entry is the redacted line
 * {"index":N,"leaf_hash":"<hex>"}.  may_see must be cheap (it runs once per
 * entry): callers precompute the set (core/domain/sessions.h rl_visible).
 */
struct rl_ledger_reader {
	int64_t user;                               /* the reader's user id */
	int (*may_see)(void *ctx, int64_t subject); /* 1 if the reader may see that person's records */
	void *ctx;
};

/* As rl_ledger_export, with each entry the reader may not see redacted (reader NULL: none). */
int rl_ledger_export_for(struct rl_db *db, const struct rl_ledger_reader *reader, int64_t from, int64_t count,
			 rl_ledger_line_fn fn, void *ctx, struct rl_error *err);

/* The redacted export line of an entry: {"index":N,"leaf_hash":"<64 hex>"} (no newline). */
#define RL_REDACTED_LINE_MAX 120
void rl_ledger_redacted_line(int64_t index, const uint8_t leaf[32], char out[RL_REDACTED_LINE_MAX]);

/*
 * The latest signed tree head as a C2SP tlog-checkpoint signed note
 * (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note):
 *
 *     <origin>\n<tree size>\n<base64 root hash>\n\n— <origin> <base64(key id || signature)>\n
 *
 * signed with the log key over the note text (the first three lines, with
 * their newlines); the key name is the origin and the key id is the first 4
 * bytes of SHA-256(origin || 0x0A || 0x01 || public key).  origin must be a
 * non-empty name without spaces, '+' or control characters.  malloc'd.
 */
char *rl_ledger_checkpoint(struct rl_db *db, const char *origin, size_t *len, struct rl_error *err);

/* The note verifier key "<origin>+<8 hex key id>+<base64(0x01 || public key)>" (malloc'd). */
char *rl_ledger_note_verifier_key(struct rl_db *db, const char *origin, struct rl_error *err);

/* Builds the exact signed text: RL_STATEMENT_PREFIX || JCS(statement). malloc'd. */
char *rl_statement_message(const json_t *statement, size_t *len, struct rl_error *err);

#endif
