/*
 * merkle.c - RFC 9162 Merkle tree hashes and proofs over stored subtrees.
 *
 * Every subtree that RFC 9162's recursions (MTH, PATH, SUBPROOF) ask for
 * is a range [start, start + n) whose start is a multiple of the smallest
 * power of two >= n.  Such a range splits, by the bits of n from high to
 * low, into perfect subtrees laid left to right, each aligned and so each
 * one stored node; and MTH of the range is those nodes folded from the
 * right (MTH splits off the largest power of two first, which is exactly
 * the highest bit).  range_hash() below does that fold, so every hash here
 * costs at most one read per bit of n.
 *
 * The proof recursions are walked from the top down, collecting one
 * sibling per step, then reversed into RFC order (the deepest sibling
 * first).  Only one sibling along any walk is not a perfect subtree: the
 * right-hand remainder taken the first time the walk goes left, after which
 * the range is perfect.  So a proof costs O(log n) reads.
 */
#include "base/prelude.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "ledger/merkle.h"

/*
 * SHA-256 of the parts one after the other: every leaf, node and empty
 * root hash of the ledger is made here.  OpenSSL's EVP uses the CPU's
 * SHA instructions where it has them (x86 SHA-NI, ARMv8): 3.7x less CPU
 * than libsodium's portable C on the restore check's 1,000,000 leaves
 * (bench/README.md, "Cold start"), with one digest context per thread,
 * made once and freed when the thread ends.  Should OpenSSL fail
 * (no provider, out of memory), libsodium computes the same hash, so the
 * result never depends on which one ran (tests/unit/test_merkle.c checks
 * both against known answers).
 */
struct part {
	const void *p;
	size_t len;
};

static pthread_once_t sha_once = PTHREAD_ONCE_INIT;
static pthread_key_t sha_key;
static EVP_MD *sha_md; /* fetched once; NULL: libsodium */
static int sha_keyed;

static void sha_ctx_free(void *ctx) { EVP_MD_CTX_free(ctx); }

static void sha_init(void)
{
	sha_keyed = pthread_key_create(&sha_key, sha_ctx_free) == 0;
	sha_md = sha_keyed ? EVP_MD_fetch(NULL, "SHA256", NULL) : NULL;
}

static EVP_MD_CTX *sha_ctx(void)
{
	EVP_MD_CTX *ctx;

	pthread_once(&sha_once, sha_init);
	if (!sha_md)
		return NULL;
	if ((ctx = pthread_getspecific(sha_key)))
		return ctx;
	if ((ctx = EVP_MD_CTX_new()) && pthread_setspecific(sha_key, ctx) != 0) {
		EVP_MD_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static void sha256_parts(uint8_t out[32], const struct part *parts, int n)
{
	EVP_MD_CTX *ctx = sha_ctx();
	crypto_hash_sha256_state st;
	unsigned len = 0;
	int i, ok;

	if (ctx) {
		ok = EVP_DigestInit_ex(ctx, sha_md, NULL) == 1;
		for (i = 0; ok && i < n; i++)
			ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) == 1;
		if (ok && EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32)
			return;
	}
	crypto_hash_sha256_init(&st);
	for (i = 0; i < n; i++)
		crypto_hash_sha256_update(&st, parts[i].p, parts[i].len);
	crypto_hash_sha256_final(&st, out);
}

void rl_merkle_leaf_hash(const uint8_t *msg, size_t len, const uint8_t sig[64],
			 const uint8_t pk[32], uint8_t out[32])
{
	static const uint8_t prefix = 0x00;
	const struct part parts[4] = { { &prefix, 1 }, { msg, len }, { sig, 64 }, { pk, 32 } };

	sha256_parts(out, parts, 4);
}

void rl_merkle_node_hash(const uint8_t left[32], const uint8_t right[32],
			 uint8_t out[32])
{
	uint8_t in[1 + 32 + 32];
	const struct part whole = { in, sizeof(in) };

	/* Copy first so that out may alias left or right. */
	in[0] = 0x01;
	memcpy(in + 1, left, 32);
	memcpy(in + 33, right, 32);
	sha256_parts(out, &whole, 1);
}

/* SHA-256 of nothing: the root of the empty tree. */
static void empty_root(uint8_t out[32])
{
	static const uint8_t nothing[1];
	const struct part none = { nothing, 0 };

	sha256_parts(out, &none, 1);
}

/* The largest power of two strictly below n; n >= 2.  (RFC 9162's k.) */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;

	/* 2k < n, written so that k never overflows. */
	while (k <= (n - 1) / 2)
		k <<= 1;
	return k;
}

