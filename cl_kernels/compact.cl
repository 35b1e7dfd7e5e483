/*
 * compact.cl -- stream compaction of the mask elements, the joint
 * compression codes, bit packing and the error statistics.
 *
 *   k_compact       per chunk: the mask elements' raw bits, in row-major
 *                   order, at the chunk's output position (off[chunk], the
 *                   prefix sum of k_mask's counts) plus a work-group scan
 *   k_to_double     the non-zeros as doubles (exact), the input of
 *                   clBLAST's iDamax (the quantization scale's max |x|)
 *   k_quant_setup   per tensor: scale and decode table (quantize.c)
 *   k_quant_codes   per non-zero: its int8/uint8/fp8 code
 *   k_pal_codes     per non-zero: its palette index (16-bit: the tensor's
 *                   code table; f32: nearest LUT entry)
 *   k_pack          per output byte: the packed indices (bitpack.h)
 *   k_stats         per chunk, ONE work-item: the error terms of its 4096
 *                   elements added in index order from 0.0 (error_stats.h)
 *   k_stats_total   per tensor: the chunk partials added in chunk order
 * Kernels over the non-zeros run on the element chunk grid and skip the
 * positions >= nnz.
 */
#include "cais_device.h"

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_compact(__global const uchar *data, __global const ulong *desc,
               __global const uint *cbase, uint T, __global const uchar *mask,
               __global const uint *off, __global uchar *vals) {
  __local uint tmp[CAIS_WG];
  uint g = get_group_id(0), lid = get_local_id(0);
  uint t = find_tensor(cbase, T, g);
  ulong numel = DESC(t, CAIS_D_NUMEL), type = DESC(t, CAIS_D_TYPE);
  ulong doff = DESC(t, CAIS_D_DATA), voff = DESC(t, CAIS_D_VAL);
  int w16 = is16(type);
  ulong c = g - cbase[t];
  ulong b, e;
  chunk_range(numel, c, &b, &e);
  __global const uchar *m = mask + DESC(t, CAIS_D_MASK) + c * CAIS_MASK_CHUNK_BYTES;
  uint bits = ((__global const ushort *)m)[lid];
  uint total;
  ulong pos = (ulong)off[g] + wg_scan(popcount(bits), tmp, &total);
  ulong i0 = b + (ulong)lid * CAIS_PER_ITEM;
  for (int j = 0; j < CAIS_PER_ITEM; j++)
    if ((bits >> j) & 1u) put_bits(vals, voff, w16, pos++, elem_bits(data, doff, w16, i0 + j));
}

/* Positions of the non-zeros a work-item handles: the chunk grid reused. */
#define NZ_LOOP(BODY)                                                        \
  uint g = get_group_id(0), lid = get_local_id(0);                           \
  uint t = find_tensor(cbase, T, g);                                         \
  ulong nnz = RES(t, CAIS_R_NNZ);                                            \
  ulong p0 = (ulong)(g - cbase[t]) * CAIS_CHUNK;                             \
  for (ulong p = p0 + lid; p < p0 + CAIS_CHUNK && p < nnz; p += CAIS_WG) {   \
    BODY                                                                     \
  }

/* Every position of the tensor's capacity: the non-zeros, then 0.0 up to
 * numel (so iDamax can run over numel elements without the host knowing
 * nnz; a zero never wins over a non-zero). */
__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_to_double(__global const ulong *desc, __global const ulong *res,
                 __global const uint *cbase, uint T, __global const uchar *vals,
                 __global uchar *scratch) {
  uint g = get_group_id(0), lid = get_local_id(0);
  uint t = find_tensor(cbase, T, g);
  ulong nnz = RES(t, CAIS_R_NNZ), numel = DESC(t, CAIS_D_NUMEL);
  ulong type = DESC(t, CAIS_D_TYPE);
  __global double *out = (__global double *)(scratch + DESC(t, CAIS_D_SCR));
  ulong p0 = (ulong)(g - cbase[t]) * CAIS_CHUNK;
  for (ulong p = p0 + lid; p < p0 + CAIS_CHUNK && p < numel; p += CAIS_WG)
    out[p] = p < nnz ? bits_to_double(elem_bits(vals, DESC(t, CAIS_D_VAL), is16(type), p), type)
                     : 0.0;
}

