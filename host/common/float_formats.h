/*
 * float_formats.h -- exact conversions between IEEE double and the element
 * formats the tool reads and writes: binary16 (f16), bfloat16 (bf16),
 * binary32 (f32) and the OCP FP8 formats E4M3FN and E5M2.
 *
 * Decoding (bits -> double) is always exact: every value of these formats is
 * a double.  Encoding (double -> bits) rounds ONCE, directly from the double,
 * to nearest with ties to even (never through an intermediate float, which
 * would round twice).  Results depend neither on the host's rounding mode nor
 * on the compiler: everything is integer arithmetic on the double's bits, so
 * the OpenCL backend can reproduce it bit for bit.
 *
 * Overflow and special values:
 *   f16 / bf16 / f32: a finite value that rounds past the largest finite
 *     value gives +-infinity; +-infinity stays infinity; NaN gives the
 *     format's canonical quiet NaN with the input's sign (f16 0x7E00,
 *     bf16 0x7FC0, f32 0x7FC00000).
 *   FP8: exactly ml_dtypes' (non-saturating) casts from float16:
 *     E4M3FN has no infinity: an overflow, an infinity or a NaN becomes NaN
 *     (0x7F, or 0xFF with the sign bit);  E5M2 overflows to +-infinity
 *     (0x7C / 0xFC) and NaN gives 0x7E / 0xFE.
 *   Values below half the smallest subnormal round to a zero of the input's
 *   sign.
 */
#ifndef CAIS_COMMON_FLOAT_FORMATS_H
#define CAIS_COMMON_FLOAT_FORMATS_H

#include <stdbool.h>
#include <stdint.h>

#include "compute/compute_job.h" /* cais_float_type */

#ifdef __cplusplus
extern "C" {
#endif

/** The value of IEEE binary16 bits `h`. */
double cais_f16_to_double(uint16_t h);
/** The value of bfloat16 bits `b`. */
double cais_bf16_to_double(uint16_t b);
/** The value of IEEE binary32 bits `f`. */
double cais_f32_bits_to_double(uint32_t f);

/** `x` rounded to nearest-even binary16 (see the file comment for
 *  overflow and NaN). */
uint16_t cais_double_to_f16(double x);
/** `x` rounded to nearest-even bfloat16, directly from the double. */
uint16_t cais_double_to_bf16(double x);
/** `x` rounded to nearest-even binary32. */
uint32_t cais_double_to_f32_bits(double x);

/** Decodes `bits` of type `t` (f16 and bf16 in the low 16 bits). */
double cais_float_bits_to_double(uint32_t bits, cais_float_type t);
/** Encodes `x` in type `t` (f16 and bf16 in the low 16 bits, high bits 0). */
uint32_t cais_double_to_float_bits(double x, cais_float_type t);
/** Whether `bits` of type `t` is neither an infinity nor a NaN. */
bool cais_float_bits_is_finite(uint32_t bits, cais_float_type t);

typedef enum cais_fp8_format {
  CAIS_FP8_E4M3FN = 0, /**< bias 7, no infinities, NaN 0x7F/0xFF, max 448 */
  CAIS_FP8_E5M2 = 1,   /**< bias 15, IEEE-like, max 57344 */
} cais_fp8_format;

/** `x` rounded to nearest-even FP8 of format `f`; overflow as ml_dtypes'
 *  float16 -> float8 cast (file comment). */
uint8_t cais_double_to_fp8(double x, cais_fp8_format f);
/** The value of FP8 byte `v` (NaN / infinity where the format says so). */
double cais_fp8_to_double(uint8_t v, cais_fp8_format f);
/** The largest finite value: 448 (E4M3FN) or 57344 (E5M2). */
double cais_fp8_max_finite(cais_fp8_format f);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_COMMON_FLOAT_FORMATS_H */
