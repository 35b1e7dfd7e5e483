/*
 * kept_scan.h -- facts about the surviving values of a by-mask selection
 * (block and n:m pruning) that the joint compression needs: the largest abs
 * key in the mask (quantization scale) and the histogram of the kept bit
 * patterns (16-bit palettization).  Magnitude pruning derives both from its
 * own histograms instead.
 */
#ifndef CAIS_CPU_KEPT_SCAN_H
#define CAIS_CPU_KEPT_SCAN_H

#include <stdbool.h>

#include "common/threadpool.h"
#include "compute/compute_job.h"
#include "compute/cpu/selection.h"

/** Fills sel->max_kept_key and, when `want_hist` (16-bit types only),
 *  allocates and fills sel->kept_hist.  Chunks in parallel, integer
 *  per-slot accumulators.  Returns false when out of memory. */
bool cais_cpu_kept_scan(const cais_tensor_view *w, cais_cpu_selection *sel,
                        bool want_hist, cais_threadpool *pool);

#endif /* CAIS_CPU_KEPT_SCAN_H */
