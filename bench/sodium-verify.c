/*
 * sodium-verify.c - bench scenario 4's baseline: how fast libsodium alone
 * verifies the ledger's signatures on both cores.
 *
 *   sodium-verify --db FILE [--threads 2]
 *
 * Reads every ledger entry (message, public key, signature) into memory
 * first, then times crypto_sign_verify_detached over all of them split
 * across the threads.  Prints "RESULT entries=N seconds=S per_s=R".
 * The message stored in the ledger is the exact signed text.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db.h"

struct entry {
	unsigned char *msg;
	size_t len;
	unsigned char pk[32], sig[64];
};

static struct entry *entries;
static size_t nentries;
static int nthreads = 2;
static size_t bad[16];

static void *worker(void *p)
{
	int t = (int)(long)p;
	for (size_t i = (size_t)t; i < nentries; i += (size_t)nthreads)
		if (crypto_sign_verify_detached(entries[i].sig, entries[i].msg, entries[i].len, entries[i].pk) != 0)
			bad[t]++;
	return NULL;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	struct rl_stmt *st;
	size_t cap = 0, nbad = 0;
	pthread_t th[16];
	struct timespec a, b;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--threads") == 0)
			nthreads = atoi(argv[i + 1]);
	}
	if (!path || nthreads < 1 || nthreads > 16)
		return fprintf(stderr, "usage: sodium-verify --db FILE [--threads N]\n"), 2;
	if (sodium_init() < 0 || rl_db_open(path, RL_DB_READONLY, &db, &err) < 0)
		return fprintf(stderr, "sodium-verify: %s\n", err.detail), 1;
	st = rl_db_stmt(db, "SELECT message, public_key, signature FROM ledger ORDER BY idx", &err);
	while (st && rl_step(st) == RL_ROW) {
		if (nentries == cap) {
			cap = cap ? cap * 2 : 65536;
			entries = realloc(entries, cap * sizeof(*entries));
		}
		struct entry *e = &entries[nentries++];
		e->len = (size_t)rl_col_bytes(st, 0);
		e->msg = malloc(e->len + 1);
		memcpy(e->msg, rl_col_text(st, 0), e->len);
		memcpy(e->pk, rl_col_blob(st, 1), 32);
		memcpy(e->sig, rl_col_blob(st, 2), 64);
	}
	rl_db_close(db);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int t = 0; t < nthreads; t++)
		pthread_create(&th[t], NULL, worker, (void *)(long)t);
	for (int t = 0; t < nthreads; t++) {
		pthread_join(th[t], NULL);
		nbad += bad[t];
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("RESULT entries=%zu seconds=%.3f per_s=%.1f bad=%zu\n", nentries, s, nentries / s, nbad);
	return nbad ? 1 : 0;
}
