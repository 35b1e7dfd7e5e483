/*
 * quantize.h -- per-tensor symmetric quantization of the surviving values
 * (spec section 5.2).
 *
 * Over the nnz mask values, with a = max |x| (as double):
 *   scale_d = (2.0 * a + 1e-6) / D,  D = 254.0 (int8, uint8) or 2.0 * M (fp8,
 *             M = 448 for E4M3FN, 57344 for E5M2), evaluated in double in
 *             exactly that order;
 *   the stored scale is scale_d rounded to nearest-even DIRECTLY into the
 *   weight's float type (float_formats.h), and s = that stored value as a
 *   double is what quantizes (so the program decodes what was computed).
 *   If the stored scale is 0 or not finite, quantization is not applied
 *   (the caller emits plain values with a warning).
 * Codes, with y = x / s in double:
 *   int8:  q = clamp(rint(y), -127, 127), stored as two's-complement byte;
 *   uint8: q = clamp(rint(y) + 127, 0, 254), offset1 = 127;
 *   fp8:   q = cais_double_to_fp8(clamp(y, -M, M)) (nearest-even).
 *   rint is round-half-to-even (the default rounding mode).
 * Decoded value (statistics): int8/uint8: round-to-type(double(q - offset1)
 * * s); fp8: round-to-type(fp8_to_double(q) * s).
 */
#ifndef CAIS_CPU_QUANTIZE_H
#define CAIS_CPU_QUANTIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/float_formats.h"
#include "compute/compute_job.h"

typedef struct cais_quant {
  cais_joint_mode joint;  /**< INT8, UINT8, FP8_E4M3FN or FP8_E5M2 */
  cais_float_type type;   /**< the weight's type (the scale's type) */
  uint32_t scale_bits;    /**< stored scale */
  double scale;           /**< s: the stored scale as a double */
  int32_t offset1;        /**< 127 for uint8, else 0 */
  cais_fp8_format fp8;    /**< fp8 modes */
  double fp8_max;         /**< M, fp8 modes */
} cais_quant;

/** Whether `joint` is one of the four quantizations. */
static inline bool cais_joint_is_quant(cais_joint_mode joint) {
  return joint >= CAIS_JOINT_INT8 && joint <= CAIS_JOINT_FP8_E5M2;
}

/** "int8", "uint8", "fp8_e4m3fn", "fp8_e5m2", "palettization" or "none"
 *  (for messages). */
const char *cais_joint_name(cais_joint_mode joint);

/** Computes the stored scale for values with max |x| = `max_abs`.  Returns
 *  false when the stored scale is 0 or not finite (no quantization). */
bool cais_quant_setup(cais_joint_mode joint, cais_float_type type,
                      double max_abs, cais_quant *q);

/** The code of value `x` (a finite element of the weight's type). */
uint8_t cais_quant_code(const cais_quant *q, double x);

/** decoded[code] for all 256 codes: the value the program reconstructs
 *  (rounded to the weight's type), as a double.  Codes that cannot occur
 *  get their formula's value anyway (NaN for the fp8 NaN codes). */
void cais_quant_decode_table(const cais_quant *q, double decoded[256]);

/** table[bits] = cais_quant_code(value of bits) for every finite 16-bit
 *  pattern of the weight's type (0 for non-finite ones). */
void cais_quant_code_table16(const cais_quant *q, uint8_t table[65536]);

#endif /* CAIS_CPU_QUANTIZE_H */
