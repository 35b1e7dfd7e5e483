/*
 * mask_bits.h -- the packed ui1 mask (compute_job.h): element i is bit
 * (i % 8) of byte i / 8.  Helpers shared by the steps that build masks.
 */
#ifndef CAIS_CPU_MASK_BITS_H
#define CAIS_CPU_MASK_BITS_H

#include <stddef.h>
#include <stdint.h>

#include "common/threadpool.h"
#include "compute/compute_job.h"

/** Builds the mask of `w` from a per-element "pruned" byte array (non-zero =
 *  pruned): bit i = !pruned[i] && abs key of element i != 0.  Chunks in
 *  parallel; chunk_nnz[c] gets chunk c's bit count.  Returns the total. */
int64_t cais_cpu_mask_from_pruned(const cais_tensor_view *w,
                                  const uint8_t *pruned, uint8_t *mask,
                                  int64_t *chunk_nnz, cais_threadpool *pool);

#endif /* CAIS_CPU_MASK_BITS_H */
