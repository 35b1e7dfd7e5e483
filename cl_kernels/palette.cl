/*
 * palette.cl -- k-means palettization (host/compute/cpu/palettize.h,
 * kmeans1d.h, kmeans1d_dp.h) on the device.
 *
 *   k_kept_hist16   per non-zero: 65536-bin histogram of the kept bit
 *                   patterns (16-bit types)
 * Then, for a WAVE of tensors (as many as the workspace holds; the wave's
 * tensor indices are wave[wave_off ...]), one work-group per tensor:
 *   k_distinct16    the distinct values in ascending value order, with
 *                   counts and patterns (a scan over the 65536 bins)
 *   k_prefix        ONE work-item per tensor: the prefix sums p0, p1, p2 of
 *                   the values shifted by x_ref, sequential in ascending
 *                   order like kmeans1d.c (a parallel scan would round
 *                   differently)
 *   k_dp            the exact DP of kmeans1d_dp.c, layer by layer; each
 *                   layer's divide-and-conquer tree breadth-first, the
 *                   nodes of a level in parallel (a node's result depends
 *                   only on its own bounds, kmeans1d_dp.h), a node's scan
 *                   split over several work-items when the level has few
 *                   nodes and combined by (value, index): the leftmost
 *                   minimum, as the CPU's strict '<' scan finds.  The cost
 *                   and the node scan (cais_dp_scan) are kmeans1d_dp.c's
 *                   own, spliced in.
 *   k_centroids     per cluster: mean = sum(c * x) / sum(c), sequential,
 *                   rounded to the weight's type: the LUT
 *   k_code_table16  per distinct pattern: index of the nearest LUT entry
 * f32 tensors get their sorted distinct values from the host (and, beyond
 * the exact budget of kmeans1d.h, their cluster bounds: CAIS_R_HOSTBOUNDS).
 */
#include "cais_device.h"
#include "kmeans1d_dp.c"

#define WS_BASE(t) (ws + DESC(t, CAIS_D_WS))

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_kept_hist16(__global const ulong *desc, __global const ulong *res,
                   __global const uint *cbase, uint T, __global const uchar *vals,
                   __global uint *hist) {
  uint g = get_group_id(0), lid = get_local_id(0);
  uint t = find_tensor(cbase, T, g);
  ulong nnz = RES(t, CAIS_R_NNZ), type = DESC(t, CAIS_D_TYPE);
  if (!is16(type)) return;
  __global uint *h = hist + DESC(t, CAIS_D_HIST);
  ulong p0 = (ulong)(g - cbase[t]) * CAIS_CHUNK;
  for (ulong p = p0 + lid; p < p0 + CAIS_CHUNK && p < nnz; p += CAIS_WG)
    atomic_inc(&h[elem_bits(vals, DESC(t, CAIS_D_VAL), 1, p)]);
}

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_distinct16(__global const ulong *desc, __global ulong *res,
                  __global const uint *hist, __global uchar *ws,
                  __global const uint *wave, uint wave_off) {
  __local uint tmp[CAIS_WG];
  uint t = wave[wave_off + get_group_id(0)], lid = get_local_id(0);
  ulong type = DESC(t, CAIS_D_TYPE);
  if (!is16(type)) return;
  ulong D = DESC(t, CAIS_D_WSD);
  __global uchar *w = WS_BASE(t);
  __global double *x = (__global double *)(w + CAIS_WS_X(D));
  __global uint *cnt = (__global uint *)(w + CAIS_WS_CNT(D));
  __global uint *pat = (__global uint *)(w + CAIS_WS_PAT(D));
  __global const uint *h = hist + DESC(t, CAIS_D_HIST);
  uint carry = 0;
  for (uint k0 = 0; k0 < 0x10000u; k0 += CAIS_WG) {
    uint key = k0 + lid; /* ascending value order (elem_access.h) */
    uint bits = (key & 0x8000u) ? (key & 0x7FFFu) : (~key & 0xFFFFu);
    uint c = h[bits];
    uint total;
    uint j = carry + wg_scan(c != 0, tmp, &total);
    if (c) {
      x[j] = bits_to_double(bits, type);
      cnt[j] = c;
      pat[j] = bits;
    }
    carry += total;
  }
  if (lid == 0) {
    RES(t, CAIS_R_D) = carry;
    RES(t, CAIS_R_HOSTBOUNDS) = 0;
  }
}