/* cais_quant_setup + cais_quant_decode_table, one work-item per tensor.
 * amax[t] is clBLAST's index of the largest |x| among the non-zeros. */
__kernel void k_quant_setup(__global const ulong *desc, __global ulong *res,
                            __global const uchar *vals, __global const uint *amax,
                            uint T, int joint, __global double *dec) {
  uint t = get_global_id(0);
  if (t >= T) return;
  ulong nnz = RES(t, CAIS_R_NNZ);
  RES(t, CAIS_R_QUANT_OK) = 0;
  if (nnz == 0) return;
  ulong type = DESC(t, CAIS_D_TYPE);
  int w16 = is16(type);
  /* clBLAST 1.5 returns the index counted from the buffer's start (x_offset
   * included); other versions may count from x_offset.  The true position
   * of the largest |x| is one of the two candidates, so the larger key of
   * those in range is the exact maximum either way. */
  ulong idx = amax[t], xoff = DESC(t, CAIS_D_SCR) / 8;
  __global const uchar *vals_t = vals;
  ulong voff = DESC(t, CAIS_D_VAL);
  uint km = key_mask(w16), key = 0;
  int found = 0;
  if (idx < nnz) {
    key = elem_bits(vals_t, voff, w16, idx) & km;
    found = 1;
  }
  if (idx >= xoff && idx - xoff < nnz) {
    uint k2 = elem_bits(vals_t, voff, w16, idx - xoff) & km;
    key = k2 > key ? k2 : key;
    found = 1;
  }
  if (!found) return; /* not usable: the host redoes the weight */
  RES(t, CAIS_R_MAXKEY) = key;
  double max_abs = bits_to_double(key, type);
  int fp = joint_fp8(joint);
  double denom = (joint == CAIS_J_INT8 || joint == CAIS_J_UINT8) ? 254.0 : 2.0 * fp8_max(fp);
  double scale_d = (2.0 * max_abs + 1e-6) / denom;
  uint sbits = double_to_bits(scale_d, type);
  double scale = bits_to_double(sbits, type);
  RES(t, CAIS_R_SCALE_BITS) = sbits;
  RES(t, CAIS_R_SCALE) = as_ulong(scale);
  ulong mag = as_ulong(scale) & 0x7FFFFFFFFFFFFFFFUL;
  RES(t, CAIS_R_QUANT_OK) = scale != 0.0 && mag < 0x7FF0000000000000UL;
  int offset1 = joint == CAIS_J_UINT8 ? 127 : 0;
  for (int code = 0; code < 256; code++) {
    double v;
    if (joint == CAIS_J_INT8)
      v = (double)(code >= 128 ? code - 256 : code) * scale;
    else if (joint == CAIS_J_UINT8)
      v = (double)(code - offset1) * scale;
    else
      v = fp8_to_double((uint)code, fp) * scale;
    dec[(ulong)t * 256 + code] = bits_to_double(double_to_bits(v, type), type);
  }
}

__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_quant_codes(__global const ulong *desc, __global const ulong *res,
                   __global const uint *cbase, uint T, int joint,
                   __global const uchar *vals, __global uchar *codes) {
  NZ_LOOP({
    if (!RES(t, CAIS_R_QUANT_OK)) break;
    ulong type = DESC(t, CAIS_D_TYPE);
    double x = bits_to_double(elem_bits(vals, DESC(t, CAIS_D_VAL), is16(type), p), type);
    codes[DESC(t, CAIS_D_CODE) + p] =
        quant_code(joint, as_double(RES(t, CAIS_R_SCALE)), x);
  })
}

/* ctab: per tensor CAIS_HIST_BINS bytes at 4 * DESC(HIST) (the histogram's
 * space, no longer needed) for 16-bit types; lut: dec[t * 256 ...]. */
