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
  if (kd * log2d > CAIS_KMEANS_EXACT_BUDGET) return false;
  /* the split table, the prefix sums and two DP rows (kd < 2^28: no overflow) */
  uint64_t entry = d <= 65536 ? sizeof(cais_dp_split16) : sizeof(cais_dp_split);
  uint64_t bytes = (uint64_t)(k - 1) * d * entry + (uint64_t)d * 40;
  return bytes <= CAIS_KMEANS_EXACT_MEMORY;
}

/* The sorted distinct values and their counts, in either representation:
 * doubles with 64-bit counts, or f32 bit patterns with 32-bit counts (the
 * lean form of the CPU's f32 path).  Both give the same doubles. */
typedef struct kvals {
  const double *xd;
  const uint64_t *cd;
  const uint32_t *xb;
  const uint32_t *cb;
} kvals;

static inline double kv_x(const kvals *v, size_t j) {
  if (v->xd) return v->xd[j];
  float f;
  memcpy(&f, &v->xb[j], sizeof f);
  return (double)f;
}

static inline double kv_c(const kvals *v, size_t j) {
  return v->cd ? (double)v->cd[j] : (double)v->cb[j];
}

/* One prefix-sum triple (p0, p1, p2 of the file comment at one index). */
typedef struct psum {
  double s0, s1, s2;
} psum;

/* p[j + 1] from p[j]: the file comment's step, operation for operation. */
static inline void psum_add(psum *p, const kvals *v, size_t j, double x_ref) {
  double xs = kv_x(v, j) - x_ref;
  double c = kv_c(v, j);
  p->s0 = p->s0 + c;
  p->s1 = p->s1 + c * xs;
  p->s2 = p->s2 + c * xs * xs;
}

/* cost(i, j) from p[i] and p[j]: the expression of cais_dp_cost. */
static inline double psum_cost(const psum *a, const psum *b) {
  double s0 = b->s0 - a->s0;
  double s1 = b->s1 - a->s1;
  double s2 = b->s2 - a->s2;
  return s2 - s1 * s1 / s0;
}

/* Prefix sums of the file comment (arrays of d + 1): the exact path. */
static void prefix_sums(const kvals *v, size_t d, double x_ref, double *p0,
                        double *p1, double *p2) {
  psum p = {0.0, 0.0, 0.0};
  p0[0] = p1[0] = p2[0] = 0.0;
  for (size_t j = 0; j < d; j++) {
    psum_add(&p, v, j, x_ref);
    p0[j + 1] = p.s0;
    p1[j + 1] = p.s1;
    p2[j + 1] = p.s2;
  }
}

/* Runs the DP over m items given by prefix sums; bounds in item space. */
static bool solve(const double *p0, const double *p1, const double *p2,
                  size_t m, int k, size_t *bounds) {
  /* Argmins are < m: 16-bit entries hold them up to m = 65536 (every f16
   * tensor, every group DP), at half the memory. */
  size_t entries = (size_t)CAIS_DP_SPLIT_ENTRIES(m, k) + 1;
  bool narrow = m <= 65536;
  double *prev = malloc((m + 1) * sizeof *prev);
  double *cur = malloc((m + 1) * sizeof *cur);
  cais_dp_split *split = narrow ? NULL : malloc(entries * sizeof *split);
  cais_dp_split16 *split16 = narrow ? malloc(entries * sizeof *split16) : NULL;
  cais_dp_int *b = malloc(((size_t)k + 1) * sizeof *b);
  bool ok = prev && cur && (split || split16) && b;
  if (ok) {
    cais_kmeans1d_dp_solve(p0, p1, p2, (cais_dp_int)m, k, prev, cur, split, split16, b);
    for (int t = 0; t <= k; t++) bounds[t] = (size_t)b[t];
  }
  free(prev);
  free(cur);
  free(split);
  free(split16);
  free(b);
  return ok;
}

/* The near-optimal path keeps the prefix sums only every CHECK_EVERY
 * values and recomputes the others forward from the checkpoint before
 * them: the same sequential additions, so the same doubles as a full array,
 * at 24 / CHECK_EVERY bytes per distinct value instead of 24. */
#define CHECK_SHIFT 6
#define CHECK_EVERY ((size_t)1 << CHECK_SHIFT)

typedef struct checkpoints {
  const kvals *v;
  double x_ref;
  psum *at; /* at[c] = p[c * CHECK_EVERY] */
} checkpoints;

static bool checkpoints_init(checkpoints *cp, const kvals *v, size_t d, double x_ref) {
  cp->v = v;
  cp->x_ref = x_ref;
  cp->at = malloc(((d >> CHECK_SHIFT) + 1) * sizeof *cp->at);
  if (!cp->at) return false;
  psum p = {0.0, 0.0, 0.0};
  for (size_t j = 0; j <= d; j++) {
    if ((j & (CHECK_EVERY - 1)) == 0) cp->at[j >> CHECK_SHIFT] = p;
    if (j < d) psum_add(&p, v, j, x_ref);
  }
  return true;
}

