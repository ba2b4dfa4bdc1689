/*
 * pool.c - worker threads for batches of independent items; see pool.h.
 */
#include "base/prelude.h"

#include "base/pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define POOL_MAX 8

struct rl_pool {
	pthread_t tid[POOL_MAX];
	int threads;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	rl_pool_fn fn;
	void *ctx;
	size_t n, taken, finished;
	int stop;
};

static void *worker(void *arg)
{
	struct rl_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->taken >= p->n)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		size_t i = p->taken++;
		pthread_mutex_unlock(&p->lock);
		p->fn(p->ctx, i);
		pthread_mutex_lock(&p->lock);
		if (++p->finished == p->n)
			pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct rl_pool *rl_pool_new(int threads)
{
	struct rl_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (threads < 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cores < 1 ? 1 : cores > POOL_MAX ? POOL_MAX : (int)cores;
	}
	if (threads > POOL_MAX)
		threads = POOL_MAX;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (int t = 0; t < threads; t++)
		if (pthread_create(&p->tid[p->threads], NULL, worker, p) == 0)
			p->threads++;
	return p;
}

void rl_pool_post(struct rl_pool *p, rl_pool_fn fn, void *ctx, size_t n)
{
	pthread_mutex_lock(&p->lock);
	p->fn = fn;
	p->ctx = ctx;
	p->n = n;
	p->taken = p->finished = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void rl_pool_wait(struct rl_pool *p)
{
	pthread_mutex_lock(&p->lock);
	if (!p->threads) {
		/* No worker (none could be started, or none asked for): this thread does the batch. */
		while (p->taken < p->n) {
			size_t i = p->taken++;
			p->fn(p->ctx, i);
			p->finished++;
		}
	}
	while (p->finished < p->n)
		pthread_cond_wait(&p->done, &p->lock);
	p->n = p->taken = p->finished = 0;
	pthread_mutex_unlock(&p->lock);
}

void rl_pool_free(struct rl_pool *p)
{
	if (!p)
		return;
	rl_pool_wait(p);
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (int t = 0; t < p->threads; t++)
		pthread_join(p->tid[t], NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p);
}
