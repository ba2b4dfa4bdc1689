/*
 * ratelimit.c - two limits, each a small fixed table whose oldest entry is
 * recycled, so memory stays bounded under address or account spraying.
 *
 * Failed authentication: failures are counted per key within RATE_WINDOW
 * seconds; the router counts each failure under the client's address
 * (the address itself, the key the passkey, invitation and device
 * routes count their failures under too), under the presented credential ("token HASH"), and,
 * for a sign-in whose credential named an account (a passkey or single sign-on refused after
 * the account was known), under "account ID", so an account attacked from many addresses is
 * blocked without blocking the others behind a shared address.  Past
 * ratelimit_max failures the key is blocked until its window ends: a
 * blocked credential is refused 429 from every address, and a blocked
 * address gets 429 for failing or missing credentials only, so a valid
 * token from a busy or shared address still works.
 *
 * Writes: a token bucket per user id holding ratelimit_writes requests and
 * refilled at ratelimit_writes a minute; a state-changing request finding
 * it empty is refused 429 with the seconds until the next token.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server.h"

#include "base/banned.h"

#define RATE_SLOTS 1024
#define RATE_WINDOW 60
#define WRITE_SLOTS 4096

int ratelimit_max = 20;     /* failures per window; raslogd serve --auth-failures N */
int ratelimit_writes = 600; /* writes a minute per user, 0 for no limit; raslogd serve --write-rate N */

static struct {
	char key[80];
	time_t start;
	int failures;
} slots[RATE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int used; /* slots 0 .. used-1 hold a key: a lookup reads those only (none while nothing failed) */

static int find(const char *key, time_t now, int create)
{
	int oldest = 0;

	for (int i = 0; i < used; i++) {
		if (slots[i].key[0] && strcmp(slots[i].key, key) == 0) {
			if (now - slots[i].start >= RATE_WINDOW) {
				slots[i].start = now;
				slots[i].failures = 0;
			}
			return i;
		}
		if (slots[i].start < slots[oldest].start)
			oldest = i;
	}
	if (!create)
		return -1;
	if (used < RATE_SLOTS)
		oldest = used++;
	snprintf(slots[oldest].key, sizeof(slots[oldest].key), "%s", key);
	slots[oldest].start = now;
	slots[oldest].failures = 0;
	return oldest;
}

int ratelimit_blocked(const char *key, int *retry_after)
{
	time_t now = time(NULL);
	int i, blocked = 0;

	pthread_mutex_lock(&lock);
	i = find(key, now, 0);
	if (i >= 0 && slots[i].failures >= ratelimit_max) {
		blocked = 1;
		*retry_after = (int)(RATE_WINDOW - (now - slots[i].start));
		if (*retry_after < 1)
			*retry_after = 1;
	}
	pthread_mutex_unlock(&lock);
	return blocked;
}

void ratelimit_failure(const char *key)
{
	pthread_mutex_lock(&lock);
	slots[find(key, time(NULL), 1)].failures++;
	pthread_mutex_unlock(&lock);
}

static struct {
	int64_t user;
	double tokens;           /* requests left in the bucket */
	struct timespec at;      /* when tokens was last brought up to date */
} buckets[WRITE_SLOTS];
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

int ratelimit_write(int64_t user, int *retry_after)
{
	struct timespec now;
	double rate = ratelimit_writes / 60.0; /* tokens a second */
	int i, oldest = 0, ok;

	if (ratelimit_writes <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&write_lock);
	for (i = 0; i < WRITE_SLOTS; i++) {
		if (buckets[i].user == user)
			break;
		if (buckets[i].at.tv_sec < buckets[oldest].at.tv_sec)
			oldest = i;
	}
	if (i == WRITE_SLOTS) {
		i = oldest;
		buckets[i].user = user;
		buckets[i].tokens = ratelimit_writes;
	} else {
		double elapsed = (double)(now.tv_sec - buckets[i].at.tv_sec) +
				 (double)(now.tv_nsec - buckets[i].at.tv_nsec) / 1e9;
		buckets[i].tokens += elapsed * rate;
		if (buckets[i].tokens > ratelimit_writes)
			buckets[i].tokens = ratelimit_writes;
	}
	buckets[i].at = now;
	ok = buckets[i].tokens >= 1.0;
	if (ok)
		buckets[i].tokens -= 1.0;
	else
		*retry_after = (int)((1.0 - buckets[i].tokens) / rate) + 1;
	pthread_mutex_unlock(&write_lock);
	return ok ? 0 : -1;
}