static psum prefix_at(const checkpoints *cp, size_t j) {
  psum p = cp->at[j >> CHECK_SHIFT];
  for (size_t i = j & ~(CHECK_EVERY - 1); i < j; i++) psum_add(&p, cp->v, i, cp->x_ref);
  return p;
}

/* Sum of the clusters' costs, added in cluster order. */
static double partition_cost(const psum *at_bounds, int k) {
  double total = 0.0;
  for (int t = 0; t < k; t++) total += psum_cost(&at_bounds[t], &at_bounds[t + 1]);
  return total;
}

/* First j in [lo, hi) with x[j] - x_ref > mid (hi if none). */
static size_t first_above(const kvals *v, double x_ref, double mid, size_t lo,
                          size_t hi) {
  while (lo < hi) {
    size_t h = lo + (hi - lo) / 2;
    if (kv_x(v, h) - x_ref > mid)
      hi = h;
    else
      lo = h + 1;
  }
  return lo;
}

/* Lloyd refinement of the file comment; `bounds` is updated in place. */
static bool lloyd(const checkpoints *cp, size_t d, int k, size_t *bounds) {
  size_t *next = malloc(((size_t)k + 1) * sizeof *next);
  double *mean = malloc((size_t)k * sizeof *mean);
  psum *at = malloc(((size_t)k + 1) * sizeof *at);
  psum *at_next = malloc(((size_t)k + 1) * sizeof *at_next);
  bool ok = next && mean && at && at_next;
  if (ok) {
    for (int t = 0; t <= k; t++) at[t] = prefix_at(cp, bounds[t]);
    double cost = partition_cost(at, k);
    for (int it = 0; it < LLOYD_MAX_ITERATIONS; it++) {
      for (int t = 0; t < k; t++)
        mean[t] = (at[t + 1].s1 - at[t].s1) / (at[t + 1].s0 - at[t].s0);
      next[0] = 0;
      next[k] = d;
      bool empty = false, changed = false;
      for (int t = 0; t + 1 < k; t++) {
        double mid = (mean[t] + mean[t + 1]) * 0.5;
        next[t + 1] = first_above(cp->v, cp->x_ref, mid, next[t], d);
      }
      for (int t = 0; t < k; t++) {
        empty |= next[t + 1] <= next[t];
        changed |= next[t + 1] != bounds[t + 1];
      }
      if (empty || !changed) break;
      for (int t = 0; t <= k; t++) at_next[t] = prefix_at(cp, next[t]);
      double next_cost = partition_cost(at_next, k);
      if (!(next_cost < cost)) break;
      cost = next_cost;
      for (int t = 0; t <= k; t++) {
        bounds[t] = next[t];
        at[t] = at_next[t];
      }
    }
  }
  free(next);
  free(mean);
  free(at);
  free(at_next);
  return ok;
}

/* Greedy grouping for threshold tau (file comment of kmeans1d.h), one
 * streaming pass: returns the number of groups and, when `start` is not
 * NULL, writes the group starts, start[groups] = d, and the prefix sums at
 * them into q0/q1/q2. */
static size_t greedy_groups(const kvals *v, size_t d, double x_ref, double tau,
                            size_t *start, double *q0, double *q1, double *q2) {
  size_t count = 0;
  psum at_s = {0.0, 0.0, 0.0}; /* p[s] */
  psum prev = at_s;            /* p[j - 1] */
  psum cur;
  if (start) {
    start[0] = 0;
    q0[0] = q1[0] = q2[0] = 0.0;
  }
  psum_add(&prev, v, 0, x_ref); /* p[1] */
  for (size_t j = 2; j <= d; j++) {
    cur = prev;
    psum_add(&cur, v, j - 1, x_ref); /* p[j] */
    if (psum_cost(&at_s, &cur) > tau) { /* value j-1 starts a new group */
      at_s = prev;
      if (start) {
        start[count + 1] = j - 1;
        q0[count + 1] = prev.s0;
        q1[count + 1] = prev.s1;
        q2[count + 1] = prev.s2;
      }
      count++;
    }
    prev = cur;
  }
  count++;
  if (start) {
    start[count] = d;
    q0[count] = prev.s0; /* p[d] */
    q1[count] = prev.s1;
    q2[count] = prev.s2;
  }
  return count;
}

/* Most groups for k clusters: CAIS_KMEANS_GROUPS, fewer where the group
 * DP's 16-bit split table ((k - 1) * groups * 2 bytes) would pass
 * CAIS_KMEANS_EXACT_MEMORY (k = 256: 32,896 groups). */
