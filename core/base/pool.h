/*
 * pool.h - worker threads that live as long as a long job (`raslogd
 * rebuild`, the start-up check, `raslog audit`): the caller posts a batch
 * of n independent items, the workers take them one at a time (fn(ctx, i)
 * for each i in 0..n-1, in no particular order and on no particular
 * thread), and the caller waits for the batch while doing its own work
 * meanwhile (reading the next batch, writing the last one's results).
 *
 * Threads started per batch would each begin with a cold allocator cache,
 * which measured slower than one thread; these are started once.
 */
#ifndef RASLOG_POOL_H
#define RASLOG_POOL_H

#include <stddef.h>

typedef void (*rl_pool_fn)(void *ctx, size_t i);

struct rl_pool;

/*
 * threads < 0: one per core (at most 8); 0: no thread, rl_pool_wait runs
 * the batch on the calling thread.  NULL when out of memory.
 */
struct rl_pool *rl_pool_new(int threads);
/* Posts a batch; the previous one must have been waited for. */
void rl_pool_post(struct rl_pool *p, rl_pool_fn fn, void *ctx, size_t n);
/* Waits until every item of the batch posted last is done (at once when none is). */
void rl_pool_wait(struct rl_pool *p);
/* Waits, stops and joins the threads. */
void rl_pool_free(struct rl_pool *p);

#endif
