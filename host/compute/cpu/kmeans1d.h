/*
 * kmeans1d.h -- weighted 1-D k-means over sorted distinct values: which
 * contiguous clusters, and each cluster's mean.
 *
 * Input: d distinct values x[0] < ... < x[d-1] (doubles) with counts c[j]
 * (their multiplicities among the surviving values: the objective is the
 * weighted sum of squared errors, every value counted as often as it
 * occurs).  Output: u = min(k, d) clusters given as bounds
 * 0 = bounds[0] < ... < bounds[u] = d (cluster t = [bounds[t], bounds[t+1])).
 *
 * Method:
 *  - d <= k: every distinct value is its own cluster.
 *  - exact: the DP of kmeans1d_dp.h over the d distinct values.  Prefix
 *    sums, in double, sequential in ascending order, of the values shifted by
 *    x_ref = x[(d - 1) / 2] (shifting leaves costs unchanged mathematically
 *    and limits cancellation):
 *        xs = x[j] - x_ref;  p0 += (double)c[j];  p1 += (double)c[j] * xs;
 *        p2 += (double)c[j] * xs * xs      (left to right).
 *    Used always for 16-bit types, and for f32 when
 *    k * d * ceil(log2 d) <= 2^28 and its tables fit 16 MiB
 *    (CAIS_KMEANS_EXACT_MEMORY).
 *  - near-optimal (f32 beyond that): the sorted distinct values are cut into
 *    at most G contiguous GROUPS of small internal cost (G = 65536, or what
 *    keeps the group DP's 16-bit split table within CAIS_KMEANS_EXACT_MEMORY:
 *    32,896 for k = 256), the DP runs
 *    over the groups (their prefix sums are the value prefix sums sampled at
 *    the group starts, so a union of groups costs exactly what its values
 *    cost), then Lloyd refinement on the distinct values.
 *    Groups: for a threshold tau, greedily from the left, a group starting
 *    at value s takes values s..j-1 for the largest j with cost(s, j) <= tau
 *    (at least one value).  tau: bisection on the bit patterns of
 *    non-negative doubles, lo = 0, hi = +inf: mid = lo + (hi - lo) / 2;
 *    more than G groups -> lo = mid + 1; else hi = mid, and stop once the
 *    count is >= G - G/8; tau = hi.  (Equal-count groups, the first design,
 *    cannot put a cut inside a gap of the data, and at 256 clusters that
 *    cost several percent: cost-bounded groups end where the data jumps.)
 *    Lloyd: means nu_t = S1/S0 (shifted), midpoints (nu_t + nu_{t+1}) * 0.5,
 *    new bound t+1 = the first j with x[j] - x_ref > midpoint t (binary
 *    search).  A refinement is accepted only if no cluster becomes empty and
 *    the total cost strictly decreases; it stops when the partition stops
 *    changing, is rejected, or after 100 iterations.
 *    Memory: this path keeps the prefix sums only every 64 values
 *    (checkpoints; the values in between are re-added forward from the
 *    checkpoint, giving the same doubles) and finds the groups in streaming
 *    passes, so beyond the values themselves it holds ~0.4 bytes per
 *    distinct value plus the groups' arrays (~2 MB).  The exact path holds
 *    full prefix sums (24 bytes per distinct value), bounded by its budget.
 * Centroid (cais_kmeans1d_centroid): (sum of c[j] * x[j] over the cluster,
 * added sequentially in ascending order from 0.0) / (sum of c[j]), in
 * double.  (c[j] * x[j] is exact: counts < 2^29 times values of <= 24
 * significant bits.)
 */
#ifndef CAIS_CPU_KMEANS1D_H
#define CAIS_CPU_KMEANS1D_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most groups of the near-optimal path. */
#define CAIS_KMEANS_GROUPS 65536

/** Work budget of the exact path for f32: k * d * ceil(log2 d) <= this. */
#define CAIS_KMEANS_EXACT_BUDGET ((uint64_t)1 << 28)

/** Memory budget of the exact path for f32, per tensor: its split table
 *  ((k - 1) * d * 4 bytes) plus prefix sums and DP rows (40 bytes per
 *  distinct value) <= this.  The work budget alone would allow ~250 MB
 *  at k = 2 (d ~ 5.8M, mostly prefix sums), ~85 MB at k = 16 (d ~ 840k)
 *  and ~70 MB at k = 256 (d = 65,536, mostly the split table), and two
 *  threads run two tensors side by side. */
#define CAIS_KMEANS_EXACT_MEMORY ((uint64_t)16 << 20)

/** Whether the exact DP is used for d distinct values and k clusters
 *  (always when `exact_only`). */
bool cais_kmeans1d_is_exact(size_t d, int k, bool exact_only);

/** Clusters the d > 0 distinct values into min(k, d) clusters (file
 *  comment); writes bounds[0..u] and *used = u.  `exact_only`: 16-bit
 *  types (always exact).  Returns false when out of memory. */
bool cais_kmeans1d_partition(const double *x, const uint64_t *count, size_t d,
                             int k, bool exact_only, size_t *bounds,
                             int *used);

/** The centroid of cluster [begin, end) (file comment). */
double cais_kmeans1d_centroid(const double *x, const uint64_t *count,
                              size_t begin, size_t end);

/** cais_kmeans1d_partition (exact_only false) for f32 values given as their
 *  d distinct bit patterns in ascending value order (`xbits`) with 32-bit
 *  counts, as cais_sort_f32_distinct_inplace leaves them: the same bounds
 *  as on the doubles, without a copy of the values. */
bool cais_kmeans1d_partition_f32(const uint32_t *xbits, const uint32_t *count,
                                 size_t d, int k, size_t *bounds, int *used);

/** cais_kmeans1d_centroid over the f32 form; the same double. */
double cais_kmeans1d_centroid_f32(const uint32_t *xbits, const uint32_t *count,
                                  size_t begin, size_t end);

/** Weighted SSE of a partition around the clusters' exact means, in long
 *  double (for tests and reports; not part of the algorithm). */
long double cais_kmeans1d_sse(const double *x, const uint64_t *count,
                              const size_t *bounds, int used);

#endif /* CAIS_CPU_KMEANS1D_H */
