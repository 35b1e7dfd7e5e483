/*
 * error_stats.h -- the reconstruction statistics and their fixed summation
 * order (device- and thread-independent).
 *
 * For every element, w is its value and w' the value the compressed program
 * decodes: 0 when the element is not in the mask; w itself (no joint
 * compression); round-to-type(double(q - offset1) * s) (int8/uint8);
 * round-to-type(fp8_to_double(q) * s) (fp8); lut[index] (palettization).
 * Terms, in double: e = (w - w') * (w - w'), n = w * w.
 *
 * Order: the flat elements are cut into consecutive STATS CHUNKS of 4096
 * (the last one shorter).  Each chunk's terms are added sequentially in
 * index order starting from 0.0; the chunk partial sums are then added
 * sequentially in chunk order starting from 0.0.  sq_error and sq_norm are
 * those two totals.  (Terms that are exactly 0.0 may be skipped: adding +0.0
 * to a non-negative sum never changes it.)
 *
 * The CPU backend computes the terms inside its output pass (compact.h),
 * storing one partial per stats chunk; the helpers here finish the sum and
 * give a plain reference implementation.
 */
#ifndef CAIS_CPU_ERROR_STATS_H
#define CAIS_CPU_ERROR_STATS_H

#include <stddef.h>

#define CAIS_STATS_CHUNK ((size_t)4096)

/** Number of stats chunks of `numel` elements. */
static inline size_t cais_stats_chunk_count(size_t numel) {
  return (numel + CAIS_STATS_CHUNK - 1) / CAIS_STATS_CHUNK;
}

/** partials[0] + partials[1] + ... sequentially from 0.0. */
double cais_stats_total(const double *partials, size_t count);

/** Reference: the two totals for dense arrays of w and w' (file comment). */
void cais_error_stats_dense(const double *w, const double *decoded, size_t n,
                            double *sq_error, double *sq_norm);

#endif /* CAIS_CPU_ERROR_STATS_H */
