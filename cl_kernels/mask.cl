/*
 * mask.cl -- the ui1 mask of every pruning mode, the per-chunk count of its
 * set bits, and their prefix sums (the output position of every chunk).
 *
 *   k_mask         per chunk: each work-item decides 16 consecutive
 *                  elements and writes their two mask bytes; the chunk's
 *                  bit count goes to cnt[chunk].  An element is in the mask
 *                  when it is not pruned and its abs key is not 0:
 *                  magnitude: key > T, or key == T > 0 and at least
 *                    (n - less) ties precede it in flat order (ties are
 *                    ranked by aux[chunk], the ties of earlier chunks, plus
 *                    a work-group scan);
 *                  block: its block's flag byte is 0; n:m: its own flag.
 *                  Non-finite elements are counted into nonfinite[t] (the
 *                  host then leaves the weight to the CPU, which skips it
 *                  with its own message).
 *   k_scan_chunks  per tensor: exclusive prefix sum of per-chunk counts
 *                  (in place allowed); the total goes to res[field].
 */
#include "cais_device.h"

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_mask(__global const uchar *data, __global const ulong *desc,
            __global const ulong *res, __global const uint *cbase, uint T,
            int mode, __global const uint *aux, __global const uchar *flags,
            __global uchar *mask, __global uint *cnt,
            __global uint *nonfinite) {
  __local uint tmp[CAIS_WG];
  uint g = get_group_id(0), lid = get_local_id(0);
  uint t = find_tensor(cbase, T, g);
  ulong numel = DESC(t, CAIS_D_NUMEL), type = DESC(t, CAIS_D_TYPE);
  ulong off = DESC(t, CAIS_D_DATA);
  int w16 = is16(type);
  uint km = key_mask(w16), bad = nonfinite_key(type);
  ulong c = g - cbase[t];
  ulong b, e;
  chunk_range(numel, c, &b, &e);
  ulong i0 = b + (ulong)lid * CAIS_PER_ITEM;

  uint keys[CAIS_PER_ITEM];
  uint nbad = 0, ties = 0;
  uint thr = (uint)RES(t, CAIS_R_T);
  for (int j = 0; j < CAIS_PER_ITEM; j++) {
    ulong i = i0 + j;
    uint key = i < e ? elem_bits(data, off, w16, i) & km : 0u;
    keys[j] = key;
    nbad += i < e && key >= bad;
    ties += thr > 0 && key == thr && i < e;
  }
  uint bits = 0;
  if (mode == CAIS_M_MAGNITUDE) {
    uint total;
    ulong rank = (ulong)aux[g] + wg_scan(ties, tmp, &total);
    ulong n = DESC(t, CAIS_D_NPRUNE);
    ulong prune_ties = n > 0 ? n - RES(t, CAIS_R_LESS) : 0;
    for (int j = 0; j < CAIS_PER_ITEM; j++) {
      uint key = keys[j];
      uint keep = key > thr;
      if (thr > 0 && key == thr && i0 + j < e) keep = rank++ >= prune_ties;
      bits |= keep << j;
    }
  } else if (mode == CAIS_M_BLOCK) {
    __global const uchar *pruned = flags + DESC(t, CAIS_D_CODE);
    ulong len = DESC(t, CAIS_D_LEN), inner = DESC(t, CAIS_D_INNER);
    ulong bs = DESC(t, CAIS_D_B), nb = DESC(t, CAIS_D_NB);
    for (int j = 0; j < CAIS_PER_ITEM; j++) {
      ulong i = i0 + j;
      if (i >= e || keys[j] == 0) continue;
      ulong o = i / (len * inner), rem = i % (len * inner);
      ulong ch = rem / inner, ii = rem % inner;
      ulong blk = (o * nb + ch / bs) * inner + ii;
      bits |= (uint)(pruned[blk] == 0) << j;
    }
  } else {
    __global const uchar *pruned = flags + DESC(t, CAIS_D_CODE);
    for (int j = 0; j < CAIS_PER_ITEM; j++) {
      ulong i = i0 + j;
      if (i >= e || keys[j] == 0) continue;
      bits |= (uint)(pruned[i] == 0) << j;
    }
  }
  __global uchar *m = mask + DESC(t, CAIS_D_MASK) + c * CAIS_MASK_CHUNK_BYTES;
  ((__global ushort *)m)[lid] = (ushort)bits;
  if (nbad) atomic_add(&nonfinite[t], nbad);
  uint total;
  wg_scan(popcount(bits), tmp, &total);
  if (lid == 0) cnt[g] = total;
}

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_scan_chunks(__global const uint *base, __global uint *in,
                   __global uint *out, __global ulong *res, int field) {
  __local uint tmp[CAIS_WG];
  uint t = get_group_id(0), lid = get_local_id(0);
  uint first = base[t], count = base[t + 1] - base[t];
  uint carry = 0;
  for (uint k0 = 0; k0 < count; k0 += CAIS_WG) {
    uint k = k0 + lid;
    uint v = k < count ? in[first + k] : 0u;
    uint total;
    uint ex = wg_scan(v, tmp, &total);
    if (k < count) out[first + k] = carry + ex;
    carry += total;
  }
  if (lid == 0 && field >= 0) RES(t, field) = carry;
}
