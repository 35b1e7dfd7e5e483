/* verify_values.c -- the stored values of a chain against the original
 * weight (see verify_internal.h).
 *
 *  sparse:     every kept value is bit-identical to the original element.
 *  quantized:  pruned elements decode to 0 (chain_dense.h), int8 / fp8
 *              chains dequantize the dense tensor (spec section 5);
 *              offset1 is 0 (int8, fp8) or 127 (uint8), offset2 is 0; the
 *              scale is exactly RNE_T((2a + 1e-6) / D) with a = max|w| over
 *              the kept elements and D = 254 (int8/uint8) or 2M (fp8: M =
 *              448 / 57344); codes lie in the range (int8 [-127, 127],
 *              uint8 [0, 254], fp8 finite); and each code is one rounding
 *              away from the original: with t = (w - offset2) / scale +
 *              offset1, |q - t| <= 1/2 (integers) or half an FP8 ulp at
 *              max(|q|, |t|) (fp8), with a relative slack of 1e-9 for the
 *              double arithmetic.  Equivalently |(q - offset1) * scale +
 *              offset2 - w| <= scale / 2 before the result is rounded to
 *              the weight's type.
 *  palettized: every kept element's index is that of its nearest LUT entry,
 *              the lowest index on a tie; LUT entries finite.
 * Each broken rule is one violation line with a count and the first
 * offending element. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/float_formats.h"
#include "engine/options.h"
#include "inspect/chain_dense.h"
#include "inspect/verify_internal.h"

static void check_kind(cais_verify_ctx *v, const cais_verify_weight *vw) {
  const cais_chain *c = vw->chain;
  const cais_compress_params *p = &v->params;
  cais_joint_mode want = c->nnz == 0 ? CAIS_JOINT_NONE : p->joint;
  bool ok = c->joint == want &&
            (want != CAIS_JOINT_PALETTIZE || c->nbits == p->palettize_nbits);
  if (ok) return;
  char have[32], expect[32];
  cais_chain_kind_describe(c, have, sizeof have);
  if (want == CAIS_JOINT_NONE)
    snprintf(expect, sizeof expect, "sparse");
  else
    cais_joint_mode_describe(want, p->palettize_nbits, expect, sizeof expect);
  if (c->nnz == 0 && p->joint != CAIS_JOINT_NONE)
    cais_verify_violation(v, vw->name,
                          "a %s chain with no non-zeros: expected the plain sparse "
                          "chain (spec section 5.4)",
                          have);
  else
    cais_verify_violation(v, vw->name, "a %s chain, but the options ask for %s", have,
                          expect);
}

static void check_sparse(cais_verify_ctx *v, const cais_verify_weight *vw) {
  const cais_chain *c = vw->chain;
  int64_t bad = 0, first = -1, j = 0;
  uint64_t got = 0, want = 0;
  for (int64_t i = 0; i < c->numel; i++) {
    if (!cais_chain_mask_bit(c, i)) continue;
    uint64_t a = cais_chain_code(c, j++), b = cais_const_bits(vw->orig, i);
    if (a != b && bad++ == 0) {
      first = i;
      got = a;
      want = b;
    }
  }
  if (bad)
    cais_verify_violation(
        v, vw->name,
        "%lld kept value(s) differ from the original (first at flat index %lld: "
        "%.9g instead of %.9g)",
        (long long)bad, (long long)first,
        cais_float_bits_to_double((uint32_t)got, c->ftype),
        cais_float_bits_to_double((uint32_t)want, c->ftype));
}

/* Half the spacing of FP8 values around |x| (the subnormal spacing below
 * the smallest normal). */
static double fp8_half_ulp(double x, cais_fp8_format f) {
  int mant = f == CAIS_FP8_E4M3FN ? 3 : 2;
  int emin = f == CAIS_FP8_E4M3FN ? -6 : -14;
  int e = emin;
  x = fabs(x);
  if (x > 0) {
    frexp(x, &e);
    e -= 1;
    if (e < emin) e = emin;
  }
  return ldexp(1.0, e - mant - 1);
}

