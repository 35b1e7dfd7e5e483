/*
 * prune_magnitude.h -- unstructured magnitude pruning (spec section 4).
 *
 * Rule: with n = cais_prune_target_count(N, s), the n elements that come
 * first in (abs key, flat index) order are pruned -- exactly n, ties at the
 * threshold broken by lower flat index first, zeros counted among them.
 *
 * How: one histogram pass pins the threshold T (the abs key of the n-th
 * element in that order) exactly.
 *  - f16 / bf16: per chunk, a 65536-bin histogram of the full bit patterns
 *    (abs-key counts are the sum of the two sign bins; the sign split also
 *    yields the histogram of surviving values that palettization needs).
 *  - f32: two-level radix: per chunk, a 32768-bin histogram of the high 16
 *    bits of the abs key (plus the chunk's zero count and largest key); then,
 *    for the high bin H holding the n-th element only, a second pass with a
 *    65536-bin histogram of the low 16 bits.
 * From the per-chunk histograms each chunk gets its count of keys < T and
 * == T, hence (in chunk order) how many of its ties are pruned (tie_quota)
 * and how many mask bits it will set (chunk_nnz).  Non-finite elements are
 * counted by the same pass (they occupy the top bins).
 *
 * When n == 0 the threshold is 0: keys < 0 do not exist and key-0 elements
 * (zeros) are not in the mask anyway, which is exactly "prune nothing".
 */
#ifndef CAIS_CPU_PRUNE_MAGNITUDE_H
#define CAIS_CPU_PRUNE_MAGNITUDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/threadpool.h"
#include "compute/compute_job.h"
#include "compute/cpu/selection.h"

/** Selects the `n` elements to prune (0 <= n <= numel).  On CAIS_CPU_OK
 *  `sel` is a by-threshold selection with chunk_nnz, nnz, max_kept_key, an
 *  allocated (unwritten) mask and, when `want_kept_hist` and the type is
 *  16-bit, kept_hist.  CAIS_CPU_SKIP: non-finite values (reason in `msg`).
 *  CAIS_CPU_NOMEM: out of memory.  `sel` is freed on failure. */
cais_cpu_status cais_cpu_magnitude_select(const cais_tensor_view *w, int64_t n,
                                          bool want_kept_hist,
                                          cais_threadpool *pool,
                                          cais_cpu_selection *sel, char *msg,
                                          size_t msg_size);

#endif /* CAIS_CPU_PRUNE_MAGNITUDE_H */