__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_pal_codes(__global const ulong *desc, __global const ulong *res,
                 __global const uint *cbase, uint T, __global const uchar *vals,
                 __global const uchar *ctab, __global const double *dec,
                 __global uchar *codes) {
  NZ_LOOP({
    ulong type = DESC(t, CAIS_D_TYPE);
    int w16 = is16(type);
    uint bits = elem_bits(vals, DESC(t, CAIS_D_VAL), w16, p);
    uchar code;
    int used = (int)RES(t, CAIS_R_USED);
    if (used == 0) break; /* left to the host */
    if (w16)
      code = ctab[4 * DESC(t, CAIS_D_HIST) + bits];
    else
      code = palette_nearest(dec + (ulong)t * 256, used, bits_to_double(bits, type));
    codes[DESC(t, CAIS_D_CODE) + p] = code;
  })
}

/* Packed byte q of tensor t: bits [8q, 8q + 8) of the index stream. */
__kernel __attribute__((reqd_work_group_size(CAIS_WG, 1, 1)))
void k_pack(__global const ulong *desc, __global const ulong *res,
            __global const uint *cbase, uint T, int width,
            __global const uchar *codes, __global uchar *packed) {
  uint g = get_group_id(0), lid = get_local_id(0);
  uint t = find_tensor(cbase, T, g);
  ulong nnz = RES(t, CAIS_R_NNZ);
  ulong nbytes = (nnz * (ulong)width + 7) / 8;
  __global const uchar *cd = codes + DESC(t, CAIS_D_CODE);
  ulong q0 = (ulong)(g - cbase[t]) * CAIS_CHUNK;
  for (ulong q = q0 + lid; q < q0 + CAIS_CHUNK && q < nbytes; q += CAIS_WG) {
    uint byte = 0;
    for (uint k = 0; k < 8; k++) {
      ulong bit = 8 * q + k, idx = bit / (ulong)width;
      if (idx < nnz) byte |= (((uint)cd[idx] >> (uint)(bit % (ulong)width)) & 1u) << k;
    }
    packed[DESC(t, CAIS_D_PACK) + q] = (uchar)byte;
  }
}

/* kind: 0 plain values (error 0 for kept elements), 1 codes decoded
 * through dec[t * 256 + code]. */
__kernel void k_stats(__global const uchar *data, __global const ulong *desc,
                      __global const uint *cbase, uint T, uint chunks,
                      __global const uchar *mask, __global const uint *off,
                      __global const uchar *codes, __global const double *dec,
                      int kind, __global double *part) {
  uint g = get_global_id(0);
  if (g >= chunks) return;
  uint t = find_tensor(cbase, T, g);
  ulong numel = DESC(t, CAIS_D_NUMEL), type = DESC(t, CAIS_D_TYPE);
  ulong doff = DESC(t, CAIS_D_DATA);
  int w16 = is16(type);
  ulong c = g - cbase[t];
  ulong b, e;
  chunk_range(numel, c, &b, &e);
  __global const uchar *m = mask + DESC(t, CAIS_D_MASK) + c * CAIS_MASK_CHUNK_BYTES;
  __global const uchar *cd = codes + DESC(t, CAIS_D_CODE);
  __global const double *dt = dec + (ulong)t * 256;
  ulong pos = off[g];
  double se = 0.0, sn = 0.0;
  for (ulong i = b; i < e; i++) {
    double v = bits_to_double(elem_bits(data, doff, w16, i), type);
    double v2 = v * v;
    uint kept = (m[(i - b) >> 3] >> ((i - b) & 7)) & 1u;
    if (kept) {
      double err = 0.0;
      if (kind) {
        double d = v - dt[cd[pos]];
        err = d * d;
      }
      pos++;
      se += err;
    } else {
      se += v2;
    }
    sn += v2;
  }
  part[2 * (ulong)g] = se;
  part[2 * (ulong)g + 1] = sn;
}

__kernel void k_stats_total(__global const uint *cbase, uint T,
                            __global const double *part, __global ulong *res) {
  uint t = get_global_id(0);
  if (t >= T) return;
  double se = 0.0, sn = 0.0;
  for (uint g = cbase[t]; g < cbase[t + 1]; g++) {
    se += part[2 * (ulong)g];
    sn += part[2 * (ulong)g + 1];
  }
  RES(t, CAIS_R_SQERR) = as_ulong(se);
  RES(t, CAIS_R_SQNORM) = as_ulong(sn);
}
