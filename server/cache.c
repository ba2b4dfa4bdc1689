/*
 * cache.c - a small cache of what computed replies are made from (a
 * trainee's progress figures, packed: domain/progress.h), so repeated
 * reads between writes cost a render instead of a recomputation.
 *
 * An entry is valid while no write batch has been committed since it was
 * made (the writer's batch counter is the generation) and for at most
 * CACHE_TTL seconds (status can change with the date alone: lapsed).
 * Direct-mapped by id over CACHE_SLOTS slots: ids are the users table's
 * dense row ids, so a programme of up to CACHE_SLOTS people never has two
 * in one slot (issue 18: the 1,024 slots of the rendered replies held a
 * tenth of a 10,000-trainee programme).  Entries are the packed figures,
 * a few hundred bytes each, so every trainee fits within CACHE_BUDGET;
 * every access under one mutex.
 *
 * Other raslogd processes on the same PostgreSQL database commit too: a
 * watcher thread listens for their commits (store/db.h rl_db_listen) and
 * each one it hears also moves the generation on.  On SQLite, where one
 * process owns the file, there is nothing to hear and no thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#include "base/banned.h"

#define CACHE_SLOTS 65536 /* 40 bytes each (2.5 MiB of address space; a slot's page is touched once used) */
#define CACHE_TTL 60
#define CACHE_MAX_ENTRY (64 * 1024)
#define CACHE_BUDGET (16u << 20) /* bytes held in all entries together: raslogd must stay small */

static struct {
	int kind;
	uint32_t len;
	int64_t id;
	unsigned long long generation;
	time_t made;
	char *data;
} slots[CACHE_SLOTS];
static size_t held; /* bytes in slots[].data */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned long long others; /* commits heard from other processes, or made beside the writer */
static _Atomic int watching;
static pthread_t watcher;

static unsigned long long generation(void)
{
	struct rl_writer_stats ws = { 0 };

	if (server_ctx.writer)
		rl_writer_stats(server_ctx.writer, &ws);
	return ws.batches + others;
}

/* Listens for other processes' commits until cache_watch_stop; reconnects after a failure. */
static void *watch(void *arg)
{
	const char *path = arg;

	while (watching) {
		struct rl_error err = RL_ERROR_INIT;
		struct rl_db *db = NULL;
		int rc;

		if (rl_db_open(path, RL_DB_READONLY, &db, &err) < 0 || (rc = rl_db_listen(db, &err)) < 0) {
			fprintf(stderr, "raslogd: cannot listen for other servers' commits (%s); retrying\n", err.detail);
			rl_db_close(db);
			others++; /* whatever happened meanwhile is unknown: drop the cache */
			sleep(1);
			continue;
		}
		if (rc == 1) { /* this engine has no other processes to hear */
			rl_db_close(db);
			return NULL;
		}
		while (watching && (rc = rl_db_wait_commit(db, 500)) >= 0)
			if (rc == 1)
				others++;
		rl_db_close(db);
		others++;
	}
	return NULL;
}

int cache_watch_start(const char *db_path)
{
	if (!rl_db_target_is_postgresql(db_path))
		return 0;
	watching = 1;
	if (pthread_create(&watcher, NULL, watch, (void *)db_path) != 0) {
		watching = 0;
		return -1;
	}
	return 0;
}

void cache_watch_stop(void)
{
	if (watching) {
		watching = 0;
		pthread_join(watcher, NULL);
	}
}

int cache_get(int kind, int64_t id, struct rl_buf *out)
{
	unsigned slot = (unsigned)((uint64_t)id % CACHE_SLOTS);
	unsigned long long gen = generation();
	int hit = 0;

	pthread_mutex_lock(&lock);
	if (slots[slot].data && slots[slot].kind == kind && slots[slot].id == id &&
	    slots[slot].generation == gen && time(NULL) - slots[slot].made < CACHE_TTL)
		hit = rl_buf_add(out, slots[slot].data, slots[slot].len) == 0;
	pthread_mutex_unlock(&lock);
	return hit;
}

void cache_put(int kind, int64_t id, unsigned long long gen, const char *data, size_t len)
{
	unsigned slot = (unsigned)((uint64_t)id % CACHE_SLOTS);
	char *copy;

	if (len > CACHE_MAX_ENTRY || !(copy = malloc(len)))
		return;
	memcpy(copy, data, len);
	pthread_mutex_lock(&lock);
	held -= slots[slot].data ? slots[slot].len : 0;
	free(slots[slot].data);
	slots[slot].data = NULL;
	if (held + len > CACHE_BUDGET) {
		/* Over budget: keep what is cached, do not add this one. */
		pthread_mutex_unlock(&lock);
		free(copy);
		return;
	}
	held += len;
	slots[slot].kind = kind;
	slots[slot].id = id;
	slots[slot].generation = gen;
	slots[slot].made = time(NULL);
	slots[slot].data = copy;
	slots[slot].len = (uint32_t)len;
	pthread_mutex_unlock(&lock);
}

unsigned long long cache_generation(void)
{
	return generation();
}

void cache_invalidate(void)
{
	others++;
}

void cache_clear(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		free(slots[i].data);
		slots[i].data = NULL;
	}
	held = 0;
	pthread_mutex_unlock(&lock);
}