/*
 * MTH of leaves [start, start + n), n >= 1, start a multiple of the
 * smallest power of two >= n.  Reads one stored node per set bit of n.
 */
static int range_hash(rl_merkle_get_fn get, void *ctx, uint64_t start,
		      uint64_t n, uint8_t out[32])
{
	uint64_t end = start + n;
	uint8_t h[32];
	int have = 0;
	unsigned level;

	/* Rightmost (smallest) subtree first, folding leftwards. */
	for (level = 0; level < 64; level++) {
		uint64_t size = (uint64_t)1 << level;

		if (!(n & size))
			continue;
		end -= size;
		if (get(ctx, level, end >> level, h) < 0)
			return -1;
		if (have)
			rl_merkle_node_hash(h, out, out);
		else
			memcpy(out, h, 32);
		have = 1;
	}
	return have ? 0 : -1;
}

int rl_merkle_append(rl_merkle_get_fn get, void *ctx, uint64_t index,
		     const uint8_t leaf[32], struct rl_merkle_node *out,
		     size_t max_out)
{
	uint8_t sibling[32];
	size_t count = 0;
	unsigned level = 0;

	if (max_out < 1)
		return -1;
	out[0].level = 0;
	out[0].index = index;
	memcpy(out[0].hash, leaf, 32);
	count = 1;

	/* Each time the new node is a right child, its parent is complete. */
	while (index & 1) {
		if (count >= max_out)
			return -1;
		if (get(ctx, level, index - 1, sibling) < 0)
			return -1;
		rl_merkle_node_hash(sibling, out[count - 1].hash, out[count].hash);
		index >>= 1;
		level++;
		out[count].level = level;
		out[count].index = index;
		count++;
	}
	return (int)count;
}

int rl_merkle_root(rl_merkle_get_fn get, void *ctx, uint64_t tree_size,
		   uint8_t out[32])
{
	if (tree_size == 0) {
		empty_root(out);
		return 0;
	}
	return range_hash(get, ctx, 0, tree_size, out);
}

/* Writes tmp[0 .. n) to out in reverse order; -1 when it does not fit. */
static int emit_reversed(uint8_t (*tmp)[32], size_t n, uint8_t (*out)[32],
			 size_t max_out, size_t *n_out)
{
	size_t i;

	if (n > max_out)
		return -1;
	for (i = 0; i < n; i++)
		memcpy(out[i], tmp[n - 1 - i], 32);
	*n_out = n;
	return 0;
}

int rl_merkle_inclusion_proof(rl_merkle_get_fn get, void *ctx,
			      uint64_t leaf_index, uint64_t tree_size,
			      uint8_t (*out)[32], size_t max_out, size_t *n_out)
{
	uint8_t tmp[RL_MERKLE_MAX_PROOF][32];
	uint64_t start = 0, n = tree_size, m = leaf_index;
	size_t count = 0;

	if (leaf_index >= tree_size)
		return -1;
	/* PATH(m, D[start : start + n]) until one leaf is left. */
	while (n > 1) {
		uint64_t k = split_point(n);

		if (count >= RL_MERKLE_MAX_PROOF)
			return -1;
		if (m < k) {
			/* PATH(m, D[0:k]) : MTH(D[k:n]) */
			if (range_hash(get, ctx, start + k, n - k, tmp[count]) < 0)
				return -1;
			n = k;
		} else {
			/* PATH(m - k, D[k:n]) : MTH(D[0:k]) */
			if (range_hash(get, ctx, start, k, tmp[count]) < 0)
				return -1;
			start += k;
			m -= k;
			n -= k;
		}
		count++;
	}
	return emit_reversed(tmp, count, out, max_out, n_out);
}

