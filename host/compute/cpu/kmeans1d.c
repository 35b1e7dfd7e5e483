/* kmeans1d.c -- see kmeans1d.h. */
#include "compute/cpu/kmeans1d.h"

#include <stdlib.h>
#include <string.h>

#include "compute/cpu/kmeans1d_dp.h"

#define LLOYD_MAX_ITERATIONS 100

bool cais_kmeans1d_is_exact(size_t d, int k, bool exact_only) {
  if (exact_only || d <= (size_t)k) return true;
  uint64_t log2d = 64 - (uint64_t)__builtin_clzll((unsigned long long)(d - 1));
  /* k * d * log2d, saturating */
  uint64_t kd = (uint64_t)k * (uint64_t)d;
  if (kd > CAIS_KMEANS_EXACT_BUDGET) return false;
  return kd * log2d <= CAIS_KMEANS_EXACT_BUDGET;
}

/* Prefix sums of the file comment (arrays of d + 1). */
static void prefix_sums(const double *x, const uint64_t *count, size_t d,
                        double x_ref, double *p0, double *p1, double *p2) {
  p0[0] = p1[0] = p2[0] = 0.0;
  for (size_t j = 0; j < d; j++) {
    double xs = x[j] - x_ref;
    double c = (double)count[j];
    p0[j + 1] = p0[j] + c;
    p1[j + 1] = p1[j] + c * xs;
    p2[j + 1] = p2[j] + c * xs * xs;
  }
}

/* Runs the DP over m items given by prefix sums; bounds in item space. */
static bool solve(const double *p0, const double *p1, const double *p2,
                  size_t m, int k, size_t *bounds) {
  double *prev = malloc((m + 1) * sizeof *prev);
  double *cur = malloc((m + 1) * sizeof *cur);
  cais_dp_split *split = malloc(((size_t)CAIS_DP_SPLIT_ENTRIES(m, k) + 1) * sizeof *split);
  cais_dp_int *b = malloc(((size_t)k + 1) * sizeof *b);
  bool ok = prev && cur && split && b;
  if (ok) {
    cais_kmeans1d_dp_solve(p0, p1, p2, (cais_dp_int)m, k, prev, cur, split, b);
    for (int t = 0; t <= k; t++) bounds[t] = (size_t)b[t];
  }
  free(prev);
  free(cur);
  free(split);
  free(b);
  return ok;
}

static double partition_cost(const double *p0, const double *p1,
                             const double *p2, const size_t *bounds, int k) {
  double total = 0.0;
  for (int t = 0; t < k; t++)
    total += cais_dp_cost(p0, p1, p2, (cais_dp_int)bounds[t], (cais_dp_int)bounds[t + 1]);
  return total;
}

/* First j in [lo, hi) with x[j] - x_ref > mid (hi if none). */
static size_t first_above(const double *x, double x_ref, double mid, size_t lo,
                          size_t hi) {
  while (lo < hi) {
    size_t h = lo + (hi - lo) / 2;
    if (x[h] - x_ref > mid)
      hi = h;
    else
      lo = h + 1;
  }
  return lo;
}

/* Lloyd refinement of the file comment; `bounds` is updated in place. */
static bool lloyd(const double *x, size_t d, double x_ref, const double *p0,
                  const double *p1, const double *p2, int k, size_t *bounds) {
  size_t *next = malloc(((size_t)k + 1) * sizeof *next);
  double *mean = malloc((size_t)k * sizeof *mean);
  if (!next || !mean) {
    free(next);
    free(mean);
    return false;
  }
  double cost = partition_cost(p0, p1, p2, bounds, k);
  for (int it = 0; it < LLOYD_MAX_ITERATIONS; it++) {
    for (int t = 0; t < k; t++) {
      size_t a = bounds[t], b = bounds[t + 1];
      mean[t] = (p1[b] - p1[a]) / (p0[b] - p0[a]);
    }
    next[0] = 0;
    next[k] = d;
    bool empty = false, changed = false;
    for (int t = 0; t + 1 < k; t++) {
      double mid = (mean[t] + mean[t + 1]) * 0.5;
      next[t + 1] = first_above(x, x_ref, mid, next[t], d);
    }
    for (int t = 0; t < k; t++) {
      empty |= next[t + 1] <= next[t];
      changed |= next[t + 1] != bounds[t + 1];
    }
    if (empty || !changed) break;
    double next_cost = partition_cost(p0, p1, p2, next, k);
    if (!(next_cost < cost)) break;
    cost = next_cost;
    for (int t = 0; t <= k; t++) bounds[t] = next[t];
  }
  free(next);
  free(mean);
  return true;
}

/* cost(i, j) over the value prefix sums. */
static inline double value_cost(const double *p0, const double *p1,
                                const double *p2, size_t i, size_t j) {
  return cais_dp_cost(p0, p1, p2, (cais_dp_int)i, (cais_dp_int)j);
}

