/* chain_dense.c -- see chain_dense.h. */
#include "inspect/chain_dense.h"

#include <stdlib.h>

#include "common/error.h"
#include "common/float_formats.h"

/* x rounded to float type t, as a double. */
static double in_type(cais_float_type t, double x) {
  return cais_float_bits_to_double(cais_double_to_float_bits(x, t), t);
}

uint32_t cais_chain_shift_scale(const cais_chain *c, double q) {
  /* The runtime computes in T for f16 and f32, and in f32 for bf16, rounding
   * once to bf16 at the end (chain_dense.h).  Products and differences of
   * two such values are exact in double, so rounding each to the compute
   * type is that type's own arithmetic.  q and offset1 (8-bit integers or
   * FP8) are exact in every type. */
  cais_float_type t = c->ftype == CAIS_FLOAT_BF16 ? CAIS_FLOAT_F32 : c->ftype;
  double a = in_type(t, q * c->scale_value);
  double b = in_type(t, c->offset1_value * c->scale_value);
  double y = in_type(t, a - b);
  double z = in_type(t, y + c->offset2_value);
  return cais_double_to_float_bits(z, c->ftype);
}

uint32_t cais_chain_pruned_bits(const cais_chain *c) {
  if (c->kind == CAIS_CHAIN_QUANTIZED && !c->values_first)
    return cais_chain_shift_scale(c, 0.0);
  return 0;
}

uint32_t cais_chain_kept_bits(const cais_chain *c, int64_t j) {
  switch (c->kind) {
    case CAIS_CHAIN_SPARSE: return (uint32_t)cais_chain_code(c, j);
    case CAIS_CHAIN_QUANTIZED: return cais_chain_shift_scale(c, cais_const_double(&c->values, j));
    case CAIS_CHAIN_PALETTIZED: return c->lut_bits[cais_chain_code(c, j) & 255];
  }
  return 0;
}

cais_status cais_chain_dense(const cais_chain *c, uint32_t **out, cais_error *err) {
  *out = NULL;
  uint32_t *d = malloc((size_t)(c->numel ? c->numel : 1) * sizeof *d);
  if (!d)
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY,
                     "out of memory decoding %lld elements", (long long)c->numel);
  uint32_t pruned = cais_chain_pruned_bits(c);
  for (int64_t i = 0, j = 0; i < c->numel; i++)
    d[i] = cais_chain_mask_bit(c, i) ? cais_chain_kept_bits(c, j++) : pruned;
  *out = d;
  return CAIS_OK;
}