static size_t groups_for(int k) {
  uint64_t fit = CAIS_KMEANS_EXACT_MEMORY / ((uint64_t)(k - 1) * sizeof(cais_dp_split16));
  return fit < CAIS_KMEANS_GROUPS ? (size_t)fit : CAIS_KMEANS_GROUPS;
}

/* The groups of the near-optimal path: the greedy grouping for the
 * smallest threshold found by bisection (on the bit patterns of non-negative
 * doubles, from [0, +inf]) that gives at most `most` groups, stopping early
 * once the count is within the top eighth below it. */
static size_t make_groups(const kvals *v, size_t d, double x_ref, size_t most,
                          size_t *start, double *q0, double *q1, double *q2) {
  const size_t enough = most - most / 8;
  uint64_t lo = 0, hi = 0x7FF0000000000000ull; /* +inf: one group */
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    double tau;
    memcpy(&tau, &mid, sizeof tau);
    size_t n = greedy_groups(v, d, x_ref, tau, NULL, NULL, NULL, NULL);
    if (n > most) {
      lo = mid + 1;
    } else {
      hi = mid;
      if (n >= enough) break;
    }
  }
  double tau;
  memcpy(&tau, &hi, sizeof tau);
  return greedy_groups(v, d, x_ref, tau, start, q0, q1, q2);
}

/* The exact DP over all d distinct values. */
static bool partition_exact(const kvals *v, size_t d, double x_ref, int k,
                            size_t *bounds) {
  double *p = malloc(3 * (d + 1) * sizeof *p);
  if (!p) return false;
  double *p0 = p, *p1 = p + d + 1, *p2 = p + 2 * (d + 1);
  prefix_sums(v, d, x_ref, p0, p1, p2);
  bool ok = solve(p0, p1, p2, d, k, bounds);
  free(p);
  return ok;
}

/* Groups, the DP over them, Lloyd on the values. */
static bool partition_near_optimal(const kvals *v, size_t d, double x_ref, int k,
                                   size_t *bounds) {
  const size_t g1 = CAIS_KMEANS_GROUPS + 1;
  size_t *start = malloc(g1 * sizeof *start);
  double *q = malloc(3 * g1 * sizeof *q);
  checkpoints cp = {0};
  bool ok = start && q && checkpoints_init(&cp, v, d, x_ref);
  if (ok) {
    double *q0 = q, *q1 = q + g1, *q2 = q + 2 * g1;
    size_t groups = make_groups(v, d, x_ref, groups_for(k), start, q0, q1, q2);
    if (groups < (size_t)k) { /* too few groups to cut: exact */
      ok = partition_exact(v, d, x_ref, k, bounds);
    } else {
      /* A union of groups costs exactly what its values cost: the group
       * prefix sums are the value prefix sums at the group starts. */
      ok = solve(q0, q1, q2, groups, k, bounds);
      if (ok) {
        for (int t = 0; t <= k; t++) bounds[t] = start[bounds[t]];
        ok = lloyd(&cp, d, k, bounds);
      }
    }
  }
  free(cp.at);
  free(q);
  free(start);
  return ok;
}

static bool partition(const kvals *v, size_t d, int k, bool exact_only,
                      size_t *bounds, int *used) {
  if (d <= (size_t)k) {
    for (size_t t = 0; t <= d; t++) bounds[t] = t;
    *used = (int)d;
    return true;
  }
  *used = k;
  double x_ref = kv_x(v, (d - 1) / 2);
  if (cais_kmeans1d_is_exact(d, k, exact_only)) return partition_exact(v, d, x_ref, k, bounds);
  return partition_near_optimal(v, d, x_ref, k, bounds);
}

static double centroid(const kvals *v, size_t begin, size_t end) {
  double sum = 0.0, weight = 0.0;
  for (size_t j = begin; j < end; j++) {
    sum += kv_c(v, j) * kv_x(v, j);
    weight += kv_c(v, j);
  }
  return sum / weight;
}

bool cais_kmeans1d_partition(const double *x, const uint64_t *count, size_t d,
                             int k, bool exact_only, size_t *bounds,
                             int *used) {
  kvals v = {x, count, NULL, NULL};
  return partition(&v, d, k, exact_only, bounds, used);
}

bool cais_kmeans1d_partition_f32(const uint32_t *xbits, const uint32_t *count,
                                 size_t d, int k, size_t *bounds, int *used) {
  kvals v = {NULL, NULL, xbits, count};
  return partition(&v, d, k, false, bounds, used);
}

double cais_kmeans1d_centroid(const double *x, const uint64_t *count,
                              size_t begin, size_t end) {
  kvals v = {x, count, NULL, NULL};
  return centroid(&v, begin, end);
}

double cais_kmeans1d_centroid_f32(const uint32_t *xbits, const uint32_t *count,
                                  size_t begin, size_t end) {
  kvals v = {NULL, NULL, xbits, count};
  return centroid(&v, begin, end);
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