/* Greedy grouping for threshold tau (file comment of kmeans1d.h): returns
 * the number of groups and, when `start` is not NULL, writes the group
 * starts and start[groups] = d. */
static size_t greedy_groups(const double *p0, const double *p1,
                            const double *p2, size_t d, double tau,
                            size_t *start) {
  size_t s = 0, count = 0;
  if (start) start[0] = 0;
  for (size_t j = 2; j <= d; j++) {
    if (value_cost(p0, p1, p2, s, j) > tau) { /* value j-1 starts a new group */
      s = j - 1;
      if (start) start[count + 1] = s;
      count++;
    }
  }
  count++;
  if (start) start[count] = d;
  return count;
}

/* The groups of the near-optimal path: the greedy grouping for the
 * smallest threshold found by bisection (on the bit patterns of non-negative
 * doubles, from [0, +inf]) that gives at most CAIS_KMEANS_GROUPS groups,
 * stopping early once the count is within the top eighth below it. */
static size_t make_groups(const double *p0, const double *p1, const double *p2,
                          size_t d, size_t *start) {
  const size_t most = CAIS_KMEANS_GROUPS, enough = most - most / 8;
  uint64_t lo = 0, hi = 0x7FF0000000000000ull; /* +inf: one group */
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    double tau;
    memcpy(&tau, &mid, sizeof tau);
    size_t n = greedy_groups(p0, p1, p2, d, tau, NULL);
    if (n > most) {
      lo = mid + 1;
    } else {
      hi = mid;
      if (n >= enough) break;
    }
  }
  double tau;
  memcpy(&tau, &hi, sizeof tau);
  return greedy_groups(p0, p1, p2, d, tau, start);
}

bool cais_kmeans1d_partition(const double *x, const uint64_t *count, size_t d,
                             int k, bool exact_only, size_t *bounds,
                             int *used) {
  if (d <= (size_t)k) {
    for (size_t t = 0; t <= d; t++) bounds[t] = t;
    *used = (int)d;
    return true;
  }
  *used = k;
  double x_ref = x[(d - 1) / 2];
  double *p = malloc(3 * (d + 1) * sizeof *p);
  if (!p) return false;
  double *p0 = p, *p1 = p + d + 1, *p2 = p + 2 * (d + 1);
  prefix_sums(x, count, d, x_ref, p0, p1, p2);
  bool ok;
  size_t *start = NULL;
  size_t groups = 0;
  if (!cais_kmeans1d_is_exact(d, k, exact_only)) {
    start = malloc((CAIS_KMEANS_GROUPS + 1) * sizeof *start);
    if (!start) {
      free(p);
      return false;
    }
    groups = make_groups(p0, p1, p2, d, start);
  }
  if (groups < (size_t)k) { /* exact (or too few groups to cut: exact too) */
    ok = solve(p0, p1, p2, d, k, bounds);
  } else {
    double *q = malloc(3 * (groups + 1) * sizeof *q);
    ok = q != NULL;
    if (ok) {
      /* A union of groups costs exactly what its values cost: the group
       * prefix sums are the value prefix sums at the group starts. */
      double *q0 = q, *q1 = q + groups + 1, *q2 = q + 2 * (groups + 1);
      for (size_t g = 0; g <= groups; g++) {
        q0[g] = p0[start[g]];
        q1[g] = p1[start[g]];
        q2[g] = p2[start[g]];
      }
      ok = solve(q0, q1, q2, groups, k, bounds);
      if (ok) {
        for (int t = 0; t <= k; t++) bounds[t] = start[bounds[t]];
        ok = lloyd(x, d, x_ref, p0, p1, p2, k, bounds);
      }
    }
    free(q);
  }
  free(start);
  free(p);
  return ok;
}

double cais_kmeans1d_centroid(const double *x, const uint64_t *count,
                              size_t begin, size_t end) {
  double sum = 0.0, weight = 0.0;
  for (size_t j = begin; j < end; j++) {
    sum += (double)count[j] * x[j];
    weight += (double)count[j];
  }
  return sum / weight;
}

long double cais_kmeans1d_sse(const double *x, const uint64_t *count,
                              const size_t *bounds, int used) {
  long double total = 0.0L;
  for (int t = 0; t < used; t++) {
    long double s = 0.0L, w = 0.0L;
    for (size_t j = bounds[t]; j < bounds[t + 1]; j++) {
      s += (long double)count[j] * x[j];
      w += (long double)count[j];
    }
    long double mean = s / w;
    for (size_t j = bounds[t]; j < bounds[t + 1]; j++) {
      long double e = (long double)x[j] - mean;
      total += (long double)count[j] * e * e;
    }
  }
  return total;
}