__kernel void k_prefix(__global const ulong *desc, __global const ulong *res,
                       __global uchar *ws, __global const uint *wave,
                       uint wave_off, uint W, int k) {
  uint gid = get_global_id(0);
  if (gid >= W) return;
  uint t = wave[wave_off + gid];
  ulong d = RES(t, CAIS_R_D);
  if (d <= (ulong)k || RES(t, CAIS_R_HOSTBOUNDS)) return;
  ulong D = DESC(t, CAIS_D_WSD);
  __global uchar *w = WS_BASE(t);
  __global const double *x = (__global const double *)(w + CAIS_WS_X(D));
  __global const uint *cnt = (__global const uint *)(w + CAIS_WS_CNT(D));
  __global double *p0 = (__global double *)(w + CAIS_WS_P0(D));
  __global double *p1 = (__global double *)(w + CAIS_WS_P1(D));
  __global double *p2 = (__global double *)(w + CAIS_WS_P2(D));
  double x_ref = x[(d - 1) / 2];
  double s0 = 0.0, s1 = 0.0, s2 = 0.0;
  p0[0] = p1[0] = p2[0] = 0.0;
  for (ulong j = 0; j < d; j++) {
    double xs = x[j] - x_ref;
    double c = (double)cnt[j];
    s0 = s0 + c;
    s1 = s1 + c * xs;
    s2 = s2 + c * xs * xs;
    p0[j + 1] = s0;
    p1[j + 1] = s1;
    p2[j + 1] = s2;
  }
}

