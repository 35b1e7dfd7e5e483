/*
 * gen_float.h -- float32 to IEEE half and bfloat16, round to nearest even,
 * in portable integer code (no F16C / AVX-512 assumption; results are the
 * same on every machine).  NaN stays NaN, overflow goes to infinity.
 */
#ifndef CAIS_GEN_FLOAT_H
#define CAIS_GEN_FLOAT_H

#include <stdint.h>
#include <string.h>

static inline uint32_t gen_f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static inline float gen_bits_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* After F. Giesen's float_to_half_fast3_rtne (public domain). */
static inline uint16_t gen_f32_to_f16(float f) {
  const uint32_t f32_inf = 255u << 23;
  const uint32_t f16_limit = (127u + 16u) << 23;          /* 65536.0f */
  const uint32_t denorm_magic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
  uint32_t u = gen_f32_bits(f);
  uint32_t sign = u & 0x80000000u;
  u ^= sign;
  uint16_t o;
  if (u >= f16_limit) {
    o = u > f32_inf ? 0x7e00 : 0x7c00;                   /* NaN : Inf */
  } else if (u < (113u << 23)) {                          /* half subnormal/zero */
    float x = gen_bits_f32(u) + gen_bits_f32(denorm_magic);
    o = (uint16_t)(gen_f32_bits(x) - denorm_magic);
  } else {
    uint32_t odd = (u >> 13) & 1u;
    u += ((uint32_t)(15 - 127) << 23) + 0xfffu + odd;
    o = (uint16_t)(u >> 13);
  }
  return (uint16_t)(o | (sign >> 16));
}

static inline uint16_t gen_f32_to_bf16(float f) {
  uint32_t u = gen_f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u); /* quiet NaN */
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

#endif /* CAIS_GEN_FLOAT_H */
