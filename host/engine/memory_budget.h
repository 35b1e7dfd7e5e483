/*
 * memory_budget.h -- refusing a run that cannot fit in memory before any
 * work is done (docs/RELIABILITY.md, "Memory").
 *
 * Why refuse rather than process within the limit: every compressed weight
 * stays in the MLIR module until the whole program is written (MLIR writes
 * a module in one go), so the output cannot be streamed out piece by piece;
 * a run either fits or fails, and failing at the start is the only failure
 * that costs nothing.  The estimate is an upper bound of what the run adds
 * to what is already loaded:
 *   - per eligible weight, its op chain's payloads: the mask (N/8 bytes)
 *     and at most N - floor(N*s) values in the payload's type (all N for
 *     n:m), plus the expanded copy of a splat weight;
 *   - the working buffers of the largest weight (the CPU backend holds one
 *     large weight at a time; small ones run one per thread), a k-means
 *     solve per thread when palettizing (bounded by type and bit width,
 *     kmeans1d.h), and a device batch's staging copies;
 *   - for a program read as text, the printer's temporary hex copy of the
 *     largest constant when the result is written back as text.
 */
#ifndef CAIS_ENGINE_MEMORY_BUDGET_H
#define CAIS_ENGINE_MEMORY_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "caisparse.h"
#include "compute/compute_job.h"
#include "select_weights/collect_weights.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The estimate above, in bytes.  `threads`: CPU worker threads;
 *  `device_batch_bytes`: the device backend's batch limit, 0 without one. */
uint64_t cais_run_memory_estimate(const cais_weight_set *set,
                                  const cais_compress_params *params,
                                  bool text_source, int threads,
                                  uint64_t device_batch_bytes);

/** Fails with CAIS_ERROR_OUT_OF_MEMORY, saying how much is needed and what
 *  limits it, when the estimate exceeds the headroom (memory_limit.h). */
cais_status cais_check_run_memory(const cais_weight_set *set,
                                  const cais_compress_params *params,
                                  bool text_source, int threads,
                                  uint64_t device_batch_bytes,
                                  const char *source_name, cais_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_ENGINE_MEMORY_BUDGET_H */
