/*
 * structured.cl -- block and n:m pruning (host/compute/cpu/prune_block.h,
 * prune_nm.h): segmented scoring and selection, ending in flag bytes that
 * k_mask (mask.cl) turns into the mask.
 *
 * Block (blocks indexed (o * nb + cb) * inner + i, as on the CPU):
 *   k_block_scores   per block: sum of squares in double, sequential along
 *                    the axis from 0.0 (exactly the CPU's order)
 *   k_block_hist     one round of the weighted radix select over the
 *                    scores' bit patterns (16-bit digits, most significant
 *                    first; weights = block lengths) among the blocks
 *                    matching the digits found so far
 *   k_block_digit    per tensor: the digit holding the n-th pruned element
 *   k_block_tiew     per chunk of 4096 blocks: weight of the blocks whose
 *                    score equals the cut (the "ties")
 *   k_block_prune    per chunk of blocks: flag the blocks below the cut and,
 *                    in block order, the ties while the weight pruned before
 *                    them is below the rest (CPU: "rest -= weight")
 * n:m:
 *   k_nm_runs        per run: flag the max(0, n - padding) elements first in
 *                    (abs key, index) order, by counting each element's rank
 */
#include "cais_device.h"

__kernel void k_block_scores(__global const uchar *data, __global const ulong *desc,
                             __global const uint *ibase, uint T, uint total,
                             __global uchar *scratch) {
  uint gid = get_global_id(0);
  if (gid >= total) return;
  uint t = find_tensor(ibase, T, gid);
  if (DESC(t, CAIS_D_NPRUNE) == 0) return;
  ulong blk = gid - ibase[t];
  ulong type = DESC(t, CAIS_D_TYPE), off = DESC(t, CAIS_D_DATA);
  int w16 = is16(type);
  ulong len = DESC(t, CAIS_D_LEN), inner = DESC(t, CAIS_D_INNER);
  ulong bs = DESC(t, CAIS_D_B), nb = DESC(t, CAIS_D_NB);
  ulong ii = blk % inner, r = blk / inner;
  ulong cb = r % nb, o = r / nb;
  ulong c1 = (cb + 1) * bs < len ? (cb + 1) * bs : len;
  double s = 0.0;
  for (ulong c = cb * bs; c < c1; c++) {
    double x = bits_to_double(elem_bits(data, off, w16, (o * len + c) * inner + ii), type);
    s += x * x;
  }
  ((__global double *)(scratch + DESC(t, CAIS_D_SCR)))[blk] = s;
}

static inline uint block_weight(ulong blk, ulong inner, ulong nb, ulong bs, ulong len) {
  ulong cb = (blk / inner) % nb;
  return (uint)(cb + 1 == nb ? len - cb * bs : bs);
}

__kernel void k_block_hist(__global const ulong *desc, __global const ulong *res,
                           __global const uint *ibase, uint T, uint total,
                           __global const uchar *scratch, __global uint *hist,
                           int rnd) {
  uint gid = get_global_id(0);
  if (gid >= total) return;
  uint t = find_tensor(ibase, T, gid);
  if (DESC(t, CAIS_D_NPRUNE) == 0) return;
  ulong blk = gid - ibase[t];
  ulong key = as_ulong(((__global const double *)(scratch + DESC(t, CAIS_D_SCR)))[blk]);
  int shift = 48 - 16 * rnd;
  if (rnd > 0 && (key >> (shift + 16)) != (RES(t, CAIS_R_T) >> (shift + 16))) return;
  uint w = block_weight(blk, DESC(t, CAIS_D_INNER), DESC(t, CAIS_D_NB), DESC(t, CAIS_D_B),
                        DESC(t, CAIS_D_LEN));
  atomic_add(&hist[DESC(t, CAIS_D_HIST) + ((key >> shift) & 0xFFFFu)], w);
}

/* CPU: for (digit = 0; digit < 65535; digit++) { if (hist[digit] >= want)
 * break; want -= hist[digit]; } -- the first digit whose cumulative weight
 * reaches `want`, else 65535. */
