/*
 * prune_block.h -- block sparsity along the output-channel axis (spec
 * section 4).
 *
 * With C = shape[axis] and b = block_size, a block is b consecutive indices
 * along the axis at one fixed position of every other axis; the last block
 * of each line has C - (ceil(C/b) - 1) * b elements.  The block grid is the
 * weight's shape with C replaced by ceil(C/b); a block's index is its
 * row-major index in that grid (equivalently the order of the blocks' first
 * elements' flat indices).
 *
 * Score of a block: the sum of the squares of its elements (each converted
 * exactly to double, squared in double), added sequentially from 0.0 in
 * increasing index along the axis.  (The L2 norm orders blocks the same way;
 * the square root is not taken.)  Blocks are ordered by (score, block index)
 * and pruned in that order until at least n = floor(N * s) elements are
 * pruned (n = 0: none; n = N: all).  The cut is found by a weighted radix
 * select on the scores' bit patterns (non-negative doubles order like their
 * bits; four rounds of 16-bit digits), weights = block lengths: it yields
 * the score T and the weight still missing at T; blocks scoring below T
 * are pruned, and blocks scoring exactly T in increasing block index while
 * that weight is not reached.
 *
 * Skips: non-finite values (they take precedence over every other reason;
 * found through the scores -- a sum of squares of finite values is finite --
 * or by a scan when no scores are needed); rank 1; 2 * b > C ("more than
 * half of the channels").
 */
#ifndef CAIS_CPU_PRUNE_BLOCK_H
#define CAIS_CPU_PRUNE_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "common/threadpool.h"
#include "compute/compute_job.h"
#include "compute/cpu/selection.h"

/** Block-prunes `w` along `axis` with block size `block` until >= `n`
 *  elements are pruned.  CAIS_CPU_OK: `sel` is a by-mask selection (mask,
 *  chunk_nnz, nnz).  CAIS_CPU_SKIP: reason in `msg`.  CAIS_CPU_NOMEM. */
cais_cpu_status cais_cpu_block_select(const cais_tensor_view *w, int axis,
                                      int64_t block, int64_t n,
                                      cais_threadpool *pool,
                                      cais_cpu_selection *sel, char *msg,
                                      size_t msg_size);

#endif /* CAIS_CPU_PRUNE_BLOCK_H */
