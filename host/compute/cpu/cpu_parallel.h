/*
 * cpu_parallel.h -- how the CPU backend cuts a tensor into work.
 *
 * Every dense pass walks the tensor in CHUNKS of CAIS_CPU_CHUNK elements
 * (the last one shorter).  The chunk size is a constant, independent of the
 * thread count, and everything a chunk produces (histograms, counts, mask
 * bytes, output positions, error partial sums) is a function of the chunk
 * alone, so results are identical for any number of threads.  Chunks are a
 * multiple of 8 elements (mask bytes never straddle chunks) and of
 * CAIS_STATS_CHUNK (error sums never straddle chunks).
 *
 * Passes that reduce integers (histograms, maxima) use SLOTS: one task per
 * slot, each claiming chunks from a shared counter and accumulating into its
 * own scratch.  Which chunks a slot sees varies from run to run, but integer
 * sums and maxima do not depend on that.  Floating-point sums never use
 * slots (error_stats.h fixes their order).
 */
#ifndef CAIS_CPU_PARALLEL_H
#define CAIS_CPU_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/threadpool.h"

#define CAIS_CPU_CHUNK ((size_t)1 << 20)

/** Number of chunks of a tensor of `numel` elements. */
static inline size_t cais_cpu_chunk_count(size_t numel) {
  return (numel + CAIS_CPU_CHUNK - 1) / CAIS_CPU_CHUNK;
}

/** [*begin, *end) element range of chunk `c`. */
static inline void cais_cpu_chunk_range(size_t numel, size_t c, size_t *begin,
                                        size_t *end) {
  *begin = c * CAIS_CPU_CHUNK;
  *end = *begin + CAIS_CPU_CHUNK < numel ? *begin + CAIS_CPU_CHUNK : numel;
}

/** Slots to use for `items` work items: min(pool threads, items), >= 1. */
size_t cais_cpu_slot_count(const cais_threadpool *pool, size_t items);

typedef void (*cais_cpu_slot_fn)(void *ctx, size_t item, size_t slot);

/** Calls fn(ctx, item, slot) for every item in [0, items) using `slots`
 *  tasks (from cais_cpu_slot_count); calls with the same slot never run
 *  at the same time. */
void cais_cpu_run_slots(cais_threadpool *pool, size_t slots, size_t items,
                        cais_cpu_slot_fn fn, void *ctx);

/** Monotonic wall clock in seconds (for result.timing). */
double cais_cpu_now(void);

#endif /* CAIS_CPU_PARALLEL_H */