int rl_merkle_consistency_proof(rl_merkle_get_fn get, void *ctx, uint64_t first,
				uint64_t second, uint8_t (*out)[32],
				size_t max_out, size_t *n_out)
{
	uint8_t tmp[RL_MERKLE_MAX_PROOF][32];
	uint64_t start = 0, m = first, n = second;
	size_t count = 0;
	int whole = 1; /* RFC 9162's b: D[start : start + m] is the old tree */

	if (first == 0 || first > second)
		return -1;
	/* SUBPROOF(m, D[start : start + n], whole) until m == n. */
	while (m < n) {
		uint64_t k = split_point(n);

		if (count >= RL_MERKLE_MAX_PROOF)
			return -1;
		if (m <= k) {
			/* SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) */
			if (range_hash(get, ctx, start + k, n - k, tmp[count]) < 0)
				return -1;
			n = k;
		} else {
			/* SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) */
			if (range_hash(get, ctx, start, k, tmp[count]) < 0)
				return -1;
			start += k;
			m -= k;
			n -= k;
			whole = 0;
		}
		count++;
	}
	/* SUBPROOF(m, D[m], false) = {MTH(D[m])}; with b true it is {}. */
	if (!whole) {
		if (count >= RL_MERKLE_MAX_PROOF)
			return -1;
		if (range_hash(get, ctx, start, m, tmp[count]) < 0)
			return -1;
		count++;
	}
	return emit_reversed(tmp, count, out, max_out, n_out);
}

int rl_merkle_verify_inclusion(uint64_t leaf_index, uint64_t tree_size,
			       const uint8_t leaf[32], const uint8_t (*proof)[32],
			       size_t n, const uint8_t root[32])
{
	uint64_t fn, sn;
	uint8_t r[32];
	size_t i;

	if (leaf_index >= tree_size)
		return -1;
	fn = leaf_index;
	sn = tree_size - 1;
	memcpy(r, leaf, 32);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			rl_merkle_node_hash(proof[i], r, r);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			rl_merkle_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(r, root, 32) != 0)
		return -1;
	return 0;
}

int rl_merkle_verify_consistency(uint64_t first, uint64_t second,
				 const uint8_t first_root[32],
				 const uint8_t second_root[32],
				 const uint8_t (*proof)[32], size_t n)
{
	uint64_t fn, sn;
	uint8_t fr[32], sr[32];
	const uint8_t *c;
	int prepend;
	size_t i, len;

	if (first == 0 || first > second)
		return -1;
	if (first == second)
		return (n == 0 && memcmp(first_root, second_root, 32) == 0) ? 0 : -1;
	if (n == 0)
		return -1;

	/* A power-of-two old tree is a node of the new one: the proof omits it. */
	prepend = (first & (first - 1)) == 0;
	len = n + (prepend ? 1 : 0);

	fn = first - 1;
	sn = second - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	c = prepend ? first_root : proof[0];
	memcpy(fr, c, 32);
	memcpy(sr, c, 32);
	for (i = 1; i < len; i++) {
		c = prepend ? proof[i - 1] : proof[i];
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			rl_merkle_node_hash(c, fr, fr);
			rl_merkle_node_hash(c, sr, sr);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			rl_merkle_node_hash(sr, c, sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(fr, first_root, 32) != 0 ||
	    memcmp(sr, second_root, 32) != 0)
		return -1;
	return 0;
}

void rl_merkle_stream_init(struct rl_merkle_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void rl_merkle_stream_push(struct rl_merkle_stream *s, const uint8_t leaf[32])
{
	uint8_t h[32];
	unsigned level = 0;

	/*
	 * Carry like binary addition: merge with every top entry of the same
	 * size before pushing, so depth never exceeds the bits of the size.
	 */
	memcpy(h, leaf, 32);
	while (s->depth > 0 && s->levels[s->depth - 1] == level) {
		s->depth--;
		rl_merkle_node_hash(s->stack[s->depth], h, h);
		level++;
	}
	memcpy(s->stack[s->depth], h, 32);
	s->levels[s->depth] = level;
	s->depth++;
	s->size++;
}

void rl_merkle_stream_root(const struct rl_merkle_stream *s, uint8_t out[32])
{
	unsigned i;

	if (s->depth == 0) {
		empty_root(out);
		return;
	}
	memcpy(out, s->stack[s->depth - 1], 32);
	for (i = s->depth - 1; i > 0; i--)
		rl_merkle_node_hash(s->stack[i - 1], out, out);
}
