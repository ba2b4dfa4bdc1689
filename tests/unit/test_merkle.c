/*
 * test_merkle.c - core/ledger/merkle.c against RFC 9162 written out naively.
 *
 * An in-memory node store (one array per level) is filled only through
 * rl_merkle_append, exactly as the ledger fills its table.  A recursive
 * reference MTH / PATH / SUBPROOF, transcribed from RFC 9162 sections 2.1.1,
 * 2.1.3.1 and 2.1.4.1 over the raw leaf hashes, is the oracle: for every
 * tree size 1..130 and every leaf index / every first <= second pair the
 * module's root and proofs must equal it, verify, and stop verifying when
 * anything is altered.  The store refuses reads of nodes outside the tree
 * size being asked about and counts reads, so "never re-hash the log" is
 * checked too.  The certificate-transparency-go vectors pin the whole thing
 * to what every other RFC 6962/9162 implementation computes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "ledger/merkle.h"
#include "base/banned.h"

#define MAX_LEAVES 130
#define MAX_LEVELS 9 /* 2^8 > 130 */

/* ---------------------------------------------------------------- store */

struct store {
	uint8_t node[MAX_LEVELS][MAX_LEAVES][32]; /* node[level][index] */
	uint64_t count[MAX_LEVELS];               /* nodes stored per level */
	uint64_t size;                            /* leaves appended */
	uint64_t limit;  /* reads must lie inside the first `limit` leaves */
	unsigned reads;  /* get calls since the counter was reset */
};

static struct store S;
static uint8_t LEAF[MAX_LEAVES][32];

static int store_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct store *st = ctx;

	st->reads++;
	if (level >= MAX_LEVELS || index >= st->count[level])
		return -1;
	/* The node must be complete within the tree size being asked about. */
	if (((index + 1) << level) > st->limit)
		return -1;
	memcpy(out, st->node[level][index], 32);
	return 0;
}

static int failing_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	return -1;
}

static void store_reset(struct store *st)
{
	memset(st, 0, sizeof(*st));
}

/* Appends one leaf hash the way the ledger does, storing what append lists. */
static void store_append(struct store *st, const uint8_t leaf[32])
{
	struct rl_merkle_node nodes[RL_MERKLE_MAX_APPEND];
	int n, i;

	st->limit = st->size;
	n = rl_merkle_append(store_get, st, st->size, leaf, nodes, RL_MERKLE_MAX_APPEND);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		unsigned lv = nodes[i].level;

		assert_true(lv < MAX_LEVELS);
		/* Nodes arrive in level order, each the next one of its level. */
		assert_int_equal(lv, (unsigned)i);
		assert_int_equal(nodes[i].index, st->count[lv]);
		memcpy(st->node[lv][nodes[i].index], nodes[i].hash, 32);
		st->count[lv]++;
	}
	st->size++;
}

/* Bits needed for n; read budgets are stated in these. */
static unsigned bitlen(uint64_t n)
{
	unsigned b = 0;

	while (n) {
		b++;
		n >>= 1;
	}
	return b;
}

/* ------------------------------------------------- RFC 9162 reference */

static void sha256_empty(uint8_t out[32])
{
	crypto_hash_sha256(out, (const uint8_t *)"", 0);
}

/* Test-only leaf hash of plain data, SHA-256(0x00 || data), for CT vectors. */
static void plain_leaf_hash(const uint8_t *data, size_t len, uint8_t out[32])
{
	uint8_t buf[1 + 64];

	assert_true(len <= 64);
	buf[0] = 0x00;
	if (len)
		memcpy(buf + 1, data, len);
	crypto_hash_sha256(out, buf, 1 + len);
}

static void ref_node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	uint8_t buf[65];

	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	crypto_hash_sha256(out, buf, sizeof(buf));
}

/* k: the largest power of two smaller than n (n > 1). */
static size_t ref_k(size_t n)
{
	size_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[n]) over leaf hashes d[0 .. n). */
static void ref_mth(const uint8_t (*d)[32], size_t n, uint8_t out[32])
{
	uint8_t l[32], r[32];
	size_t k;

	if (n == 0) {
		sha256_empty(out);
		return;
	}
	if (n == 1) {
		memcpy(out, d[0], 32);
		return;
	}
	k = ref_k(n);
	ref_mth(d, k, l);
	ref_mth(d + k, n - k, r);
	ref_node(l, r, out);
}

