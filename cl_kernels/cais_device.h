/*
 * cais_device.h -- what every kernel shares: the determinism pragmas,
 * element access, exact conversions between the element formats and double
 * (a port of host/common/float_formats.c: integer arithmetic only, so the
 * device rounds exactly like the host), the quantization and palette code
 * functions of host/compute/cpu/quantize.c and palettize.c, and work-group
 * helpers.  OpenCL C 1.2 with cl_khr_fp64; no fused multiply-add
 * (FP_CONTRACT OFF) and no fast-math options, so every double operation is
 * the correctly rounded IEEE operation the CPU code performs, in the same
 * order.
 */
#ifndef CAIS_DEVICE_H
#define CAIS_DEVICE_H

#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF

#include "cais_layout.h"

/* ---- descriptors ------------------------------------------------------- */

#define DESC(t, f) desc[(ulong)(t) * CAIS_DESC_WORDS + (f)]
#define RES(t, f) res[(ulong)(t) * CAIS_RES_WORDS + (f)]

/* The tensor owning item `item` of an item space whose tensor t starts at
 * base[t] (T + 1 ascending entries, every tensor non-empty). */
static uint find_tensor(__global const uint *base, uint T, uint item) {
  uint lo = 0, hi = T - 1;
  while (lo < hi) {
    uint mid = (lo + hi + 1) / 2;
    if (base[mid] <= item)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

/* ---- elements ---------------------------------------------------------- */

static inline int is16(ulong type) { return type != CAIS_T_F32; }

static inline uint key_mask(int w16) { return w16 ? 0x7FFFu : 0x7FFFFFFFu; }

static inline uint nonfinite_key(ulong type) {
  return type == CAIS_T_F16 ? 0x7C00u : type == CAIS_T_BF16 ? 0x7F80u : 0x7F800000u;
}

/* Bit pattern of element i of a tensor starting at byte `off`. */
static inline uint elem_bits(__global const uchar *buf, ulong off, int w16, ulong i) {
  if (w16) return ((__global const ushort *)(buf + off))[i];
  return ((__global const uint *)(buf + off))[i];
}

static inline void put_bits(__global uchar *buf, ulong off, int w16, ulong i, uint bits) {
  if (w16)
    ((__global ushort *)(buf + off))[i] = (ushort)bits;
  else
    ((__global uint *)(buf + off))[i] = bits;
}

/* ---- decoding: exact, never through float arithmetic ------------------- */

/* 2^e as a double, for -1022 <= e <= 1023 (exact; no hex-float literals). */
static inline double pow2(int e) { return as_double((ulong)(e + 1023) << 52); }

static double f32_bits_to_double(uint b) {
  uint e = (b >> 23) & 0xFFu, m = b & 0x7FFFFFu;
  ulong sgn = (ulong)(b >> 31) << 63;
  if (e == 0xFFu) return as_double(sgn | 0x7FF0000000000000UL | ((ulong)m << 29));
  if (e == 0) {
    double v = (double)m * pow2(-149); /* exact: m < 2^23 times a power of 2 */
    return sgn ? -v : v;
  }
  return as_double(sgn | ((ulong)(e - 127 + 1023) << 52) | ((ulong)m << 29));
}

static double f16_bits_to_double(uint h) {
  uint e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  ulong sgn = (ulong)((h >> 15) & 1u) << 63;
  if (e == 0x1Fu) return as_double(sgn | 0x7FF0000000000000UL | ((ulong)m << 42));
  if (e == 0) {
    double v = (double)m * pow2(-24);
    return sgn ? -v : v;
  }
  return as_double(sgn | ((ulong)(e - 15 + 1023) << 52) | ((ulong)m << 42));
}

static inline double bits_to_double(uint bits, ulong type) {
  if (type == CAIS_T_F16) return f16_bits_to_double(bits & 0xFFFFu);
  if (type == CAIS_T_BF16) return f32_bits_to_double((bits & 0xFFFFu) << 16);
  return f32_bits_to_double(bits);
}

/* ---- encoding: float_formats.c's round_magnitude / encode_ieee --------- */

static uint round_magnitude(ulong abs_bits, int ebits, int mbits) {
  const int bias = (1 << (ebits - 1)) - 1;
  const int emin = 1 - bias;
  int dexp = (int)(abs_bits >> 52);
  if (dexp == 0) return 0;
  int e = dexp - 1023;
  if (e + bias > (1 << ebits)) return 0xFFFFFFFFu;
  ulong sig = (abs_bits & ((1UL << 52) - 1)) | (1UL << 52);
  int shift = 52 - mbits + (e < emin ? emin - e : 0);
  if (shift > 53) return 0;
  ulong m = sig >> shift;
  ulong rem = sig & ((1UL << shift) - 1);
  ulong halfway = 1UL << (shift - 1);
  if (rem > halfway || (rem == halfway && (m & 1))) m++;
  if (e < emin) return (uint)m;
  return (uint)(((ulong)(e + bias) << mbits) + (m - (1UL << mbits)));
}

static uint encode_ieee(double x, int ebits, int mbits) {
  ulong u = as_ulong(x);
  uint sgn = (uint)(u >> 63) << (ebits + mbits);
  uint inf_bits = ((1u << ebits) - 1) << mbits;
  ulong abs_bits = u & ~(1UL << 63);
  if (abs_bits > 0x7FF0000000000000UL) return sgn | inf_bits | (1u << (mbits - 1));
  if (abs_bits == 0x7FF0000000000000UL) return sgn | inf_bits;
  uint mag = round_magnitude(abs_bits, ebits, mbits);
  if (mag >= inf_bits) mag = inf_bits;
  return sgn | mag;
}

static inline uint double_to_bits(double x, ulong type) {
  if (type == CAIS_T_F16) return encode_ieee(x, 5, 10);
  if (type == CAIS_T_BF16) return encode_ieee(x, 8, 7);
  return encode_ieee(x, 8, 23);
}

/* fp: 0 = E4M3FN, 1 = E5M2 (float_formats.h). */
static uchar double_to_fp8(double x, int fp) {
  ulong u = as_ulong(x);
  uchar sgn = (uchar)((u >> 63) << 7);
  ulong abs_bits = u & ~(1UL << 63);
  int is_nan = abs_bits > 0x7FF0000000000000UL;
  int is_inf = abs_bits == 0x7FF0000000000000UL;
  if (fp == 0) {
    if (is_nan || is_inf) return sgn | 0x7F;
    uint mag = round_magnitude(abs_bits, 4, 3);
    return sgn | (uchar)(mag > 0x7E ? 0x7F : mag);
  }
  if (is_nan) return sgn | 0x7E;
  if (is_inf) return sgn | 0x7C;
  uint mag = round_magnitude(abs_bits, 5, 2);
  return sgn | (uchar)(mag >= 0x7C ? 0x7C : mag);
}

static double fp8_to_double(uint v, int fp) {
  uint sgn = v & 0x80u, mag = v & 0x7Fu;
  double r;
  if (fp == 0) {
    uint e = mag >> 3, m = mag & 7u;
    if (mag == 0x7Fu)
      r = as_double(0x7FF8000000000000UL);
    else if (e == 0)
      r = (double)m * pow2(-9);
    else
      r = (double)(m | 8u) * pow2((int)e - 10);
  } else {
    uint e = mag >> 2, m = mag & 3u;
    if (e == 31)
      r = m ? as_double(0x7FF8000000000000UL) : as_double(0x7FF0000000000000UL);
    else if (e == 0)
      r = (double)m * pow2(-16);
    else
      r = (double)(m | 4u) * pow2((int)e - 17);
  }
  return sgn ? -r : r;
}

/* ---- quantization (quantize.c) ----------------------------------------- */

static inline int joint_fp8(int joint) { return joint == CAIS_J_FP8_E5M2 ? 1 : 0; }

static inline double fp8_max(int fp) { return fp == 0 ? 448.0 : 57344.0; }

/* cais_quant_code */
static uchar quant_code(int joint, double scale, double x) {
  double y = x / scale;
  if (joint == CAIS_J_INT8) {
    double r = rint(y);
    r = r < -127.0 ? -127.0 : r > 127.0 ? 127.0 : r;
    return (uchar)((int)r & 0xFF);
  }
  if (joint == CAIS_J_UINT8) {
    double r = rint(y) + 127.0;
    r = r < 0.0 ? 0.0 : r > 254.0 ? 254.0 : r;
    return (uchar)(int)r;
  }
  double m = fp8_max(joint_fp8(joint));
  y = y < -m ? -m : y > m ? m : y;
  return double_to_fp8(y, joint_fp8(joint));
}

/* ---- palettes (palettize.c: cais_palette_nearest) ---------------------- */

static uchar palette_nearest(__global const double *lut, int used, double x) {
  int lo = 0, hi = used;
  while (lo < hi) {
    int h = (lo + hi) / 2;
    if (lut[h] < x)
      lo = h + 1;
    else
      hi = h;
  }
  int best = lo < used ? lo : used - 1;
  double dist = fabs(x - lut[best]);
  for (int i = best - 1; i >= 0; i--) {
    double di = fabs(x - lut[i]);
    if (di > dist) break;
    best = i;
    dist = di;
  }
  return (uchar)best;
}

/* ---- work-group helpers ------------------------------------------------ */

/* Exclusive prefix sum of `v` over the work-group (CAIS_WG items);
 * *total receives the sum of all.  Every item must call it. */
static uint wg_scan(uint v, __local uint *tmp, uint *total) {
  uint lid = get_local_id(0);
  tmp[lid] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (uint off = 1; off < CAIS_WG; off <<= 1) {
    uint add = lid >= off ? tmp[lid - off] : 0u;
    barrier(CLK_LOCAL_MEM_FENCE);
    tmp[lid] += add;
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  uint incl = tmp[lid];
  *total = tmp[CAIS_WG - 1];
  barrier(CLK_LOCAL_MEM_FENCE);
  return incl - v;
}

/* The element range [*b, *e) of chunk c of a tensor of `numel` elements,
 * and the first element of this work-item's 16 (may be >= *e). */
static inline void chunk_range(ulong numel, ulong c, ulong *b, ulong *e) {
  *b = c * CAIS_CHUNK;
  *e = *b + CAIS_CHUNK < numel ? *b + CAIS_CHUNK : numel;
}

#endif /* CAIS_DEVICE_H */
