/*
 * kmeans1d_dp.h -- the exact 1-D k-means solver: optimal partition of sorted
 * weighted items into k contiguous clusters by dynamic programming.
 *
 * This header and kmeans1d_dp.c are plain C99 that also compiles as OpenCL C
 * (the device backend splices the same source into its kernels): no
 * allocation, no recursion, no library calls, pointers qualified with
 * CAIS_DP_GLOBAL, integer types through the typedefs below.
 *
 * Items 1..m (sorted by value) are given by prefix sums over items 0..j-1:
 * p0[j] = total weight, p1[j] = weighted sum, p2[j] = weighted sum of
 * squares (j = 0..m, p*[0] = 0).  The cost of a cluster of items i+1..j is
 *     cost(i, j) = s2 - s1 * s1 / s0,   s_r = p_r[j] - p_r[i],
 * evaluated in double exactly as written ((s1 * s1) / s0, then the
 * subtraction; no fused multiply-add: compile with contraction off).
 *
 * Recurrence (layer l = number of clusters):
 *     D1(j) = cost(0, j)
 *     Dl(j) = min over i in [l-1, j-1] of D(l-1)(i) + cost(i, j)
 * taking the LEFTMOST i among equal minima (strict < while scanning i
 * upward).  Layer l is evaluated for j in [l, m-k+l] (the only j a later
 * layer can use), the last layer for j = m only.
 *
 * Each layer uses the divide-and-conquer optimisation: a node (jlo, jhi,
 * ilo, ihi) evaluates j = jlo + (jhi - jlo) / 2 by scanning i from ilo to
 * min(ihi, j - 1); with its argmin a, the children are (jlo, j-1, ilo, a)
 * and (j+1, jhi, a, ihi).  The root is (first j, last j, l-1, last j - 1).
 * Each node's result depends only on its own (jlo, jhi, ilo, ihi), so the
 * results do not depend on the order nodes are visited (this file uses an
 * explicit stack, depth-first; a device may go breadth-first).  For 1-D
 * k-means the argmin is monotone in j, so this finds the exact optimum
 * of the recurrence.
 *
 * Backtracking: bounds[k] = m, bounds[l-1] = argmin of layer l at
 * bounds[l] (l = k..2), bounds[0] = 0.  Cluster t (0-based) holds items
 * bounds[t]+1 .. bounds[t+1], i.e. 0-based item indices
 * [bounds[t], bounds[t+1]).
 */
#ifndef CAIS_CPU_KMEANS1D_DP_H
#define CAIS_CPU_KMEANS1D_DP_H

#if defined(__OPENCL_VERSION__) || defined(__OPENCL_C_VERSION__)
#define CAIS_DP_GLOBAL __global
typedef long cais_dp_int;
typedef uint cais_dp_split;
typedef ushort cais_dp_split16;
#else
#include <stdint.h>
#define CAIS_DP_GLOBAL
typedef int64_t cais_dp_int;
typedef uint32_t cais_dp_split;
typedef uint16_t cais_dp_split16;
#endif

/** Deepest divide-and-conquer stack the solver needs (> log2 of any m). */
#define CAIS_DP_STACK_DEPTH 66

/** Entries of the `split` workspace: (k - 1) * m. */
#define CAIS_DP_SPLIT_ENTRIES(m, k) ((cais_dp_int)((k) - 1) * (cais_dp_int)(m))

/** cost(i, j) of the file comment. */
double cais_dp_cost(const CAIS_DP_GLOBAL double *p0,
                    const CAIS_DP_GLOBAL double *p1,
                    const CAIS_DP_GLOBAL double *p2, cais_dp_int i,
                    cais_dp_int j);

/** One node's scan: for i = first, first + step, ... <= last, replaces
 *  (*best, *arg) with (prev[i] + cost(i, j), i) when that is strictly
 *  smaller: the leftmost minimum among the candidates seen, given the
 *  caller's starting (*best, *arg).  The CPU scans a node with step 1; the
 *  device too, or with `per` work-items at steps of `per` whose results it
 *  combines by (value, index). */
void cais_dp_scan(const CAIS_DP_GLOBAL double *p0, const CAIS_DP_GLOBAL double *p1,
                  const CAIS_DP_GLOBAL double *p2, const CAIS_DP_GLOBAL double *prev,
                  cais_dp_int j, cais_dp_int first, cais_dp_int last,
                  cais_dp_int step, double *best, cais_dp_int *arg);

/** Solves the recurrence for m items and k clusters (1 <= k <= m) and
 *  writes the k + 1 cluster bounds.  Workspace: `prev` and `cur` hold
 *  m + 1 doubles each; the argmins go to CAIS_DP_SPLIT_ENTRIES(m, k)
 *  entries of `split`, or, when `split` is 0, of `split16` (16-bit entries,
 *  half the memory: only for m <= 65536, where every argmin fits).
 *  Returns the optimal total cost Dk(m). */
double cais_kmeans1d_dp_solve(const CAIS_DP_GLOBAL double *p0,
                              const CAIS_DP_GLOBAL double *p1,
                              const CAIS_DP_GLOBAL double *p2, cais_dp_int m,
                              int k, CAIS_DP_GLOBAL double *prev,
                              CAIS_DP_GLOBAL double *cur,
                              CAIS_DP_GLOBAL cais_dp_split *split,
                              CAIS_DP_GLOBAL cais_dp_split16 *split16,
                              CAIS_DP_GLOBAL cais_dp_int *bounds);

#endif /* CAIS_CPU_KMEANS1D_DP_H */