/* Pruned elements must decode to 0 (chain_dense.h: a dense-first chain
 * decodes them to (0 - offset1) * scale + offset2); int8 and fp8 keep
 * upstream's dense-first order (spec section 5). */
static void check_pruned_and_order(cais_verify_ctx *v, const cais_verify_weight *vw) {
  const cais_chain *c = vw->chain;
  double pv = cais_float_bits_to_double(cais_chain_pruned_bits(c), c->ftype);
  if (c->numel > c->nnz && pv != 0.0)
    cais_verify_violation(v, vw->name,
                          "%lld pruned element(s) decode to %.9g, not 0: "
                          "blockwise_shift_scale dequantizes the dense tensor, (0 - "
                          "offset1 %g) * scale %.9g + offset2 %g (spec section 5: a "
                          "uint8 chain dequantizes the values before "
                          "build_sparse_with_bitmask)",
                          (long long)(c->numel - c->nnz), pv, c->offset1_value,
                          c->scale_value, c->offset2_value);
  if (c->values_first && c->joint != CAIS_JOINT_UINT8) {
    char kind[32];
    cais_chain_kind_describe(c, kind, sizeof kind);
    cais_verify_violation(v, vw->name,
                          "a %s chain that dequantizes the values before "
                          "build_sparse_with_bitmask: spec section 5 keeps upstream's "
                          "order (dequantize the dense tensor) for int8 and fp8",
                          kind);
  }
}

static void check_quantized(cais_verify_ctx *v, const cais_verify_weight *vw) {
  const cais_chain *c = vw->chain;
  check_pruned_and_order(v, vw);
  bool is_fp8 = c->joint == CAIS_JOINT_FP8_E4M3FN || c->joint == CAIS_JOINT_FP8_E5M2;
  cais_fp8_format fmt = c->joint == CAIS_JOINT_FP8_E5M2 ? CAIS_FP8_E5M2 : CAIS_FP8_E4M3FN;
  double want_off1 = c->joint == CAIS_JOINT_UINT8 ? 127.0 : 0.0;
  if (c->offset1_value != want_off1)
    cais_verify_violation(v, vw->name, "offset1 is %g, expected %g", c->offset1_value,
                          want_off1);
  if (c->offset2_value != 0.0)
    cais_verify_violation(v, vw->name, "offset2 is %g, expected 0", c->offset2_value);

  double a = 0.0;
  for (int64_t i = 0; i < c->numel; i++)
    if (cais_chain_mask_bit(c, i)) {
      double w = fabs(cais_vw_w(vw, i));
      if (w > a) a = w;
    }
  double d = is_fp8 ? 2.0 * cais_fp8_max_finite(fmt) : 254.0;
  uint32_t want_bits = cais_double_to_float_bits((2.0 * a + 1e-6) / d, c->ftype);
  if (c->nnz > 0 && c->scale_bits != want_bits)
    cais_verify_violation(v, vw->name,
                          "scale is %.9g, expected %.9g = RNE_%s((2 * %.9g + 1e-6) / %g)",
                          c->scale_value,
                          cais_float_bits_to_double(want_bits, c->ftype),
                          cais_float_type_name(c->ftype), a, d);
  double s = c->scale_value;
  if (!(s > 0.0) || !isfinite(s)) {
    cais_verify_violation(v, vw->name,
                          "scale is %g (stored as %s): not a positive finite number, "
                          "the weight decodes to %s",
                          s, cais_float_type_name(c->ftype),
                          s == 0.0 ? "all zeros" : "non-finite values");
    return;
  }

  int64_t out_of_range = 0, oor_first = -1, far = 0, far_first = -1, j = 0;
  double oor_q = 0, far_q = 0, far_t = 0, far_w = 0;
  for (int64_t i = 0; i < c->numel; i++) {
    if (!cais_chain_mask_bit(c, i)) continue;
    double q = cais_const_double(&c->values, j++);
    bool in_range;
    if (is_fp8)
      in_range = isfinite(q);
    else if (c->joint == CAIS_JOINT_INT8)
      in_range = q >= -127.0 && q <= 127.0;
    else
      in_range = q >= 0.0 && q <= 254.0;
    if (!in_range) {
      if (out_of_range++ == 0) {
        oor_first = i;
        oor_q = q;
      }
      continue;
    }
    double w = cais_vw_w(vw, i);
    double t = (w - c->offset2_value) / s + c->offset1_value;
    double half =
        is_fp8 ? fp8_half_ulp(fmax(fabs(q), fabs(t)), fmt) : 0.5;
    if (fabs(q - t) > half * (1.0 + 1e-9) && far++ == 0) {
      far_first = i;
      far_q = q;
      far_t = t;
      far_w = w;
    }
  }
  if (out_of_range)
    cais_verify_violation(v, vw->name,
                          "%lld quantized value(s) out of range (first at flat index "
                          "%lld: %g)",
                          (long long)out_of_range, (long long)oor_first, oor_q);
  if (far)
    cais_verify_violation(
        v, vw->name,
        "%lld quantized value(s) more than half a step from the original (first at "
        "flat index %lld: w = %.9g, q = %g decodes to %.9g; w / scale + offset1 = %.9g)",
        (long long)far, (long long)far_first, far_w, far_q,
        (far_q - c->offset1_value) * s + c->offset2_value, far_t);
}