#define EMPTY_NODE ((int4)(1, 0, 0, 0))

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_dp(__global const ulong *desc, __global const ulong *res,
          __global uchar *ws, __global const uint *wave, uint wave_off, int k) {
  __local double lbest[CAIS_WG];
  __local long larg[CAIS_WG];
  __local int more_nodes;
  uint t = wave[wave_off + get_group_id(0)], lid = get_local_id(0);
  long m = (long)RES(t, CAIS_R_D);
  if (m <= k || RES(t, CAIS_R_HOSTBOUNDS)) return;
  ulong D = DESC(t, CAIS_D_WSD), X = DESC(t, CAIS_D_WSX);
  __global uchar *w = WS_BASE(t);
  __global const double *p0 = (__global const double *)(w + CAIS_WS_P0(D));
  __global const double *p1 = (__global const double *)(w + CAIS_WS_P1(D));
  __global const double *p2 = (__global const double *)(w + CAIS_WS_P2(D));
  __global double *prev = (__global double *)(w + CAIS_WS_PREV(D, X));
  __global double *cur = (__global double *)(w + CAIS_WS_CUR(D, X));
  __global uint *split = (__global uint *)(w + CAIS_WS_SPLIT(D, X));
  __global int4 *na = (__global int4 *)(w + CAIS_WS_NODES(D, X, k));
  __global int4 *nb = na + 4 * (X + 2);
  __global long *bounds = (__global long *)(w + CAIS_WS_BOUNDS(D, X, k));

  for (long j = 1 + lid; j <= m - k + 1; j += CAIS_WG) prev[j] = cais_dp_cost(p0, p1, p2, 0, j);
  barrier(CLK_GLOBAL_MEM_FENCE);
  for (int l = 2; l <= k; l++) {
    long jfirst = l == k ? m : l, jlast = l == k ? m : m - k + l;
    __global uint *row = split + (long)(l - 2) * m;
    __global int4 *cn = na, *nn = nb;
    if (lid == 0) cn[0] = (int4)((int)jfirst, (int)jlast, l - 1, (int)(jlast - 1));
    uint count = 1;
    for (;;) {
      if (lid == 0) more_nodes = 0;
      barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);
      if (count >= CAIS_WG) {
        /* many nodes: one work-item per node */
        for (uint s = lid; s < count; s += CAIS_WG) {
          int4 nd = cn[s];
          int4 c0 = EMPTY_NODE, c1 = EMPTY_NODE;
          if (nd.x <= nd.y) {
            long j = nd.x + (nd.y - nd.x) / 2;
            long iend = nd.w < j - 1 ? nd.w : j - 1;
            double best = INFINITY;
            long arg = nd.z;
            cais_dp_scan(p0, p1, p2, prev, j, nd.z, iend, 1, &best, &arg);
            cur[j] = best;
            row[j - 1] = (uint)arg;
            if (nd.x <= j - 1) c0 = (int4)(nd.x, (int)(j - 1), nd.z, (int)arg);
            if (j + 1 <= nd.y) c1 = (int4)((int)(j + 1), nd.y, (int)arg, nd.w);
            if (nd.x <= j - 1 || j + 1 <= nd.y) atomic_or(&more_nodes, 1);
          }
          nn[2 * s] = c0;
          nn[2 * s + 1] = c1;
        }
      } else {
        /* few nodes: `per` work-items share one node's scan */
        uint per = CAIS_WG / count;
        uint s = lid / per, lane = lid % per;
        int4 nd = s < count ? cn[s] : EMPTY_NODE;
        long j = nd.x + (nd.y - nd.x) / 2;
        double best = INFINITY;
        long arg = nd.z;
        if (nd.x <= nd.y) {
          long iend = nd.w < j - 1 ? nd.w : j - 1;
          cais_dp_scan(p0, p1, p2, prev, j, nd.z + lane, iend, per, &best, &arg);
        }
        lbest[lid] = best;
        larg[lid] = arg;
        barrier(CLK_LOCAL_MEM_FENCE);
        if (s < count && lane == 0) {
          int4 c0 = EMPTY_NODE, c1 = EMPTY_NODE;
          if (nd.x <= nd.y) {
            for (uint q = 1; q < per; q++) {
              double bq = lbest[lid + q];
              long aq = larg[lid + q];
              if (bq < best || (bq == best && aq < arg)) {
                best = bq;
                arg = aq;
              }
            }
            cur[j] = best;
            row[j - 1] = (uint)arg;
            if (nd.x <= j - 1) c0 = (int4)(nd.x, (int)(j - 1), nd.z, (int)arg);
            if (j + 1 <= nd.y) c1 = (int4)((int)(j + 1), nd.y, (int)arg, nd.w);
            if (nd.x <= j - 1 || j + 1 <= nd.y) atomic_or(&more_nodes, 1);
          }
          nn[2 * s] = c0;
          nn[2 * s + 1] = c1;
        }
      }
      barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);
      int more = more_nodes;
      barrier(CLK_LOCAL_MEM_FENCE);
      if (!more) break;
      __global int4 *sw = cn;
      cn = nn;
      nn = sw;
      count *= 2;
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
    __global double *sw = prev; /* this layer becomes the previous one */
    prev = cur;
    cur = sw;
  }
  if (lid == 0) {
    bounds[0] = 0;
    bounds[k] = m;
    for (int l = k; l >= 2; l--) bounds[l - 1] = split[(long)(l - 2) * m + bounds[l] - 1];
  }
}

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_centroids(__global const ulong *desc, __global ulong *res, __global uchar *ws,
                 __global const uint *wave, uint wave_off, int k,
                 __global uint *lutbits, __global double *dec) {
  uint t = wave[wave_off + get_group_id(0)], lid = get_local_id(0);
  ulong type = DESC(t, CAIS_D_TYPE);
  long d = (long)RES(t, CAIS_R_D);
  int used = d < k ? (int)d : k;
  ulong D = DESC(t, CAIS_D_WSD), X = DESC(t, CAIS_D_WSX);
  __global uchar *w = WS_BASE(t);
  __global const double *x = (__global const double *)(w + CAIS_WS_X(D));
  __global const uint *cnt = (__global const uint *)(w + CAIS_WS_CNT(D));
  __global const long *bounds = (__global const long *)(w + CAIS_WS_BOUNDS(D, X, k));
  for (int c = (int)lid; c < 256; c += CAIS_WG) {
    uint bits = 0;
    double v = 0.0;
    if (c < used) {
      long b0 = d <= k ? c : bounds[c], b1 = d <= k ? c + 1 : bounds[c + 1];
      double sum = 0.0, weight = 0.0;
      for (long j = b0; j < b1; j++) {
        sum += (double)cnt[j] * x[j];
        weight += (double)cnt[j];
      }
      bits = double_to_bits(sum / weight, type);
      v = bits_to_double(bits, type);
    }
    lutbits[(ulong)t * 256 + c] = bits;
    dec[(ulong)t * 256 + c] = v;
  }
  if (lid == 0) RES(t, CAIS_R_USED) = (ulong)used;
}

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_code_table16(__global const ulong *desc, __global const ulong *res,
                    __global uchar *ws, __global const uint *wave, uint wave_off,
                    __global const double *dec, __global uchar *ctab) {
  uint t = wave[wave_off + get_group_id(0)], lid = get_local_id(0);
  if (!is16(DESC(t, CAIS_D_TYPE))) return;
  ulong d = RES(t, CAIS_R_D);
  int used = (int)RES(t, CAIS_R_USED);
  ulong D = DESC(t, CAIS_D_WSD);
  __global uchar *w = WS_BASE(t);
  __global const double *x = (__global const double *)(w + CAIS_WS_X(D));
  __global const uint *pat = (__global const uint *)(w + CAIS_WS_PAT(D));
  __global uchar *tab = ctab + 4 * DESC(t, CAIS_D_HIST);
  for (ulong j = lid; j < d; j += CAIS_WG)
    tab[pat[j]] = palette_nearest(dec + (ulong)t * 256, used, x[j]);
}
