/*
 * prune_nm.h -- n:m sparsity along the input-channel axis (spec section 4).
 *
 * Each line along the axis (C = shape[axis] elements at a fixed position of
 * every other axis) is cut into runs of m consecutive elements.  In a full
 * run the n elements first in (abs key, index) order are pruned (ties: lower
 * index first).  A trailing run of r < m real elements behaves as if padded
 * with m - r zeros that count first toward n, so it prunes the
 * max(0, n - (m - r)) real elements first in that order.  Elements left in
 * the mask are the unpruned ones with a non-zero abs key.
 *
 * Skips: non-finite values (they take precedence over every other reason;
 * the run pass watches for them and a scan then counts them); rank 1;
 * 2 * m > C ("more than half of the channels").  n == 0 prunes nothing,
 * n == m everything.
 *
 * Runs of up to 16 elements rank their elements by counting (branch-free);
 * longer runs sort (abs key << 32 | position) pairs.  Both give the order
 * (abs key, index) exactly.  With the input axis innermost and m <= 16 the
 * mask bits are written directly per mask chunk (no per-element scratch).
 */
#ifndef CAIS_CPU_PRUNE_NM_H
#define CAIS_CPU_PRUNE_NM_H

#include <stddef.h>
#include <stdint.h>

#include "common/threadpool.h"
#include "compute/compute_job.h"
#include "compute/cpu/selection.h"

/** n:m-prunes `w` along `axis` (0 <= n <= m, m >= 1).  CAIS_CPU_OK: `sel`
 *  is a by-mask selection (mask, chunk_nnz, nnz).  CAIS_CPU_SKIP: reason in
 *  `msg`.  CAIS_CPU_NOMEM. */
cais_cpu_status cais_cpu_nm_select(const cais_tensor_view *w, int axis,
                                   int64_t n, int64_t m, cais_threadpool *pool,
                                   cais_cpu_selection *sel, char *msg,
                                   size_t msg_size);

#endif /* CAIS_CPU_PRUNE_NM_H */
