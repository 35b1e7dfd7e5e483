/* cpu_parallel.c -- see cpu_parallel.h. */
#include "compute/cpu/cpu_parallel.h"

#include <stdatomic.h>
#include <time.h>

size_t cais_cpu_slot_count(const cais_threadpool *pool, size_t items) {
  size_t threads = (size_t)cais_threadpool_size(pool);
  if (items < threads) threads = items;
  return threads ? threads : 1;
}

typedef struct slot_run {
  cais_cpu_slot_fn fn;
  void *ctx;
  size_t items;
  atomic_size_t next;
} slot_run;

/* One task per slot: claim items until none are left. */
static void slot_task(void *ctx, size_t slot) {
  slot_run *run = ctx;
  for (;;) {
    size_t item = atomic_fetch_add(&run->next, 1);
    if (item >= run->items) return;
    run->fn(run->ctx, item, slot);
  }
}

void cais_cpu_run_slots(cais_threadpool *pool, size_t slots, size_t items,
                        cais_cpu_slot_fn fn, void *ctx) {
  if (items == 0) return;
  slot_run run = {fn, ctx, items, 0};
  atomic_init(&run.next, 0);
  cais_threadpool_run(pool, slots, slot_task, &run);
}

double cais_cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