/* PATH(m, D[n]) appended to out[*cnt ..]. */
static void ref_path(size_t m, const uint8_t (*d)[32], size_t n,
		     uint8_t (*out)[32], size_t *cnt)
{
	size_t k;

	if (n == 1)
		return;
	k = ref_k(n);
	if (m < k) {
		ref_path(m, d, k, out, cnt);
		ref_mth(d + k, n - k, out[(*cnt)++]);
	} else {
		ref_path(m - k, d + k, n - k, out, cnt);
		ref_mth(d, k, out[(*cnt)++]);
	}
}

/* SUBPROOF(m, D[n], b) appended to out[*cnt ..]. */
static void ref_subproof(size_t m, const uint8_t (*d)[32], size_t n, int b,
			 uint8_t (*out)[32], size_t *cnt)
{
	size_t k;

	if (m == n) {
		if (!b)
			ref_mth(d, m, out[(*cnt)++]);
		return;
	}
	k = ref_k(n);
	if (m <= k) {
		ref_subproof(m, d, k, b, out, cnt);
		ref_mth(d + k, n - k, out[(*cnt)++]);
	} else {
		ref_subproof(m - k, d + k, n - k, 0, out, cnt);
		ref_mth(d, k, out[(*cnt)++]);
	}
}

/* ------------------------------------------------------------- helpers */

static void hex_to_bytes(const char *hex, uint8_t *out, size_t len)
{
	size_t bin_len = 0;

	assert_int_equal(sodium_hex2bin(out, len, hex, strlen(hex), NULL, &bin_len, NULL), 0);
	assert_int_equal(bin_len, len);
}

/* Fills LEAF[] with raslog-style leaf hashes and S through append. */
static void build_tree(void)
{
	uint8_t sig[64], pk[32];
	char msg[64];
	size_t i, j;

	store_reset(&S);
	for (i = 0; i < MAX_LEAVES; i++) {
		int len = snprintf(msg, sizeof(msg), "{\"entry\":%zu}", i);

		for (j = 0; j < sizeof(sig); j++)
			sig[j] = (uint8_t)(i * 7 + j);
		for (j = 0; j < sizeof(pk); j++)
			pk[j] = (uint8_t)(i * 13 + j * 3);
		rl_merkle_leaf_hash((const uint8_t *)msg, (size_t)len, sig, pk, LEAF[i]);
		store_append(&S, LEAF[i]);
	}
}

static int setup(void **state)
{
	build_tree();
	return 0;
}

/* --------------------------------------------------------------- tests */

static void test_leaf_and_node_hash(void **state)
{
	const char *msg = "RASLOG-STATEMENT-v1\n{\"a\":1}";
	uint8_t sig[64], pk[32], buf[1 + 64 + 64 + 32], want[32], got[32];
	uint8_t l[32], r[32], node[65];
	size_t mlen = strlen(msg);

	memset(sig, 0xa5, sizeof(sig));
	memset(pk, 0x5a, sizeof(pk));
	buf[0] = 0x00;
	memcpy(buf + 1, msg, mlen);
	memcpy(buf + 1 + mlen, sig, 64);
	memcpy(buf + 1 + mlen + 64, pk, 32);
	crypto_hash_sha256(want, buf, 1 + mlen + 64 + 32);
	rl_merkle_leaf_hash((const uint8_t *)msg, mlen, sig, pk, got);
	assert_memory_equal(got, want, 32);

	/* Node hash, including writing over one of its inputs. */
	memset(l, 1, 32);
	memset(r, 2, 32);
	node[0] = 0x01;
	memcpy(node + 1, l, 32);
	memcpy(node + 33, r, 32);
	crypto_hash_sha256(want, node, sizeof(node));
	rl_merkle_node_hash(l, r, got);
	assert_memory_equal(got, want, 32);
	rl_merkle_node_hash(l, r, l);
	assert_memory_equal(l, want, 32);
	memset(l, 1, 32);
	rl_merkle_node_hash(l, r, r);
	assert_memory_equal(r, want, 32);
}

/*
 * Known answers (Python's hashlib, neither library merkle.c uses): a leaf,
 * a node, a leaf longer than several SHA-256 blocks.  merkle.c hashes with
 * OpenSSL and falls back to libsodium; whichever ran, these hold.
 */
