/*
 * nonfinite_scan.h -- finding NaN / infinite elements (spec section 4: such
 * a weight is skipped with a warning, before any pruning).  Magnitude pruning
 * gets the count from its histogram pass; block and n:m pruning call
 * cais_cpu_scan_nonfinite first.
 */
#ifndef CAIS_CPU_NONFINITE_SCAN_H
#define CAIS_CPU_NONFINITE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/threadpool.h"
#include "compute/compute_job.h"

/** Flat index of the first non-finite element in [begin, end), or -1. */
int64_t cais_cpu_first_nonfinite(const cais_tensor_view *w, size_t begin,
                                  size_t end);

/** Counts the non-finite elements of `w` (chunks in parallel) and the flat
 *  index of the first (-1 when none). */
void cais_cpu_scan_nonfinite(const cais_tensor_view *w, cais_threadpool *pool,
                             int64_t *count, int64_t *first);

/** Scans `w`; when it has non-finite values writes the skip message
 *  (cais_cpu_nonfinite_message) into `msg` and returns true. */
bool cais_cpu_skip_nonfinite(const cais_tensor_view *w, cais_threadpool *pool,
                             char *msg, size_t msg_size);

#endif /* CAIS_CPU_NONFINITE_SCAN_H */
