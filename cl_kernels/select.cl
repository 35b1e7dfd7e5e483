/*
 * select.cl -- magnitude pruning (host/compute/cpu/prune_magnitude.h): the
 * exact threshold by radix selection on the abs key's bit pattern, then the
 * mask with ties broken by flat index.
 *
 *   k_mag_hist      per chunk: 16-bit types: a 65536-bin histogram of the
 *                   full bit patterns (one pass pins the threshold: the abs
 *                   key's histogram is the sum of the two sign bins);
 *                   f32: 32768 bins of the abs key's high 16 bits
 *   k_mag_pick      per tensor: the bin holding the n-th smallest key
 *   k_mag_hist_low  f32, per chunk: 65536 bins of the low 16 bits of the
 *                   keys in that high bin
 *   k_mag_pick_low  f32, per tensor: the exact threshold
 *   k_mag_ties      per chunk: elements whose key equals the threshold
 * The mask itself is written by k_mask (mask.cl), which prunes a tie when
 * fewer than (n - keys below the threshold) ties precede it in flat order.
 */
#include "cais_device.h"

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_mag_hist(__global const uchar *data, __global const ulong *desc,
                __global const uint *cbase, uint T, __global uint *hist) {
  uint g = get_group_id(0), lid = get_local_id(0);
  uint t = find_tensor(cbase, T, g);
  ulong numel = DESC(t, CAIS_D_NUMEL), type = DESC(t, CAIS_D_TYPE);
  ulong off = DESC(t, CAIS_D_DATA);
  int w16 = is16(type);
  __global uint *h = hist + DESC(t, CAIS_D_HIST);
  ulong b, e;
  chunk_range(numel, g - cbase[t], &b, &e);
  /* Strided over the chunk: neighbouring items read neighbouring elements. */
  for (ulong i = b + lid; i < e; i += CAIS_WG) {
    uint bits = elem_bits(data, off, w16, i);
    if (w16)
      atomic_inc(&h[bits]);
    else
      atomic_inc(&h[(bits & 0x7FFFFFFFu) >> 16]);
  }
}

/* Finds, over `bins` counts read by count_of(k), the smallest k whose
 * cumulative count reaches `target` (>= 1); writes it and the count before
 * it through the local variables.  Every item must call it. */
#define PICK_LOOP(BINS, COUNT_OF, TARGET, OUT_BIN, OUT_BEFORE)                \
  do {                                                                       \
    uint carry = 0;                                                          \
    for (uint k0 = 0; k0 < (BINS); k0 += CAIS_WG) {                          \
      uint k = k0 + lid;                                                     \
      uint c = k < (BINS) ? (COUNT_OF) : 0u;                                 \
      uint total;                                                            \
      uint ex_ = carry + wg_scan(c, tmp, &total);                            \
      if (c > 0 && (ulong)ex_ < (TARGET) && (ulong)(ex_ + c) >= (TARGET)) {  \
        OUT_BIN = k;                                                         \
        OUT_BEFORE = ex_;                                                    \
      }                                                                      \
      carry += total;                                                        \
    }                                                                        \
  } while (0)

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_mag_pick(__global const ulong *desc, __global ulong *res,
                __global const uint *hist) {
  __local uint tmp[CAIS_WG];
  __local uint bin, before;
  uint t = get_group_id(0), lid = get_local_id(0);
  ulong n = DESC(t, CAIS_D_NPRUNE), type = DESC(t, CAIS_D_TYPE);
  __global const uint *h = hist + DESC(t, CAIS_D_HIST);
  if (lid == 0) {
    bin = 0;
    before = 0;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  if (n > 0) {
    if (is16(type))
      PICK_LOOP(0x8000u, h[k] + h[k | 0x8000u], n, bin, before);
    else
      PICK_LOOP(0x8000u, h[k], n, bin, before);
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  if (lid == 0) {
    if (is16(type)) {
      RES(t, CAIS_R_T) = n > 0 ? bin : 0;
      RES(t, CAIS_R_LESS) = n > 0 ? before : 0;
    } else {
      RES(t, CAIS_R_HIGH) = bin;
      RES(t, CAIS_R_BEFORE) = before;
      RES(t, CAIS_R_T) = 0; /* n == 0: threshold 0; else k_mag_pick_low */
      RES(t, CAIS_R_LESS) = 0;
    }
  }
}

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_mag_hist_low(__global const uchar *data, __global const ulong *desc,
                    __global const ulong *res, __global const uint *cbase,
                    uint T, __global uint *hist) {
  uint g = get_group_id(0), lid = get_local_id(0);
  uint t = find_tensor(cbase, T, g);
  ulong type = DESC(t, CAIS_D_TYPE);
  if (is16(type) || DESC(t, CAIS_D_NPRUNE) == 0) return;
  ulong numel = DESC(t, CAIS_D_NUMEL), off = DESC(t, CAIS_D_DATA);
  uint high = (uint)RES(t, CAIS_R_HIGH);
  __global uint *h = hist + DESC(t, CAIS_D_HIST);
  ulong b, e;
  chunk_range(numel, g - cbase[t], &b, &e);
  for (ulong i = b + lid; i < e; i += CAIS_WG) {
    uint key = elem_bits(data, off, 0, i) & 0x7FFFFFFFu;
    if ((key >> 16) == high) atomic_inc(&h[key & 0xFFFFu]);
  }
}

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_mag_pick_low(__global const ulong *desc, __global ulong *res,
                    __global const uint *hist) {
  __local uint tmp[CAIS_WG];
  __local uint bin, before;
  uint t = get_group_id(0), lid = get_local_id(0);
  ulong n = DESC(t, CAIS_D_NPRUNE), type = DESC(t, CAIS_D_TYPE);
  if (is16(type) || n == 0) return;
  __global const uint *h = hist + DESC(t, CAIS_D_HIST);
  ulong target = n - RES(t, CAIS_R_BEFORE);
  if (lid == 0) {
    bin = 0;
    before = 0;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  PICK_LOOP(0x10000u, h[k], target, bin, before);
  barrier(CLK_LOCAL_MEM_FENCE);
  if (lid == 0) {
    RES(t, CAIS_R_T) = (RES(t, CAIS_R_HIGH) << 16) | bin;
    RES(t, CAIS_R_LESS) = RES(t, CAIS_R_BEFORE) + before;
  }
}

/* Ties per chunk (keys equal to a threshold > 0) into aux[chunk]. */
__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_mag_ties(__global const uchar *data, __global const ulong *desc,
                __global const ulong *res, __global const uint *cbase, uint T,
                __global uint *aux) {
  __local uint tmp[CAIS_WG];
  uint g = get_group_id(0), lid = get_local_id(0);
  uint t = find_tensor(cbase, T, g);
  ulong numel = DESC(t, CAIS_D_NUMEL), type = DESC(t, CAIS_D_TYPE);
  ulong off = DESC(t, CAIS_D_DATA);
  int w16 = is16(type);
  uint km = key_mask(w16);
  uint thr = (uint)RES(t, CAIS_R_T);
  ulong b, e;
  chunk_range(numel, g - cbase[t], &b, &e);
  uint ties = 0;
  if (thr > 0)
    for (ulong i = b + lid; i < e; i += CAIS_WG) ties += (elem_bits(data, off, w16, i) & km) == thr;
  uint total;
  wg_scan(ties, tmp, &total);
  if (lid == 0) aux[g] = total;
}