static void test_known_answers(void **state)
{
	const char *msg = "RASLOG-STATEMENT-v1\n{\"a\":1}";
	uint8_t sig[64], pk[32], l[32], r[32], long_msg[1000], want[32], got[32];
	size_t i;

	memset(sig, 0xa5, sizeof(sig));
	memset(pk, 0x5a, sizeof(pk));
	hex_to_bytes("954445163d6b9451396cc2d09b6da2d29be3fb22718e90743197e2d80ece07ca", want, 32);
	rl_merkle_leaf_hash((const uint8_t *)msg, strlen(msg), sig, pk, got);
	assert_memory_equal(got, want, 32);
	memset(l, 1, 32);
	memset(r, 2, 32);
	hex_to_bytes("b331da6ec49d4547d9942a6727e5123f69bed5a0b97ac171cfbfd6201431fcfa", want, 32);
	rl_merkle_node_hash(l, r, got);
	assert_memory_equal(got, want, 32);
	for (i = 0; i < sizeof(long_msg); i++)
		long_msg[i] = (uint8_t)(i % 251);
	hex_to_bytes("1363caafbf3e6803349d66bd70ccc6d3064ffe7650c043851e0b227f51ea7863", want, 32);
	rl_merkle_leaf_hash(long_msg, sizeof(long_msg), sig, pk, got);
	assert_memory_equal(got, want, 32);
}

/* Every message length across several block boundaries, against libsodium. */
static void test_leaf_every_length(void **state)
{
	uint8_t msg[300], sig[64], pk[32], buf[1 + 300 + 64 + 32], want[32], got[32];
	size_t len, i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 31 + 7);
	memset(sig, 0x3c, sizeof(sig));
	memset(pk, 0xc3, sizeof(pk));
	for (len = 0; len <= sizeof(msg); len++) {
		buf[0] = 0x00;
		memcpy(buf + 1, msg, len);
		memcpy(buf + 1 + len, sig, 64);
		memcpy(buf + 1 + len + 64, pk, 32);
		crypto_hash_sha256(want, buf, 1 + len + 64 + 32);
		rl_merkle_leaf_hash(msg, len, sig, pk, got);
		assert_memory_equal(got, want, 32);
	}
}

/* Each thread hashes with its own context (freed when the thread ends: ASan's leak check). */
static void *hash_on_thread(void *arg)
{
	uint8_t *out = arg, l[32], r[32];
	int i;

	memset(l, 7, 32);
	memset(r, 9, 32);
	for (i = 0; i < 1000; i++)
		rl_merkle_node_hash(l, r, l);
	memcpy(out, l, 32);
	return NULL;
}

static void test_hash_threads(void **state)
{
	uint8_t a[32], b[32], here[32];
	pthread_t ta, tb;

	assert_int_equal(pthread_create(&ta, NULL, hash_on_thread, a), 0);
	assert_int_equal(pthread_create(&tb, NULL, hash_on_thread, b), 0);
	hash_on_thread(here);
	assert_int_equal(pthread_join(ta, NULL), 0);
	assert_int_equal(pthread_join(tb, NULL), 0);
	assert_memory_equal(a, here, 32);
	assert_memory_equal(b, here, 32);
}

