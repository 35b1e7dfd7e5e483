/*
 * kmeans1d_dp_scan_simd.h -- the host's node scan of the exact 1-D k-means
 * DP (kmeans1d_dp.h) with SIMD lanes, picked at run time.
 *
 * Host only (kmeans1d_dp.c includes this header outside its OpenCL build;
 * the device keeps the plain cais_dp_scan).  cais_dp_scan_fast has the
 * contract of cais_dp_scan with step 1 and returns the very same
 * (*best, *arg), bit for bit:
 *   - each candidate prev[i] + cost(i, j) is the same IEEE double
 *     operations in the same order as the scalar code: three subtractions,
 *     (s1 * s1) / s0, s2 minus that, prev[i] plus that; separate
 *     mul / div / sub / add instructions, no fused multiply-add (this file
 *     is compiled with -ffp-contract=off, host/CMakeLists.txt);
 *   - lane l of a vector sees i = first + l, first + l + W, ... in
 *     increasing order and keeps its own leftmost minimum with strict '<'
 *     (NaN never wins); the lanes are then reduced by (value, then smallest
 *     index), and the result replaces the caller's (*best, *arg) only when
 *     strictly smaller: the leftmost minimum, as the scalar scan finds.
 * On x86-64 the widest of AVX-512F (8 doubles), AVX2 (4) and SSE2 (2, every
 * x86-64 CPU) that the CPU supports is used (__builtin_cpu_supports, once);
 * elsewhere the scalar cais_dp_scan.  The kernels take any range (empty
 * included; a partial last vector uses masked loads, or, for SSE2, the
 * scalar scan continuing from the lanes' result); kmeans1d_dp.c keeps nodes
 * of fewer than CAIS_DP_SCAN_SIMD_MIN candidates on the inlined scalar scan,
 * where the vector set-up and lane reduction cost more than they save.
 */
#ifndef CAIS_CPU_KMEANS1D_DP_SCAN_SIMD_H
#define CAIS_CPU_KMEANS1D_DP_SCAN_SIMD_H

#include <stdbool.h>

#include "kmeans1d_dp.h"

/** Node scans shorter than this stay scalar in kmeans1d_dp.c.  Most nodes
 *  of the divide-and-conquer are short (k = 256 over 30k values: ~95% of
 *  the nodes have < 32 candidates, a third of all candidates); on the
 *  8-bit palettes of a 100M f16 program 32 measured a few % better than 16,
 *  24 or 64. */
#define CAIS_DP_SCAN_SIMD_MIN 32

/** The scan implementations (the test suite compares them). */
typedef enum cais_dp_scan_impl {
  CAIS_DP_SCAN_AUTO = 0, /**< the best this CPU supports */
  CAIS_DP_SCAN_SCALAR,   /**< cais_dp_scan itself */
  CAIS_DP_SCAN_SSE2,     /**< 2 doubles, x86-64 only */
  CAIS_DP_SCAN_AVX2,     /**< 4 doubles, x86-64 with AVX2 */
  CAIS_DP_SCAN_AVX512,   /**< 8 doubles, x86-64 with AVX-512F */
  CAIS_DP_SCAN_IMPL_COUNT
} cais_dp_scan_impl;

/** cais_dp_scan(p0, p1, p2, prev, j, first, last, 1, best, arg) with the
 *  implementation in use (AUTO unless cais_dp_scan_select said otherwise). */
void cais_dp_scan_fast(const double *p0, const double *p1, const double *p2,
                       const double *prev, cais_dp_int j, cais_dp_int first,
                       cais_dp_int last, double *best, cais_dp_int *arg);

/** Whether `impl` runs on this machine (AUTO and SCALAR always do). */
bool cais_dp_scan_impl_available(cais_dp_scan_impl impl);

/** What AUTO stands for on this machine. */
cais_dp_scan_impl cais_dp_scan_impl_auto(void);

/** A short name ("scalar", "sse2", "avx2", "avx512", "auto"). */
const char *cais_dp_scan_impl_name(cais_dp_scan_impl impl);

/** The scan of cais_dp_scan_fast with a given implementation (one that is
 *  not available runs the scalar scan). */
void cais_dp_scan_with(cais_dp_scan_impl impl, const double *p0, const double *p1,
                       const double *p2, const double *prev, cais_dp_int j,
                       cais_dp_int first, cais_dp_int last, double *best,
                       cais_dp_int *arg);

/** For tests: makes cais_dp_scan_fast (so the whole CPU solver) use `impl`
 *  from now on (AUTO: the default again; one not available: scalar).
 *  Returns the implementation now in use.  Not for concurrent use with a
 *  running solver. */
cais_dp_scan_impl cais_dp_scan_select(cais_dp_scan_impl impl);

#endif /* CAIS_CPU_KMEANS1D_DP_SCAN_SIMD_H */
