/*
 * threadpool.h -- a fixed set of worker threads that run parallel-for loops.
 *
 * cais_threadpool_run(pool, n, fn, ctx) calls fn(ctx, i) for every i in
 * [0, n) across the pool's threads (the caller takes part) and returns when
 * all calls have returned.  Tasks are claimed in index order from a shared
 * counter, so which thread runs a task varies, but a task's work must not
 * depend on that: results are deterministic as long as each task writes only
 * its own outputs.
 *
 * A run started from inside a task (nested parallelism) executes serially on
 * the calling thread; this makes it safe to parallelise both across tensors
 * and within one tensor with the same functions.
 */
#ifndef CAIS_COMMON_THREADPOOL_H
#define CAIS_COMMON_THREADPOOL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cais_threadpool cais_threadpool;

typedef void (*cais_task_fn)(void *ctx, size_t task);

/** Creates a pool of `num_threads` threads in all, the caller of run()
 *  counting as one (so 1 means no extra thread); 0 means one per online CPU.
 *  Returns NULL when out of memory or threads. */
cais_threadpool *cais_threadpool_create(int num_threads);

/** Joins the workers.  Accepts NULL. */
void cais_threadpool_destroy(cais_threadpool *pool);

/** Threads in the pool (>= 1); 1 for a NULL pool. */
int cais_threadpool_size(const cais_threadpool *pool);

/** Runs fn(ctx, i) for i in [0, num_tasks); see the file comment.  A NULL
 *  pool runs everything on the caller. */
void cais_threadpool_run(cais_threadpool *pool, size_t num_tasks,
                         cais_task_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_COMMON_THREADPOOL_H */