static void test_empty_tree(void **state)
{
	uint8_t want[32], got[32];
	struct rl_merkle_stream s;

	hex_to_bytes("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		     want, 32);
	assert_int_equal(rl_merkle_root(failing_get, NULL, 0, got), 0);
	assert_memory_equal(got, want, 32);
	rl_merkle_stream_init(&s);
	rl_merkle_stream_root(&s, got);
	assert_memory_equal(got, want, 32);
	assert_int_equal(s.size, 0);
}

/* The leaves and heads of certificate-transparency-go's merkle tests. */
static void test_ct_vectors(void **state)
{
	static const char *data_hex[8] = {
		"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
		"606162636465666768696a6b6c6d6e6f",
	};
	static const char *roots[8] = {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	static const struct {
		uint64_t index, size;
		size_t n;
		const char *proof[3];
	} incl[] = {
		{ 0, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 5, 8, 3, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
		{ 0, 1, 0, { NULL } },
	};
	static const struct {
		uint64_t first, second;
		size_t n;
		const char *proof[3];
	} cons[] = {
		{ 1, 1, 0, { NULL } },
		{ 1, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 2, 8, 2, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 6, 8, 3, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
		{ 2, 5, 2, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	};
	struct store *st = test_malloc(sizeof(*st));
	uint8_t leaves[8][32], data[16], want[32], got[32];
	uint8_t proof[RL_MERKLE_MAX_PROOF][32], root_a[32], root_b[32];
	struct rl_merkle_stream s;
	size_t i, j, n;

	store_reset(st);
	rl_merkle_stream_init(&s);
	for (i = 0; i < 8; i++) {
		size_t len = strlen(data_hex[i]) / 2;

		if (len)
			hex_to_bytes(data_hex[i], data, len);
		plain_leaf_hash(data, len, leaves[i]);
		store_append(st, leaves[i]);
		rl_merkle_stream_push(&s, leaves[i]);

		hex_to_bytes(roots[i], want, 32);
		st->limit = i + 1;
		assert_int_equal(rl_merkle_root(store_get, st, i + 1, got), 0);
		assert_memory_equal(got, want, 32);
		rl_merkle_stream_root(&s, got);
		assert_memory_equal(got, want, 32);
	}

	for (i = 0; i < sizeof(incl) / sizeof(incl[0]); i++) {
		st->limit = incl[i].size;
		assert_int_equal(rl_merkle_inclusion_proof(store_get, st, incl[i].index,
							   incl[i].size, proof,
							   RL_MERKLE_MAX_PROOF, &n), 0);
		assert_int_equal(n, incl[i].n);
		for (j = 0; j < n; j++) {
			hex_to_bytes(incl[i].proof[j], want, 32);
			assert_memory_equal(proof[j], want, 32);
		}
		hex_to_bytes(roots[incl[i].size - 1], root_a, 32);
		assert_int_equal(rl_merkle_verify_inclusion(incl[i].index, incl[i].size,
							    leaves[incl[i].index],
							    (const uint8_t (*)[32])proof,
							    n, root_a), 0);
	}

	for (i = 0; i < sizeof(cons) / sizeof(cons[0]); i++) {
		st->limit = cons[i].second;
		assert_int_equal(rl_merkle_consistency_proof(store_get, st, cons[i].first,
							     cons[i].second, proof,
							     RL_MERKLE_MAX_PROOF, &n), 0);
		assert_int_equal(n, cons[i].n);
		for (j = 0; j < n; j++) {
			hex_to_bytes(cons[i].proof[j], want, 32);
			assert_memory_equal(proof[j], want, 32);
		}
		hex_to_bytes(roots[cons[i].first - 1], root_a, 32);
		hex_to_bytes(roots[cons[i].second - 1], root_b, 32);
		assert_int_equal(rl_merkle_verify_consistency(cons[i].first, cons[i].second,
							      root_a, root_b,
							      (const uint8_t (*)[32])proof,
							      n), 0);
	}
	test_free(st);
}

/* What append stored is exactly the complete perfect subtrees, correctly. */
static void test_append_stores_complete_subtrees(void **state)
{
	struct store *st = test_malloc(sizeof(*st));
	uint8_t want[32];
	size_t size, lv, i;

	store_reset(st);
	for (size = 1; size <= MAX_LEAVES; size++) {
		store_append(st, LEAF[size - 1]);
		for (lv = 0; lv < MAX_LEVELS; lv++) {
			assert_int_equal(st->count[lv], size >> lv);
			for (i = 0; i < st->count[lv]; i++) {
				ref_mth((const uint8_t (*)[32])LEAF + (i << lv),
					(size_t)1 << lv, want);
				assert_memory_equal(st->node[lv][i], want, 32);
			}
		}
	}
	test_free(st);
}

static void test_roots_every_size(void **state)
{
	uint8_t want[32], got[32];
	struct rl_merkle_stream s;
	uint64_t n;

	rl_merkle_stream_init(&s);
	for (n = 1; n <= MAX_LEAVES; n++) {
		ref_mth((const uint8_t (*)[32])LEAF, n, want);
		S.limit = n;
		S.reads = 0;
		assert_int_equal(rl_merkle_root(store_get, &S, n, got), 0);
		assert_memory_equal(got, want, 32);
		/* One read per perfect subtree of the size: its set bits. */
		assert_true(S.reads <= bitlen(n));

		rl_merkle_stream_push(&s, LEAF[n - 1]);
		assert_int_equal(s.size, n);
		rl_merkle_stream_root(&s, got);
		assert_memory_equal(got, want, 32);
		/* Root must not disturb the stream. */
		rl_merkle_stream_root(&s, got);
		assert_memory_equal(got, want, 32);
	}
}

static void test_inclusion_every_leaf(void **state)
{
	uint8_t ref[RL_MERKLE_MAX_PROOF][32], proof[RL_MERKLE_MAX_PROOF][32];
	uint8_t root[32], bad_root[32];
	uint64_t n, m;
	size_t ref_n, got_n, j;
	unsigned checked = 0;

	for (n = 1; n <= MAX_LEAVES; n++) {
		ref_mth((const uint8_t (*)[32])LEAF, n, root);
		memcpy(bad_root, root, 32);
		bad_root[31] ^= 0x01;
		for (m = 0; m < n; m++) {
			const uint8_t (*p)[32] = (const uint8_t (*)[32])proof;

			ref_n = 0;
			ref_path(m, (const uint8_t (*)[32])LEAF, n, ref, &ref_n);
			S.limit = n;
			S.reads = 0;
			assert_int_equal(rl_merkle_inclusion_proof(store_get, &S, m, n, proof,
								   RL_MERKLE_MAX_PROOF,
								   &got_n), 0);
			assert_true(S.reads <= 2 * bitlen(n));
			assert_int_equal(got_n, ref_n);
			assert_memory_equal(proof, ref, ref_n * 32);

			assert_int_equal(rl_merkle_verify_inclusion(m, n, LEAF[m], p, got_n, root), 0);

			/* A flipped byte anywhere in the proof. */
			for (j = 0; j < got_n; j++) {
				proof[j][j % 32] ^= 0x80;
				assert_int_equal(rl_merkle_verify_inclusion(m, n, LEAF[m], p,
									    got_n, root), -1);
				proof[j][j % 32] ^= 0x80;
			}
			/* Wrong leaf, wrong index, wrong size, wrong root. */
			if (n > 1)
				assert_int_equal(rl_merkle_verify_inclusion(
					m, n, LEAF[(m + 1) % n], p, got_n, root), -1);
			if (m > 0)
				assert_int_equal(rl_merkle_verify_inclusion(
					m - 1, n, LEAF[m], p, got_n, root), -1);
			assert_int_equal(rl_merkle_verify_inclusion(m + 1, n, LEAF[m], p,
								    got_n, root), -1);
			if ((m ^ 2) < n)
				assert_int_equal(rl_merkle_verify_inclusion(
					m ^ 2, n, LEAF[m], p, got_n, root), -1);
			assert_int_equal(rl_merkle_verify_inclusion(m, n * 2, LEAF[m], p,
								    got_n, root), -1);
			if (m < n / 2)
				assert_int_equal(rl_merkle_verify_inclusion(
					m, n / 2, LEAF[m], p, got_n, root), -1);
			assert_int_equal(rl_merkle_verify_inclusion(m, n, LEAF[m], p, got_n,
								    bad_root), -1);
			/* Truncated and extended proofs. */
			if (got_n > 0)
				assert_int_equal(rl_merkle_verify_inclusion(
					m, n, LEAF[m], p, got_n - 1, root), -1);
			memset(proof[got_n], 0xab, 32);
			assert_int_equal(rl_merkle_verify_inclusion(m, n, LEAF[m], p,
								    got_n + 1, root), -1);
			checked++;
		}
	}
	assert_int_equal(checked, MAX_LEAVES * (MAX_LEAVES + 1) / 2);
}

static void test_consistency_every_pair(void **state)
{
	static uint8_t roots[MAX_LEAVES + 1][32];
	uint8_t ref[RL_MERKLE_MAX_PROOF][32], proof[RL_MERKLE_MAX_PROOF + 1][32];
	uint8_t bad[32];
	uint64_t first, second;
	size_t ref_n, got_n, j;
	unsigned checked = 0;

	for (second = 0; second <= MAX_LEAVES; second++)
		ref_mth((const uint8_t (*)[32])LEAF, second, roots[second]);

	for (second = 1; second <= MAX_LEAVES; second++) {
		for (first = 1; first <= second; first++) {
			const uint8_t (*p)[32] = (const uint8_t (*)[32])proof;
			const uint8_t *r1 = roots[first], *r2 = roots[second];

			ref_n = 0;
			ref_subproof(first, (const uint8_t (*)[32])LEAF, second, 1, ref, &ref_n);
			S.limit = second;
			S.reads = 0;
			assert_int_equal(rl_merkle_consistency_proof(store_get, &S, first, second,
								     proof, RL_MERKLE_MAX_PROOF,
								     &got_n), 0);
			assert_true(S.reads <= 2 * bitlen(second) + 1);
			assert_int_equal(got_n, ref_n);
			assert_memory_equal(proof, ref, ref_n * 32);

			assert_int_equal(rl_merkle_verify_consistency(first, second, r1, r2,
								      p, got_n), 0);

			for (j = 0; j < got_n; j++) {
				proof[j][(j * 5) % 32] ^= 0x01;
				assert_int_equal(rl_merkle_verify_consistency(first, second,
									      r1, r2, p,
									      got_n), -1);
				proof[j][(j * 5) % 32] ^= 0x01;
			}
			/* Wrong roots. */
			memcpy(bad, r1, 32);
			bad[0] ^= 0x40;
			assert_int_equal(rl_merkle_verify_consistency(first, second, bad, r2,
								      p, got_n), -1);
			memcpy(bad, r2, 32);
			bad[0] ^= 0x40;
			assert_int_equal(rl_merkle_verify_consistency(first, second, r1, bad,
								      p, got_n), -1);
			if (first < second) {
				assert_int_equal(rl_merkle_verify_consistency(
					first, second, r1, roots[second - 1], p, got_n), -1);
				/*
				 * Wrong sizes (certificate-transparency-go's set).
				 * Not second + 1: e.g. the proof for 1 -> 3 also
				 * verifies as 1 -> 4 against the same root, because
				 * the proof does not bind the size; the signed tree
				 * head binds size and root together.
				 */
				assert_int_equal(rl_merkle_verify_consistency(
					first + 1, second, r1, r2, p, got_n), -1);
				if (first > 1)
					assert_int_equal(rl_merkle_verify_consistency(
						first - 1, second, r1, r2, p, got_n), -1);
				if ((first ^ 2) != 0 && (first ^ 2) <= second)
					assert_int_equal(rl_merkle_verify_consistency(
						first ^ 2, second, r1, r2, p, got_n), -1);
				assert_int_equal(rl_merkle_verify_consistency(
					first, second * 2, r1, r2, p, got_n), -1);
				if (first <= second / 2)
					assert_int_equal(rl_merkle_verify_consistency(
						first, second / 2, r1, r2, p, got_n), -1);
				/* Truncated, extended and empty proofs. */
				assert_int_equal(rl_merkle_verify_consistency(
					first, second, r1, r2, p, got_n - 1), -1);
				memset(proof[got_n], 0xcd, 32);
				assert_int_equal(rl_merkle_verify_consistency(
					first, second, r1, r2, p, got_n + 1), -1);
				assert_int_equal(rl_merkle_verify_consistency(
					first, second, r1, r2, p, 0), -1);
			} else {
				/* Same size: empty proof, equal roots, nothing else. */
				assert_int_equal(got_n, 0);
				memset(proof[0], 0, 32);
				assert_int_equal(rl_merkle_verify_consistency(
					first, second, r1, r2, p, 1), -1);
			}
			checked++;
		}
	}
	assert_int_equal(checked, MAX_LEAVES * (MAX_LEAVES + 1) / 2);
}

static void test_bad_arguments(void **state)
{
	uint8_t proof[RL_MERKLE_MAX_PROOF][32], h[32];
	struct rl_merkle_node nodes[RL_MERKLE_MAX_APPEND];
	size_t n;

	memset(h, 0, sizeof(h));
	S.limit = MAX_LEAVES;
	/* Index outside the tree; first outside 0 < first <= second. */
	assert_int_equal(rl_merkle_inclusion_proof(store_get, &S, 8, 8, proof,
						   RL_MERKLE_MAX_PROOF, &n), -1);
	assert_int_equal(rl_merkle_inclusion_proof(store_get, &S, 0, 0, proof,
						   RL_MERKLE_MAX_PROOF, &n), -1);
	assert_int_equal(rl_merkle_consistency_proof(store_get, &S, 0, 8, proof,
						     RL_MERKLE_MAX_PROOF, &n), -1);
	assert_int_equal(rl_merkle_consistency_proof(store_get, &S, 9, 8, proof,
						     RL_MERKLE_MAX_PROOF, &n), -1);
	assert_int_equal(rl_merkle_verify_inclusion(0, 0, h, (const uint8_t (*)[32])proof,
						    0, h), -1);
	assert_int_equal(rl_merkle_verify_consistency(0, 8, h, h,
						      (const uint8_t (*)[32])proof, 0), -1);
	assert_int_equal(rl_merkle_verify_consistency(9, 8, h, h,
						      (const uint8_t (*)[32])proof, 0), -1);

	/* Too little room. */
	assert_int_equal(rl_merkle_inclusion_proof(store_get, &S, 0, 8, proof, 2, &n), -1);
	assert_int_equal(rl_merkle_consistency_proof(store_get, &S, 3, 8, proof, 2, &n), -1);
	assert_int_equal(rl_merkle_append(store_get, &S, 7, h, nodes, 3), -1);
	assert_int_equal(rl_merkle_append(store_get, &S, 7, h, nodes, 4), 4);
	assert_int_equal(rl_merkle_append(store_get, &S, 7, h, nodes, 0), -1);

	/* Storage failures come back as -1. */
	assert_int_equal(rl_merkle_root(failing_get, NULL, 5, h), -1);
	assert_int_equal(rl_merkle_inclusion_proof(failing_get, NULL, 2, 5, proof,
						   RL_MERKLE_MAX_PROOF, &n), -1);
	assert_int_equal(rl_merkle_consistency_proof(failing_get, NULL, 2, 5, proof,
						     RL_MERKLE_MAX_PROOF, &n), -1);
	assert_int_equal(rl_merkle_append(failing_get, NULL, 1, h, nodes,
					  RL_MERKLE_MAX_APPEND), -1);
	/* An even index needs no sibling, so no read. */
	assert_int_equal(rl_merkle_append(failing_get, NULL, 4, h, nodes,
					  RL_MERKLE_MAX_APPEND), 1);
}

/* Huge sizes: no overflow, and still a handful of reads. */
static int counting_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	unsigned *reads = ctx;

	(*reads)++;
	memset(out, (int)(level * 31 + (unsigned)(index & 0xff)), 32);
	return 0;
}

static void test_huge_sizes(void **state)
{
	uint8_t proof[RL_MERKLE_MAX_PROOF][32], root[32];
	uint64_t big = UINT64_MAX - 1;
	unsigned reads = 0;
	size_t n;

	assert_int_equal(rl_merkle_root(counting_get, &reads, big, root), 0);
	assert_true(reads <= 64);
	reads = 0;
	assert_int_equal(rl_merkle_inclusion_proof(counting_get, &reads, big - 1, big,
						   proof, RL_MERKLE_MAX_PROOF, &n), 0);
	assert_true(n <= 64 && reads <= 128);
	reads = 0;
	assert_int_equal(rl_merkle_inclusion_proof(counting_get, &reads, 0, big,
						   proof, RL_MERKLE_MAX_PROOF, &n), 0);
	assert_int_equal(n, 64);
	assert_true(reads <= 128);
	reads = 0;
	assert_int_equal(rl_merkle_consistency_proof(counting_get, &reads, 3, big,
						     proof, RL_MERKLE_MAX_PROOF, &n), 0);
	assert_true(n <= RL_MERKLE_MAX_PROOF && reads <= 129);
	reads = 0;
	assert_int_equal(rl_merkle_consistency_proof(counting_get, &reads,
						     ((uint64_t)1 << 63) + 1, big,
						     proof, RL_MERKLE_MAX_PROOF, &n), 0);
	assert_true(n <= RL_MERKLE_MAX_PROOF && reads <= 129);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf_and_node_hash),
		cmocka_unit_test(test_empty_tree),
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_leaf_every_length),
		cmocka_unit_test(test_hash_threads),
		cmocka_unit_test(test_ct_vectors),
		cmocka_unit_test(test_append_stores_complete_subtrees),
		cmocka_unit_test(test_roots_every_size),
		cmocka_unit_test(test_inclusion_every_leaf),
		cmocka_unit_test(test_consistency_every_pair),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_huge_sizes),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, NULL);
}
