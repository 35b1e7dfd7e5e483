/* float_formats.c -- see float_formats.h.
 *
 * Every encoder goes through round_magnitude(), which rounds |x| to a binary
 * format described by its exponent and fraction widths using only integer
 * operations on the double's bit pattern (round to nearest, ties to even).
 * The callers then apply the format's overflow convention. */
#include "common/float_formats.h"

#include <math.h>
#include <string.h>

static uint64_t double_bits(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

/* Rounds the magnitude whose double bit pattern (sign cleared, finite) is
 * `abs_bits` to a binary format with `ebits` exponent bits and `mbits`
 * fraction bits and IEEE-style subnormals (bias 2^(ebits-1) - 1).  Returns
 * the format's magnitude bits (exponent field << mbits | fraction), NOT
 * clamped: a result >= (2^ebits - 1) << mbits means the value rounded past
 * the largest exponent field and the caller decides what overflow gives.
 * Huge inputs return UINT32_MAX (certainly an overflow for every format). */
static uint32_t round_magnitude(uint64_t abs_bits, int ebits, int mbits) {
  const int bias = (1 << (ebits - 1)) - 1;
  const int emin = 1 - bias; /* exponent of the smallest normal */
  int dexp = (int)(abs_bits >> 52);
  /* A double subnormal (< 2^-1022) is far below half the smallest
   * subnormal of every target format: it rounds to zero. */
  if (dexp == 0) return 0;
  int e = dexp - 1023;
  if (e + bias > (1 << ebits)) return UINT32_MAX;
  uint64_t sig = (abs_bits & ((1ull << 52) - 1)) | (1ull << 52);
  /* Keep mbits fraction bits at exponent max(e, emin). */
  int shift = 52 - mbits + (e < emin ? emin - e : 0);
  if (shift > 53) return 0; /* below half the smallest subnormal */
  uint64_t m = sig >> shift;
  uint64_t rem = sig & ((1ull << shift) - 1);
  uint64_t half = 1ull << (shift - 1);
  if (rem > half || (rem == half && (m & 1))) m++;
  /* Subnormal range: m is the fraction field; a carry to 2^mbits is
   * exactly the smallest normal's encoding.  Normal range: a carry out of
   * the significand bumps the exponent field by the addition. */
  if (e < emin) return (uint32_t)m;
  return (uint32_t)(((uint64_t)(e + bias) << mbits) + (m - (1ull << mbits)));
}

/* Shared IEEE-style encoder (f16, bf16, f32): overflow -> infinity, NaN ->
 * canonical quiet NaN, sign kept. */
static uint32_t encode_ieee(double x, int ebits, int mbits) {
  uint64_t u = double_bits(x);
  uint32_t sign = (uint32_t)(u >> 63) << (ebits + mbits);
  uint32_t inf = ((1u << ebits) - 1) << mbits;
  uint64_t abs_bits = u & ~(1ull << 63);
  if (abs_bits > 0x7FF0000000000000ull) return sign | inf | (1u << (mbits - 1));
  if (abs_bits == 0x7FF0000000000000ull) return sign | inf;
  uint32_t mag = round_magnitude(abs_bits, ebits, mbits);
  if (mag >= inf) mag = inf;
  return sign | mag;
}

double cais_f16_to_double(uint16_t h) {
  int e = (h >> 10) & 0x1F;
  int m = h & 0x3FF;
  double v;
  if (e == 0)
    v = ldexp((double)m, -24);
  else if (e == 31)
    v = m ? NAN : INFINITY;
  else
    v = ldexp((double)(m | 0x400), e - 25);
  return (h & 0x8000) ? -v : v;
}

double cais_bf16_to_double(uint16_t b) {
  uint32_t f = (uint32_t)b << 16;
  float v;
  memcpy(&v, &f, sizeof v);
  return (double)v;
}

double cais_f32_bits_to_double(uint32_t f) {
  float v;
  memcpy(&v, &f, sizeof v);
  return (double)v;
}

uint16_t cais_double_to_f16(double x) { return (uint16_t)encode_ieee(x, 5, 10); }

uint16_t cais_double_to_bf16(double x) { return (uint16_t)encode_ieee(x, 8, 7); }

uint32_t cais_double_to_f32_bits(double x) { return encode_ieee(x, 8, 23); }

double cais_float_bits_to_double(uint32_t bits, cais_float_type t) {
  switch (t) {
  case CAIS_FLOAT_F16: return cais_f16_to_double((uint16_t)bits);
  case CAIS_FLOAT_BF16: return cais_bf16_to_double((uint16_t)bits);
  default: return cais_f32_bits_to_double(bits);
  }
}

uint32_t cais_double_to_float_bits(double x, cais_float_type t) {
  switch (t) {
  case CAIS_FLOAT_F16: return cais_double_to_f16(x);
  case CAIS_FLOAT_BF16: return cais_double_to_bf16(x);
  default: return cais_double_to_f32_bits(x);
  }
}

bool cais_float_bits_is_finite(uint32_t bits, cais_float_type t) {
  switch (t) {
  case CAIS_FLOAT_F16: return (bits & 0x7C00u) != 0x7C00u;
  case CAIS_FLOAT_BF16: return (bits & 0x7F80u) != 0x7F80u;
  default: return (bits & 0x7F800000u) != 0x7F800000u;
  }
}

uint8_t cais_double_to_fp8(double x, cais_fp8_format f) {
  uint64_t u = double_bits(x);
  uint8_t sign = (uint8_t)((u >> 63) << 7);
  uint64_t abs_bits = u & ~(1ull << 63);
  bool nan = abs_bits > 0x7FF0000000000000ull;
  bool inf = abs_bits == 0x7FF0000000000000ull;
  if (f == CAIS_FP8_E4M3FN) {
    /* Exponent field 15 holds normals; only 0x7F is NaN.  Overflow and
     * infinity become NaN (ml_dtypes, non-saturating). */
    if (nan || inf) return sign | 0x7F;
    uint32_t mag = round_magnitude(abs_bits, 4, 3);
    return sign | (uint8_t)(mag > 0x7E ? 0x7F : mag);
  }
  if (nan) return sign | 0x7E;
  if (inf) return sign | 0x7C;
  uint32_t mag = round_magnitude(abs_bits, 5, 2);
  return sign | (uint8_t)(mag >= 0x7C ? 0x7C : mag);
}

double cais_fp8_to_double(uint8_t v, cais_fp8_format f) {
  int sign = v & 0x80;
  int mag = v & 0x7F;
  double r;
  if (f == CAIS_FP8_E4M3FN) {
    int e = mag >> 3, m = mag & 7;
    if (mag == 0x7F)
      r = NAN;
    else if (e == 0)
      r = ldexp((double)m, -9);
    else
      r = ldexp((double)(m | 8), e - 10);
  } else {
    int e = mag >> 2, m = mag & 3;
    if (e == 31)
      r = m ? NAN : INFINITY;
    else if (e == 0)
      r = ldexp((double)m, -16);
    else
      r = ldexp((double)(m | 4), e - 17);
  }
  return sign ? -r : r;
}

double cais_fp8_max_finite(cais_fp8_format f) {
  return f == CAIS_FP8_E4M3FN ? 448.0 : 57344.0;
}
