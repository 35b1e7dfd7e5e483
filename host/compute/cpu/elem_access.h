/*
 * elem_access.h -- reading weight elements, the "abs key", and fast
 * decoding of 16-bit elements through a table.
 *
 * Elements are little-endian IEEE binary16 / bfloat16 / binary32 (the host is
 * little endian too; checked at compile time).  The ABS KEY of an element is
 * its bit pattern with the sign bit cleared.  For finite values it is
 * monotone in |w|, and -0.0 and +0.0 both have key 0, so ordering elements by
 * (abs key, flat index) is ordering them by magnitude with a deterministic
 * tie rule.  Non-finite values have the largest keys (>= the type's
 * "non-finite key").
 */
#ifndef CAIS_CPU_ELEM_ACCESS_H
#define CAIS_CPU_ELEM_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "compute/compute_job.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the CPU backend reads little-endian weight data as native integers"
#endif

/** For per-element loops written once and instantiated per element width:
 *  `static CAIS_ALWAYS_INLINE void body(..., const bool is16)` called with a
 *  constant, so the width test leaves the inner loop. */
#define CAIS_ALWAYS_INLINE inline __attribute__((always_inline))

/** Whether elements of `t` are 16 bits wide (f16, bf16). */
static inline bool cais_is16(cais_float_type t) { return t != CAIS_FLOAT_F32; }

/** Bit pattern of element i (16-bit types in the low bits).  Unaligned
 *  data is fine. */
static inline uint32_t cais_elem_bits(const void *data, size_t i, bool is16) {
  if (is16) {
    uint16_t v;
    memcpy(&v, (const char *)data + 2 * i, 2);
    return v;
  }
  uint32_t v;
  memcpy(&v, (const char *)data + 4 * i, 4);
  return v;
}

/** Mask that clears the sign bit: the abs key is bits & this. */
static inline uint32_t cais_key_mask(bool is16) {
  return is16 ? 0x7FFFu : 0x7FFFFFFFu;
}

/** Sign bit of the type. */
static inline uint32_t cais_sign_bit(bool is16) {
  return is16 ? 0x8000u : 0x80000000u;
}

/** Smallest abs key of a non-finite value: an element is NaN or infinite
 *  exactly when its abs key is >= this. */
static inline uint32_t cais_nonfinite_key(cais_float_type t) {
  switch (t) {
  case CAIS_FLOAT_F16: return 0x7C00u;
  case CAIS_FLOAT_BF16: return 0x7F80u;
  default: return 0x7F800000u;
  }
}

/** Table of 65536 floats: the value of every f16 (or bf16) bit pattern
 *  (exact).  Built once per process, thread-safe; `t` must be 16-bit. */
const float *cais_half_table(cais_float_type t);

/** Value of an element's bits as a double (exact).  `half` is
 *  cais_half_table(t) for 16-bit types, ignored for f32. */
static inline double cais_elem_value(uint32_t bits, bool is16,
                                     const float *half) {
  if (is16) return (double)half[bits];
  float f;
  memcpy(&f, &bits, 4);
  return (double)f;
}

/** Key that sorts bit patterns by value (ascending) as unsigned integers:
 *  negative patterns are inverted, positive ones get the top bit set.  Only
 *  meaningful for non-NaN values; -0.0 sorts just below +0.0. */
static inline uint32_t cais_value_order_key(uint32_t bits, bool is16) {
  uint32_t sign = cais_sign_bit(is16);
  uint32_t all = is16 ? 0xFFFFu : 0xFFFFFFFFu;
  return (bits & sign) ? (~bits & all) : (bits | sign);
}

/** Inverse of cais_value_order_key. */
static inline uint32_t cais_value_order_bits(uint32_t key, bool is16) {
  uint32_t sign = cais_sign_bit(is16);
  uint32_t all = is16 ? 0xFFFFu : 0xFFFFFFFFu;
  return (key & sign) ? (key & ~sign) : (~key & all);
}

#endif /* CAIS_CPU_ELEM_ACCESS_H */