__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_block_digit(__global const ulong *desc, __global ulong *res,
                   __global const uint *hist, int rnd) {
  __local uint tmp[CAIS_WG];
  __local uint found, before;
  uint t = get_group_id(0), lid = get_local_id(0);
  ulong n = DESC(t, CAIS_D_NPRUNE);
  if (n == 0) return;
  __global const uint *h = hist + DESC(t, CAIS_D_HIST);
  ulong want = rnd == 0 ? n : RES(t, CAIS_R_REST);
  if (lid == 0) {
    found = 0xFFFFu;
    before = 0;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  uint carry = 0;
  for (uint k0 = 0; k0 < 0x10000u; k0 += CAIS_WG) {
    uint k = k0 + lid;
    uint c = h[k];
    uint total;
    uint ex = carry + wg_scan(c, tmp, &total);
    /* the first digit < 65535 with ex + c >= want: exactly one crossing */
    if (k < 0xFFFFu && (ulong)ex < want && (ulong)ex + c >= want) {
      found = k;
      before = ex;
    }
    carry += total;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  if (lid == 0) {
    uint digit = found;
    uint ex = digit == 0xFFFFu ? carry - h[0xFFFFu] : before;
    int shift = 48 - 16 * rnd;
    ulong prefix = rnd == 0 ? 0 : RES(t, CAIS_R_T);
    RES(t, CAIS_R_T) = prefix | ((ulong)digit << shift);
    RES(t, CAIS_R_REST) = want - ex;
  }
}

/* Tie weight (score key == cut) per chunk of CAIS_CHUNK blocks. */
__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_block_tiew(__global const ulong *desc, __global const ulong *res,
                  __global const uint *bbase, uint T, __global const uchar *scratch,
                  __global uint *bcnt) {
  __local uint tmp[CAIS_WG];
  uint g = get_group_id(0), lid = get_local_id(0);
  uint t = find_tensor(bbase, T, g);
  uint w = 0;
  if (DESC(t, CAIS_D_NPRUNE) > 0) {
    ulong nblk = DESC(t, CAIS_D_NITEMS), cut = RES(t, CAIS_R_T);
    ulong inner = DESC(t, CAIS_D_INNER), nb = DESC(t, CAIS_D_NB);
    ulong bs = DESC(t, CAIS_D_B), len = DESC(t, CAIS_D_LEN);
    __global const double *sc = (__global const double *)(scratch + DESC(t, CAIS_D_SCR));
    ulong b0 = (ulong)(g - bbase[t]) * CAIS_CHUNK + (ulong)lid * CAIS_PER_ITEM;
    for (int j = 0; j < CAIS_PER_ITEM; j++) {
      ulong blk = b0 + j;
      if (blk < nblk && as_ulong(sc[blk]) == cut) w += block_weight(blk, inner, nb, bs, len);
    }
  }
  uint total;
  wg_scan(w, tmp, &total);
  if (lid == 0) bcnt[g] = total;
}

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_block_prune(__global const ulong *desc, __global const ulong *res,
                   __global const uint *bbase, uint T, __global const uchar *scratch,
                   __global const uint *bcnt, __global uchar *flags) {
  __local uint tmp[CAIS_WG];
  uint g = get_group_id(0), lid = get_local_id(0);
  uint t = find_tensor(bbase, T, g);
  ulong n = DESC(t, CAIS_D_NPRUNE);
  ulong nblk = DESC(t, CAIS_D_NITEMS), cut = RES(t, CAIS_R_T), rest = RES(t, CAIS_R_REST);
  ulong inner = DESC(t, CAIS_D_INNER), nb = DESC(t, CAIS_D_NB);
  ulong bs = DESC(t, CAIS_D_B), len = DESC(t, CAIS_D_LEN);
  __global const double *sc = (__global const double *)(scratch + DESC(t, CAIS_D_SCR));
  __global uchar *pruned = flags + DESC(t, CAIS_D_CODE);
  ulong b0 = (ulong)(g - bbase[t]) * CAIS_CHUNK + (ulong)lid * CAIS_PER_ITEM;
  uint w = 0;
  if (n > 0)
    for (int j = 0; j < CAIS_PER_ITEM; j++) {
      ulong blk = b0 + j;
      if (blk < nblk && as_ulong(sc[blk]) == cut) w += block_weight(blk, inner, nb, bs, len);
    }
  uint total;
  ulong before = (ulong)bcnt[g] + wg_scan(w, tmp, &total);
  if (n == 0) return;
  for (int j = 0; j < CAIS_PER_ITEM; j++) {
    ulong blk = b0 + j;
    if (blk >= nblk) break;
    ulong key = as_ulong(sc[blk]);
    if (key < cut) {
      pruned[blk] = 1;
    } else if (key == cut) {
      if (before < rest) pruned[blk] = 1;
      before += block_weight(blk, inner, nb, bs, len);
    }
  }
}

__kernel void k_nm_runs(__global const uchar *data, __global const ulong *desc,
                        __global const uint *ibase, uint T, uint total,
                        __global uchar *flags) {
  uint gid = get_global_id(0);
  if (gid >= total) return;
  uint t = find_tensor(ibase, T, gid);
  ulong r = gid - ibase[t];
  ulong type = DESC(t, CAIS_D_TYPE), off = DESC(t, CAIS_D_DATA);
  int w16 = is16(type);
  uint km = key_mask(w16);
  ulong len = DESC(t, CAIS_D_LEN), inner = DESC(t, CAIS_D_INNER);
  ulong m = DESC(t, CAIS_D_B), runs = DESC(t, CAIS_D_NB), n = DESC(t, CAIS_D_NMN);
  ulong ii = r % inner, q = r / inner;
  ulong run = q % runs, o = q / runs;
  ulong c0 = run * m, rlen = len - c0 < m ? len - c0 : m;
  ulong padding = m - rlen;
  ulong k = n > padding ? n - padding : 0;
  if (k == 0) return;
  __global uchar *pruned = flags + DESC(t, CAIS_D_CODE);
  ulong base = (o * len + c0) * inner + ii;
  if (k >= rlen) {
    for (ulong p = 0; p < rlen; p++) pruned[base + p * inner] = 1;
    return;
  }
  uint keys[CAIS_NM_MAX_M];
  for (ulong p = 0; p < rlen; p++) keys[p] = elem_bits(data, off, w16, base + p * inner) & km;
  for (ulong p = 0; p < rlen; p++) {
    uint kp = keys[p];
    ulong rank = 0;
    for (ulong q2 = 0; q2 < rlen; q2++)
      rank += keys[q2] < kp || (keys[q2] == kp && q2 < p);
    if (rank < k) pruned[base + p * inner] = 1;
  }
}
