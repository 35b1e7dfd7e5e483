/* quantize.c -- see quantize.h. */
#include "compute/cpu/quantize.h"

#include <math.h>

#include "compute/cpu/elem_access.h"

const char *cais_joint_name(cais_joint_mode joint) {
  switch (joint) {
  case CAIS_JOINT_NONE: return "none";
  case CAIS_JOINT_INT8: return "int8";
  case CAIS_JOINT_UINT8: return "uint8";
  case CAIS_JOINT_FP8_E4M3FN: return "fp8_e4m3fn";
  case CAIS_JOINT_FP8_E5M2: return "fp8_e5m2";
  case CAIS_JOINT_PALETTIZE: return "palettization";
  }
  return "?";
}

bool cais_quant_setup(cais_joint_mode joint, cais_float_type type,
                      double max_abs, cais_quant *q) {
  q->joint = joint;
  q->type = type;
  q->offset1 = joint == CAIS_JOINT_UINT8 ? 127 : 0;
  q->fp8 = joint == CAIS_JOINT_FP8_E5M2 ? CAIS_FP8_E5M2 : CAIS_FP8_E4M3FN;
  q->fp8_max = cais_fp8_max_finite(q->fp8);
  double denom = (joint == CAIS_JOINT_INT8 || joint == CAIS_JOINT_UINT8)
                     ? 254.0
                     : 2.0 * q->fp8_max;
  double scale_d = (2.0 * max_abs + 1e-6) / denom;
  q->scale_bits = cais_double_to_float_bits(scale_d, type);
  q->scale = cais_float_bits_to_double(q->scale_bits, type);
  return q->scale != 0.0 && isfinite(q->scale);
}

uint8_t cais_quant_code(const cais_quant *q, double x) {
  double y = x / q->scale;
  switch (q->joint) {
  case CAIS_JOINT_INT8: {
    double r = rint(y);
    r = r < -127.0 ? -127.0 : r > 127.0 ? 127.0 : r;
    return (uint8_t)(int8_t)r;
  }
  case CAIS_JOINT_UINT8: {
    double r = rint(y) + 127.0;
    r = r < 0.0 ? 0.0 : r > 254.0 ? 254.0 : r;
    return (uint8_t)r;
  }
  default: {
    double m = q->fp8_max;
    y = y < -m ? -m : y > m ? m : y;
    return cais_double_to_fp8(y, q->fp8);
  }
  }
}

void cais_quant_decode_table(const cais_quant *q, double decoded[256]) {
  for (int code = 0; code < 256; code++) {
    double v;
    if (q->joint == CAIS_JOINT_INT8)
      v = (double)(int8_t)(uint8_t)code * q->scale;
    else if (q->joint == CAIS_JOINT_UINT8)
      v = (double)(code - q->offset1) * q->scale;
    else
      v = cais_fp8_to_double((uint8_t)code, q->fp8) * q->scale;
    decoded[code] = cais_float_bits_to_double(cais_double_to_float_bits(v, q->type), q->type);
  }
}

void cais_quant_code_table16(const cais_quant *q, uint8_t table[65536]) {
  const float *half = cais_half_table(q->type);
  for (uint32_t bits = 0; bits < 65536u; bits++)
    table[bits] = cais_float_bits_is_finite(bits, q->type)
                      ? cais_quant_code(q, (double)half[bits])
                      : 0;
}
