/* options.c -- see options.h and caisparse.h.  Checks run in the order of
 * the upstream function, so the same bad call gets the same first error. */
#include "engine/options.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"

void cais_options_init(cais_options *o) {
  memset(o, 0, sizeof *o);
  o->target_sparsity_set = true;
  o->target_sparsity = 0.5;
  o->weight_num_threshold = 1024;
}

static const struct {
  const char *name;
  cais_quantize_dtype dtype;
} kQuantizeNames[] = {
    {"none", CAIS_QUANTIZE_NONE},
    {"int8", CAIS_QUANTIZE_INT8},
    {"uint8", CAIS_QUANTIZE_UINT8},
    {"fp8_e4m3fn", CAIS_QUANTIZE_FP8_E4M3FN},
    {"fp8_e5m2", CAIS_QUANTIZE_FP8_E5M2},
};

const char *cais_quantize_dtype_name(cais_quantize_dtype dtype) {
  for (size_t i = 0; i < sizeof kQuantizeNames / sizeof *kQuantizeNames; i++)
    if (kQuantizeNames[i].dtype == dtype) return kQuantizeNames[i].name;
  return "invalid";
}

cais_status cais_quantize_dtype_parse(const char *text, cais_quantize_dtype *out,
                                      cais_error *err) {
  for (size_t i = 0; text && i < sizeof kQuantizeNames / sizeof *kQuantizeNames; i++) {
    if (strcmp(text, kQuantizeNames[i].name) == 0) {
      *out = kQuantizeNames[i].dtype;
      return CAIS_OK;
    }
  }
  return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                   "Invalid quantize_dtype '%s': expected int8, uint8, "
                   "fp8_e4m3fn or fp8_e5m2",
                   text ? text : "(null)");
}

const char *cais_prune_mode_name(cais_prune_mode mode) {
  switch (mode) {
    case CAIS_PRUNE_BLOCK: return "block";
    case CAIS_PRUNE_NM: return "n:m";
    case CAIS_PRUNE_MAGNITUDE: break;
  }
  return "magnitude";
}

void cais_joint_mode_describe(cais_joint_mode joint, int nbits, char *buf,
                              size_t size) {
  switch (joint) {
    case CAIS_JOINT_NONE: snprintf(buf, size, "none"); break;
    case CAIS_JOINT_INT8: snprintf(buf, size, "int8"); break;
    case CAIS_JOINT_UINT8: snprintf(buf, size, "uint8"); break;
    case CAIS_JOINT_FP8_E4M3FN: snprintf(buf, size, "fp8_e4m3fn"); break;
    case CAIS_JOINT_FP8_E5M2: snprintf(buf, size, "fp8_e5m2"); break;
    case CAIS_JOINT_PALETTIZE: snprintf(buf, size, "palettize%d", nbits); break;
  }
}

static bool is_valid_nbits(int k) {
  return k == 1 || k == 2 || k == 3 || k == 4 || k == 6 || k == 8;
}

cais_status cais_options_resolve(const cais_options *o, cais_compress_params *p,
                                 cais_error *err) {
  if (!o)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS, "options are required");
  bool has_nm = o->n_m_ratio != NULL;
  if (o->target_sparsity_set && has_nm)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "`target_sparsity` and `n_m_ratio` cannot both be set");
  if (!o->target_sparsity_set && !has_nm)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "One of `target_sparsity` or `n_m_ratio` must be set");
  if (o->quantize_dtype != CAIS_QUANTIZE_NONE && o->palettize_nbits != 0)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "`quantize_dtype` and `palettize_nbits` cannot both be set");
  if ((int)o->quantize_dtype < (int)CAIS_QUANTIZE_NONE ||
      (int)o->quantize_dtype > (int)CAIS_QUANTIZE_FP8_E5M2)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "Invalid quantize_dtype %d: expected int8, uint8, "
                     "fp8_e4m3fn or fp8_e5m2",
                     (int)o->quantize_dtype);
  if (o->palettize_nbits != 0 && !is_valid_nbits(o->palettize_nbits))
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "Invalid palettize_nbits %d: expected one of 1, 2, 3, 4, 6, 8",
                     o->palettize_nbits);
  if (o->block_size != 0 && o->block_size <= 1)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "`block_size` must be greater than 1 (got %lld)",
                     (long long)o->block_size);
  if (has_nm) {
    if (o->n_m_ratio_len != 2)
      return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                       "`n_m_ratio` must have length 2 (n, m), got %zu values",
                       o->n_m_ratio_len);
    double n = o->n_m_ratio[0], m = o->n_m_ratio[1];
    if (!isfinite(n) || !isfinite(m) || n != floor(n) || m != floor(m) ||
        fabs(n) > 1e15 || fabs(m) > 1e15)
      return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                       "`n_m_ratio` must contain integers, got (%g, %g)", n, m);
    if (m <= 0)
      return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                       "`n_m_ratio` needs m > 0, got m = %lld", (long long)m);
    if (n < 0 || n > m)
      return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                       "`n_m_ratio` needs n in [0, m], got (%lld, %lld)",
                       (long long)n, (long long)m);
    if (o->block_size != 0)
      return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                       "`block_size` and `n_m_ratio` cannot both be set: "
                       "block_size applies to target_sparsity");
  }
  if (o->target_sparsity_set) {
    double s = o->target_sparsity;
    if (isnan(s) || s < 0.0 || s > 1.0)
      return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                       "`target_sparsity` must be in [0, 1], got %g", s);
  }
  if (o->weight_num_threshold < 0)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "`weight_num_threshold` must be >= 0, got %lld",
                     (long long)o->weight_num_threshold);

  memset(p, 0, sizeof *p);
  if (has_nm) {
    p->prune = CAIS_PRUNE_NM;
    p->nm_n = (int64_t)o->n_m_ratio[0];
    p->nm_m = (int64_t)o->n_m_ratio[1];
  } else {
    p->prune = o->block_size ? CAIS_PRUNE_BLOCK : CAIS_PRUNE_MAGNITUDE;
    p->target_sparsity = o->target_sparsity;
    p->block_size = o->block_size;
  }
  switch (o->quantize_dtype) {
    case CAIS_QUANTIZE_INT8: p->joint = CAIS_JOINT_INT8; break;
    case CAIS_QUANTIZE_UINT8: p->joint = CAIS_JOINT_UINT8; break;
    case CAIS_QUANTIZE_FP8_E4M3FN: p->joint = CAIS_JOINT_FP8_E4M3FN; break;
    case CAIS_QUANTIZE_FP8_E5M2: p->joint = CAIS_JOINT_FP8_E5M2; break;
    case CAIS_QUANTIZE_NONE:
      p->joint = o->palettize_nbits ? CAIS_JOINT_PALETTIZE : CAIS_JOINT_NONE;
      break;
  }
  p->palettize_nbits = o->palettize_nbits;
  return CAIS_OK;
}

cais_status cais_options_validate(const cais_options *options, cais_error *err) {
  cais_compress_params p;
  return cais_options_resolve(options, &p, err);
}
