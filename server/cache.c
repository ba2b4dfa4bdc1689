/*
 * cache.c - a small cache of computed replies (a trainee's progress), so
 * repeated reads between writes cost a copy instead of a recomputation.
 *
 * An entry is valid while no write batch has been committed since it was
 * made (the writer's batch counter is the generation) and for at most
 * CACHE_TTL seconds (status can change with the date alone: lapsed).
 * Direct-mapped by id; every access under one mutex; at most CACHE_BUDGET
 * bytes in all.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#include "base/banned.h"

#define CACHE_SLOTS 1024
#define CACHE_TTL 60
#define CACHE_MAX_ENTRY (256 * 1024)
#define CACHE_BUDGET (32u << 20) /* bytes held in all entries together: raslogd must stay small */

static struct {
	int kind;
	int64_t id;
	unsigned long long generation;
	time_t made;
	char *data;
	size_t len;
} slots[CACHE_SLOTS];
static size_t held; /* bytes in slots[].data */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned long long generation(void)
{
	struct rl_writer_stats ws = { 0 };

	if (server_ctx.writer)
		rl_writer_stats(server_ctx.writer, &ws);
	return ws.batches;
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
	slots[slot].len = len;
	pthread_mutex_unlock(&lock);
}

unsigned long long cache_generation(void)
{
	return generation();
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
