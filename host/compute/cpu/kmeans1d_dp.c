/* kmeans1d_dp.c -- see kmeans1d_dp.h (the recurrence, the tie rule and the
 * divide-and-conquer order are specified there).  Keep this file valid
 * OpenCL C: no allocation, no recursion, no library calls. */
#include "kmeans1d_dp.h"

#if !defined(__OPENCL_VERSION__) && !defined(__OPENCL_C_VERSION__)
#include <math.h> /* INFINITY */
/* The host scans a long node with SIMD lanes picked at run time,
 * bit-identical to cais_dp_scan (kmeans1d_dp_scan_simd.h), a short one with
 * the scalar scan inlined here; the device always with cais_dp_scan. */
#include "kmeans1d_dp_scan_simd.h"
#define CAIS_DP_NODE_SCAN(p0, p1, p2, prev, j, first, last, best, arg)    \
  do {                                                                  \
    if ((last) - (first) + 1 < CAIS_DP_SCAN_SIMD_MIN)                   \
      cais_dp_scan(p0, p1, p2, prev, j, first, last, 1, best, arg);     \
    else                                                                \
      cais_dp_scan_fast(p0, p1, p2, prev, j, first, last, best, arg);   \
  } while (0)
#else
#define CAIS_DP_NODE_SCAN(p0, p1, p2, prev, j, first, last, best, arg) \
  cais_dp_scan(p0, p1, p2, prev, j, first, last, 1, best, arg)
#endif

double cais_dp_cost(const CAIS_DP_GLOBAL double *p0,
                    const CAIS_DP_GLOBAL double *p1,
                    const CAIS_DP_GLOBAL double *p2, cais_dp_int i,
                    cais_dp_int j) {
  double s0 = p0[j] - p0[i];
  double s1 = p1[j] - p1[i];
  double s2 = p2[j] - p2[i];
  return s2 - s1 * s1 / s0;
}

void cais_dp_scan(const CAIS_DP_GLOBAL double *p0, const CAIS_DP_GLOBAL double *p1,
                  const CAIS_DP_GLOBAL double *p2, const CAIS_DP_GLOBAL double *prev,
                  cais_dp_int j, cais_dp_int first, cais_dp_int last,
                  cais_dp_int step, double *best, cais_dp_int *arg) {
  double b = *best;
  cais_dp_int a = *arg;
  for (cais_dp_int i = first; i <= last; i += step) {
    double v = prev[i] + cais_dp_cost(p0, p1, p2, i, j);
    if (v < b) {
      b = v;
      a = i;
    }
  }
  *best = b;
  *arg = a;
}

/* One layer: cur[j] for j in [jfirst, jlast] from prev, argmins into
 * split_row[j - 1] (or split16_row[j - 1] when split_row is 0). */
static void dp_layer(const CAIS_DP_GLOBAL double *p0,
                     const CAIS_DP_GLOBAL double *p1,
                     const CAIS_DP_GLOBAL double *p2,
                     const CAIS_DP_GLOBAL double *prev,
                     CAIS_DP_GLOBAL double *cur,
                     CAIS_DP_GLOBAL cais_dp_split *split_row,
                     CAIS_DP_GLOBAL cais_dp_split16 *split16_row,
                     cais_dp_int jfirst, cais_dp_int jlast,
                     cais_dp_int ifirst) {
  cais_dp_int stack[CAIS_DP_STACK_DEPTH][4];
  int sp = 0;
  stack[0][0] = jfirst;
  stack[0][1] = jlast;
  stack[0][2] = ifirst;
  stack[0][3] = jlast - 1;
  sp = 1;
  while (sp > 0) {
    sp--;
    cais_dp_int jlo = stack[sp][0], jhi = stack[sp][1];
    cais_dp_int ilo = stack[sp][2], ihi = stack[sp][3];
    cais_dp_int j = jlo + (jhi - jlo) / 2;
    cais_dp_int iend = ihi < j - 1 ? ihi : j - 1;
    double best = INFINITY;
    cais_dp_int arg = ilo;
    CAIS_DP_NODE_SCAN(p0, p1, p2, prev, j, ilo, iend, &best, &arg);
    cur[j] = best;
    if (split_row)
      split_row[j - 1] = (cais_dp_split)arg;
    else
      split16_row[j - 1] = (cais_dp_split16)arg;
    if (j + 1 <= jhi) {
      stack[sp][0] = j + 1;
      stack[sp][1] = jhi;
      stack[sp][2] = arg;
      stack[sp][3] = ihi;
      sp++;
    }
    if (jlo <= j - 1) {
      stack[sp][0] = jlo;
      stack[sp][1] = j - 1;
      stack[sp][2] = ilo;
      stack[sp][3] = arg;
      sp++;
    }
  }
}

double cais_kmeans1d_dp_solve(const CAIS_DP_GLOBAL double *p0,
                              const CAIS_DP_GLOBAL double *p1,
                              const CAIS_DP_GLOBAL double *p2, cais_dp_int m,
                              int k, CAIS_DP_GLOBAL double *prev,
                              CAIS_DP_GLOBAL double *cur,
                              CAIS_DP_GLOBAL cais_dp_split *split,
                              CAIS_DP_GLOBAL cais_dp_split16 *split16,
                              CAIS_DP_GLOBAL cais_dp_int *bounds) {
  bounds[0] = 0;
  bounds[k] = m;
  if (k == 1) return cais_dp_cost(p0, p1, p2, 0, m);
  for (cais_dp_int j = 1; j <= m - k + 1; j++) prev[j] = cais_dp_cost(p0, p1, p2, 0, j);
  for (int l = 2; l <= k; l++) {
    cais_dp_int jfirst = l == k ? m : (cais_dp_int)l;
    cais_dp_int jlast = l == k ? m : m - k + l;
    cais_dp_int row = (cais_dp_int)(l - 2) * m;
    dp_layer(p0, p1, p2, prev, cur, split ? split + row : 0, split ? 0 : split16 + row,
             jfirst, jlast, (cais_dp_int)(l - 1));
    CAIS_DP_GLOBAL double *t = prev; /* this layer becomes the previous one */
    prev = cur;
    cur = t;
  }
  for (int l = k; l >= 2; l--) {
    cais_dp_int at = (cais_dp_int)(l - 2) * m + bounds[l] - 1;
    bounds[l - 1] = split ? (cais_dp_int)split[at] : (cais_dp_int)split16[at];
  }
  return prev[m];
}
