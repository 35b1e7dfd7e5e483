/* threadpool.c -- see threadpool.h.
 *
 * One job at a time: run() publishes (fn, ctx, n) under the mutex, bumps a
 * generation counter and wakes the workers; everybody claims task indices
 * from an atomic counter; the last finisher signals the caller.  The pool is
 * used by one run() at a time (runs from several threads are serialised by
 * `run_lock`). */
#include "common/threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

struct cais_threadpool {
  int size;
  pthread_t *threads;
  pthread_mutex_t lock;
  pthread_mutex_t run_lock;
  pthread_cond_t wake;
  pthread_cond_t done;
  unsigned long generation;
  bool stopping;
  /* The job being run. */
  cais_task_fn fn;
  void *ctx;
  size_t num_tasks;
  atomic_size_t next_task;
  int busy_workers; /* workers still inside the current job */
};

static _Thread_local bool in_task;

static void drain(cais_threadpool *pool) {
  for (;;) {
    size_t i = atomic_fetch_add(&pool->next_task, 1);
    if (i >= pool->num_tasks) break;
    pool->fn(pool->ctx, i);
  }
}

static void *worker_main(void *arg) {
  cais_threadpool *pool = arg;
  unsigned long seen = 0;
  in_task = true; /* anything a worker runs is inside a task */
  pthread_mutex_lock(&pool->lock);
  for (;;) {
    while (!pool->stopping && pool->generation == seen)
      pthread_cond_wait(&pool->wake, &pool->lock);
    if (pool->stopping) break;
    seen = pool->generation;
    pthread_mutex_unlock(&pool->lock);
    drain(pool);
    pthread_mutex_lock(&pool->lock);
    if (--pool->busy_workers == 0) pthread_cond_signal(&pool->done);
  }
  pthread_mutex_unlock(&pool->lock);
  return NULL;
}

cais_threadpool *cais_threadpool_create(int num_threads) {
  if (num_threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    num_threads = n > 0 ? (int)n : 1;
  }
  cais_threadpool *pool = calloc(1, sizeof *pool);
  if (!pool) return NULL;
  pool->size = num_threads;
  pthread_mutex_init(&pool->lock, NULL);
  pthread_mutex_init(&pool->run_lock, NULL);
  pthread_cond_init(&pool->wake, NULL);
  pthread_cond_init(&pool->done, NULL);
  int workers = num_threads - 1;
  if (workers > 0) {
    pool->threads = calloc((size_t)workers, sizeof *pool->threads);
    if (!pool->threads) {
      free(pool);
      return NULL;
    }
    for (int i = 0; i < workers; i++) {
      if (pthread_create(&pool->threads[i], NULL, worker_main, pool) != 0) {
        pool->size = i + 1; /* run with the threads we got */
        break;
      }
    }
  }
  return pool;
}

void cais_threadpool_destroy(cais_threadpool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->lock);
  pool->stopping = true;
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->lock);
  for (int i = 0; i < pool->size - 1; i++) pthread_join(pool->threads[i], NULL);
  free(pool->threads);
  pthread_cond_destroy(&pool->wake);
  pthread_cond_destroy(&pool->done);
  pthread_mutex_destroy(&pool->lock);
  pthread_mutex_destroy(&pool->run_lock);
  free(pool);
}

int cais_threadpool_size(const cais_threadpool *pool) {
  return pool ? pool->size : 1;
}

void cais_threadpool_run(cais_threadpool *pool, size_t num_tasks,
                         cais_task_fn fn, void *ctx) {
  if (num_tasks == 0) return;
  if (!pool || pool->size == 1 || num_tasks == 1 || in_task) {
    bool was = in_task;
    in_task = true;
    for (size_t i = 0; i < num_tasks; i++) fn(ctx, i);
    in_task = was;
    return;
  }
  pthread_mutex_lock(&pool->run_lock);
  pthread_mutex_lock(&pool->lock);
  pool->fn = fn;
  pool->ctx = ctx;
  pool->num_tasks = num_tasks;
  atomic_store(&pool->next_task, 0);
  pool->busy_workers = pool->size - 1;
  pool->generation++;
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->lock);

  in_task = true;
  drain(pool);
  in_task = false;

  pthread_mutex_lock(&pool->lock);
  while (pool->busy_workers > 0) pthread_cond_wait(&pool->done, &pool->lock);
  pthread_mutex_unlock(&pool->lock);
  pthread_mutex_unlock(&pool->run_lock);
}
