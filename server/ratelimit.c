/*
 * ratelimit.c - limits failed authentication attempts per client address:
 * after RATE_MAX failures within RATE_WINDOW seconds an address gets 429
 * with Retry-After until the window ends.  A small fixed table; the oldest
 * entry is recycled, so memory stays bounded under address spraying.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server.h"

#include "banned.h"

#define RATE_SLOTS 1024
#define RATE_WINDOW 60

int ratelimit_max = 20; /* failures per window; raslogd serve --auth-failures N */

static struct {
	char ip[48];
	time_t start;
	int failures;
} slots[RATE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int find(const char *ip, time_t now, int create)
{
	int oldest = 0;

	for (int i = 0; i < RATE_SLOTS; i++) {
		if (slots[i].ip[0] && strcmp(slots[i].ip, ip) == 0) {
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
	snprintf(slots[oldest].ip, sizeof(slots[oldest].ip), "%s", ip);
	slots[oldest].start = now;
	slots[oldest].failures = 0;
	return oldest;
}

int ratelimit_blocked(const char *ip, int *retry_after)
{
	time_t now = time(NULL);
	int i, blocked = 0;

	pthread_mutex_lock(&lock);
	i = find(ip, now, 0);
	if (i >= 0 && slots[i].failures >= ratelimit_max) {
		blocked = 1;
		*retry_after = (int)(RATE_WINDOW - (now - slots[i].start));
		if (*retry_after < 1)
			*retry_after = 1;
	}
	pthread_mutex_unlock(&lock);
	return blocked;
}

void ratelimit_failure(const char *ip)
{
	pthread_mutex_lock(&lock);
	slots[find(ip, time(NULL), 1)].failures++;
	pthread_mutex_unlock(&lock);
}