typedef struct lut_group {
  double value;
  int index; /* lowest index holding this value */
} lut_group;

static int cmp_group(const void *a, const void *b) {
  const lut_group *x = a, *y = b;
  if (x->value != y->value) return x->value < y->value ? -1 : 1;
  return x->index - y->index;
}

static void check_palettized(cais_verify_ctx *v, const cais_verify_weight *vw) {
  const cais_chain *c = vw->chain;
  int entries = c->lut_entries;
  for (int e = 0; e < entries; e++)
    if (!isfinite(c->lut_values[e])) {
      cais_verify_violation(v, vw->name, "LUT entry %d is %g, not finite", e,
                            c->lut_values[e]);
      return;
    }
  /* Distinct LUT values, ascending, each with its lowest index. */
  lut_group g[256];
  for (int e = 0; e < entries; e++) g[e] = (lut_group){c->lut_values[e], e};
  qsort(g, (size_t)entries, sizeof *g, cmp_group);
  int groups = 0;
  for (int e = 0; e < entries; e++)
    if (groups == 0 || g[groups - 1].value != g[e].value) g[groups++] = g[e];

  int64_t bad = 0, first = -1, j = 0;
  int bad_idx = 0, bad_want = 0;
  double bad_w = 0;
  for (int64_t i = 0; i < c->numel; i++) {
    if (!cais_chain_mask_bit(c, i)) continue;
    int idx = (int)cais_chain_code(c, j++);
    double w = cais_vw_w(vw, i);
    /* First group with value >= w; the nearest is it or the one before. */
    int lo = 0, hi = groups;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (g[mid].value < w)
        lo = mid + 1;
      else
        hi = mid;
    }
    int want = -1;
    double best = INFINITY;
    for (int k = lo - 1; k <= lo; k++) {
      if (k < 0 || k >= groups) continue;
      double dist = fabs(w - g[k].value);
      if (dist < best || (dist == best && g[k].index < want)) {
        best = dist;
        want = g[k].index;
      }
    }
    if (idx != want && bad++ == 0) {
      first = i;
      bad_idx = idx;
      bad_want = want;
      bad_w = w;
    }
  }
  if (bad)
    cais_verify_violation(
        v, vw->name,
        "%lld value(s) not mapped to their nearest LUT entry, lowest index on a tie "
        "(first at flat index %lld: w = %.9g has index %d (%.9g), nearest is index "
        "%d (%.9g))",
        (long long)bad, (long long)first, bad_w, bad_idx, c->lut_values[bad_idx],
        bad_want, c->lut_values[bad_want]);
}

void cais_verify_chain_values(cais_verify_ctx *v, const cais_verify_weight *vw) {
  check_kind(v, vw);
  switch (vw->chain->kind) {
    case CAIS_CHAIN_SPARSE: check_sparse(v, vw); break;
    case CAIS_CHAIN_QUANTIZED: check_quantized(v, vw); break;
    case CAIS_CHAIN_PALETTIZED: check_palettized(v, vw); break;
  }
}
