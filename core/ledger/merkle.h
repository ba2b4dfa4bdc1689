/*
 * merkle.h - the ledger's RFC 9162 Merkle tree, without storage.
 *
 * Leaf hash  = SHA-256(0x00 || message || signature(64) || public_key(32))
 * Node hash  = SHA-256(0x01 || left || right)
 * Empty tree = SHA-256("")
 * The tree over leaves 0..n-1 is RFC 9162's MTH (split at the largest
 * power of two below n).
 *
 * The ledger stores the hash of every *complete* perfect subtree, keyed by
 * (level, index): level 0 index i is leaf i; level k index i covers leaves
 * [i * 2^k, (i + 1) * 2^k).  Node (k, i) exists in a tree of size n iff
 * (i + 1) * 2^k <= n.  This module reads those nodes through a callback and
 * knows nothing of SQLite; rl_merkle_append says which nodes to store.
 * Root, inclusion and consistency proofs read O(log n) stored nodes and
 * never re-hash the log.
 *
 * The caller must have called sodium_init().  SHA-256 is OpenSSL's EVP
 * (the CPU's SHA instructions; libsodium if OpenSSL fails): the only
 * allocation is one digest context per thread that hashes, freed when
 * the thread ends.
 */
#ifndef RASLOG_MERKLE_H
#define RASLOG_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define RL_MERKLE_HASH_LEN 32
/* Enough room for any inclusion or consistency proof of a 64-bit tree. */
#define RL_MERKLE_MAX_PROOF 65
/* Enough room for any rl_merkle_append result (level 0..63). */
#define RL_MERKLE_MAX_APPEND 64

/*
 * Reads the stored hash of node (level, index) into out.  Returns 0, or -1
 * when it cannot (storage error, or the node does not exist); the module
 * only asks for nodes that exist in the tree size it was given, so -1
 * always means failure and is passed straight back to the caller.
 */
typedef int (*rl_merkle_get_fn)(void *ctx, unsigned level, uint64_t index,
				uint8_t out[32]);

/* One node for the ledger to store. */
struct rl_merkle_node {
	unsigned level;   /* 0 = leaf */
	uint64_t index;   /* position within its level */
	uint8_t hash[32]; /* the subtree's hash */
};

/* SHA-256(0x00 || msg || sig || pk). */
void rl_merkle_leaf_hash(const uint8_t *msg, size_t len, const uint8_t sig[64],
			 const uint8_t pk[32], uint8_t out[32]);

/* SHA-256(0x01 || left || right).  out may alias left or right. */
void rl_merkle_node_hash(const uint8_t left[32], const uint8_t right[32],
			 uint8_t out[32]);

/*
 * Leaf `index` (== the tree size before the append) has hash `leaf`.  Fills
 * out[] with the nodes that become complete: (0, index, leaf) first, then
 * each parent up to the highest one, in level order.  Reads the left
 * siblings through get.  Returns the count (>= 1), or -1 when get fails or
 * more than max_out nodes would be needed (RL_MERKLE_MAX_APPEND is always
 * enough).
 */
int rl_merkle_append(rl_merkle_get_fn get, void *ctx, uint64_t index,
		     const uint8_t leaf[32], struct rl_merkle_node *out,
		     size_t max_out);

/* MTH of the first tree_size leaves (SHA-256("") for 0).  0 or -1. */
int rl_merkle_root(rl_merkle_get_fn get, void *ctx, uint64_t tree_size,
		   uint8_t out[32]);

/*
 * RFC 9162 section 2.1.3.1 PATH(leaf_index, D[tree_size]), leaf-most
 * sibling first, into out[0 .. *n_out).  -1 when leaf_index >= tree_size,
 * get fails, or the proof needs more than max_out hashes
 * (RL_MERKLE_MAX_PROOF is always enough).
 */
int rl_merkle_inclusion_proof(rl_merkle_get_fn get, void *ctx,
			      uint64_t leaf_index, uint64_t tree_size,
			      uint8_t (*out)[32], size_t max_out, size_t *n_out);

/*
 * RFC 9162 section 2.1.4.1 PROOF(first, D[second]) into out[0 .. *n_out);
 * empty when first == second.  -1 unless 0 < first <= second, or when get
 * fails or max_out is too small (RL_MERKLE_MAX_PROOF is always enough).
 */
int rl_merkle_consistency_proof(rl_merkle_get_fn get, void *ctx, uint64_t first,
				uint64_t second, uint8_t (*out)[32],
				size_t max_out, size_t *n_out);

/*
 * RFC 9162 section 2.1.3.2.  Returns 0 when proof[0 .. n) shows that `leaf`
 * is leaf leaf_index of the tree of size tree_size with hash root, else -1.
 */
int rl_merkle_verify_inclusion(uint64_t leaf_index, uint64_t tree_size,
			       const uint8_t leaf[32], const uint8_t (*proof)[32],
			       size_t n, const uint8_t root[32]);

/*
 * RFC 9162 section 2.1.4.2.  Returns 0 when proof[0 .. n) shows that the
 * tree of size first and hash first_root is a prefix of the tree of size
 * second and hash second_root, else -1.  Requires 0 < first <= second;
 * for first == second the proof must be empty and the roots equal (the
 * RFC's algorithm leaves that case to the caller; this is the reading
 * certificate-transparency-go takes).
 */
int rl_merkle_verify_consistency(uint64_t first, uint64_t second,
				 const uint8_t first_root[32],
				 const uint8_t second_root[32],
				 const uint8_t (*proof)[32], size_t n);

/*
 * A streaming tree builder for verifiers that see leaves one at a time:
 * keeps only the roots of the perfect subtrees the leaves so far decompose
 * into (a compact range), so memory is O(log n) and each push O(1)
 * amortised.  No storage, no callback.
 */
struct rl_merkle_stream {
	uint8_t stack[64][32]; /* perfect subtree roots, leftmost (largest) first */
	unsigned levels[64];   /* stack[i] covers 2^levels[i] leaves */
	unsigned depth;        /* entries used in stack[] and levels[] */
	uint64_t size;         /* leaves pushed so far */
};

void rl_merkle_stream_init(struct rl_merkle_stream *s);
/* Appends one leaf hash. */
void rl_merkle_stream_push(struct rl_merkle_stream *s, const uint8_t leaf[32]);
/* MTH of the leaves pushed so far (SHA-256("") for none); s is unchanged. */
void rl_merkle_stream_root(const struct rl_merkle_stream *s, uint8_t out[32]);

#endif
