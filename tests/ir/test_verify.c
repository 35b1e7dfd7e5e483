/* test_verify.c -- cais_verify_programs: the spec examples verify clean,
 * and every kind of tampering is caught.
 *
 * Besides the spec examples (edited by string replacement), the suite
 * builds tiny programs in text: a 4x8 f32 weight read by coreai.gather_nd
 * (output axis 0, input axis 1), and its compressed forms with the chain
 * constants written as dense<...> lists, from a mask and joint mode the
 * test computes itself. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/float_formats.h"
#include "test_verify_support.h"

/* ---- spec examples ------------------------------------------------------ */

typedef enum { EX_SPARSE, EX_INT8, EX_PAL2 } example_kind;

static const char *example_file(example_kind k) {
  switch (k) {
    case EX_INT8: return "linear_f16.sparse50-int8.mlir";
    case EX_PAL2: return "linear_f16.sparse50-pal2.mlir";
    case EX_SPARSE: break;
  }
  return "linear_f16.sparse50.mlir";
}

static void example_options(example_kind k, cais_options *o) {
  cais_options_init(o);
  o->weight_num_threshold = 0;
  o->target_sparsity = 0.5;
  if (k == EX_INT8) o->quantize_dtype = CAIS_QUANTIZE_INT8;
  if (k == EX_PAL2) o->palettize_nbits = 2;
}

/* Verifies linear_f16.mlir against example `k` with up to two edits
 * (from/to pairs, NULL to skip) applied to the compressed text.  Returns
 * the violations; *output receives the printed text. */
static size_t verify_example(example_kind k, const cais_options *options,
                             const char *from1, const char *to1, const char *from2,
                             const char *to2, char **output) {
  char *orig = tv_read_example("linear_f16.mlir");
  char *comp = tv_read_example(example_file(k));
  assert_non_null(orig);
  assert_non_null(comp);
  if (from1) {
    char *e = tv_replace(comp, from1, to1);
    assert_non_null(e);
    free(comp);
    comp = e;
  }
  if (from2) {
    char *e = tv_replace(comp, from2, to2);
    assert_non_null(e);
    free(comp);
    comp = e;
  }
  cais_options local;
  if (!options) {
    example_options(k, &local);
    options = &local;
  }
  cais_verify_summary s;
  assert_int_equal(tv_verify(orig, comp, options, &s, output), CAIS_OK);
  free(orig);
  free(comp);
  return s.violations;
}

static void expect_violation_(size_t violations, char *output, const char *needle) {
  if (violations == 0 || !strstr(output, needle))
    fprintf(stderr, "expected a violation mentioning \"%s\", got:\n%s", needle, output);
  assert_true(violations > 0);
  assert_non_null(strstr(output, needle));
  free(output);
}

/* The checks read `output` only after `call` has run (a function taking
 * both as arguments could read the pointer before the call fills it). */
#define expect_violation(call, output, needle)   \
  do {                                           \
    size_t v_ = (call);                          \
    expect_violation_(v_, output, needle);       \
  } while (0)
#define expect_clean(call, output) \
  do {                             \
    size_t v_ = (call);            \
    expect_clean_(v_, output);     \
  } while (0)

static void test_examples_verify_clean(void **state) {
  (void)state;
  for (int k = EX_SPARSE; k <= EX_PAL2; k++) {
    char *out = NULL;
    size_t v = verify_example((example_kind)k, NULL, NULL, NULL, NULL, NULL, &out);
    if (v) fprintf(stderr, "%s:\n%s", example_file((example_kind)k), out);
    assert_int_equal(v, 0);
    assert_non_null(strstr(out, "linear.weight"));
    assert_non_null(strstr(out, "summary: 1 weight(s): 1 compressed, 0 unchanged; 0 violation(s)"));
    free(out);
  }
}

static void test_example_summary_fields(void **state) {
  (void)state;
  char *orig = tv_read_example("linear_f16.mlir");
  char *comp = tv_read_example("linear_f16.sparse50-int8.mlir");
  cais_options o;
  example_options(EX_INT8, &o);
  cais_verify_summary s;
  assert_int_equal(tv_verify(orig, comp, &o, &s, NULL), CAIS_OK);
  assert_int_equal(s.weights, 1);
  assert_int_equal(s.chains, 1);
  assert_int_equal(s.unchanged, 0);
  assert_int_equal(s.violations, 0);
  /* Half the elements pruned: the relative error is around 1/sqrt(2)... of
   * the pruned energy; anything in (0, 1) will do. */
  assert_true(s.worst_relative_error > 0.0 && s.worst_relative_error < 1.0);
  free(orig);
  free(comp);
}

static void test_wrong_options_kind(void **state) {
  (void)state;
  cais_options o;
  example_options(EX_INT8, &o);
  char *out = NULL;
  size_t v = verify_example(EX_SPARSE, &o, NULL, NULL, NULL, NULL, &out);
  expect_violation(v, out, "a sparse chain, but the options ask for int8");
}

static void test_wrong_options_sparsity(void **state) {
  (void)state;
  cais_options o;
  example_options(EX_SPARSE, &o);
  o.target_sparsity = 0.4;
  char *out = NULL;
  size_t v = verify_example(EX_SPARSE, &o, NULL, NULL, NULL, NULL, &out);
  expect_violation(v, out, "64 element(s) have mask 0, expected 51 = max(floor(128 * 0.4) = 51, 0 zeros");
}

static void test_flipped_mask_bit(void **state) {
  (void)state;
  char *out = NULL;
  size_t v = verify_example(EX_SPARSE, NULL, "0x040000004E26", "0x040000004F26", NULL, NULL, &out);
  expect_violation(v, out, "violation: linear.weight: malformed op chain: the mask has 65 bits set");
}

static void test_changed_kept_value(void **state) {
  (void)state;
  char *out = NULL;
  size_t v = verify_example(EX_SPARSE, NULL, "linear_weight_vals: \"0x040000000030",
                            "linear_weight_vals: \"0x040000000130", NULL, NULL, &out);
  expect_violation(v, out, "1 kept value(s) differ from the original (first at flat index");
}

static void test_wrong_lut_index(void **state) {
  (void)state;
  char *out = NULL;
  /* 0xE6 -> 0xE5: the first index goes from 2 to 1. */
  size_t v = verify_example(EX_PAL2, NULL, "linear_weight_idx: \"0x04000000E6",
                            "linear_weight_idx: \"0x04000000E5", NULL, NULL, &out);
  expect_violation(v, out, "not mapped to their nearest LUT entry");
}

static void test_changed_quantized_code(void **state) {
  (void)state;
  char *out = NULL;
  /* q 0x2C (44) -> 0x2E (46): a whole step and more away. */
  size_t v = verify_example(EX_INT8, NULL, "linear_weight_q: \"0x040000002C",
                            "linear_weight_q: \"0x040000002E", NULL, NULL, &out);
  expect_violation(v, out, "1 quantized value(s) more than half a step from the original");
}

static void test_wrong_scale(void **state) {
  (void)state;
  char *out = NULL;
  size_t v = verify_example(EX_INT8, NULL, "dense<2.843860e-03>", "dense<2.853860e-03>", NULL,
                            NULL, &out);
  expect_violation(v, out, "scale is");
}

static void test_wrong_offset1(void **state) {
  (void)state;
  char *out = NULL;
  size_t v = verify_example(EX_INT8, NULL, "dense<0> : tensor<1x1xsi8>",
                            "dense<1> : tensor<1x1xsi8>", NULL, NULL, &out);
  expect_violation(v, out, "offset1 is 1, expected 0");
}

static void test_missing_blob(void **state) {
  (void)state;
  char *out = NULL;
  size_t v = verify_example(EX_SPARSE, NULL,
                            "linear_weight_mask: \"0x040000004E2687AC0FD13F8F3C8207D2756D1C2B\",",
                            "", NULL, NULL, &out);
  expect_violation(v, out, "malformed op chain: mask constant: dense_resource<linear_weight_mask> has no data");
}

static void test_truncated_blob(void **state) {
  (void)state;
  char *out = NULL;
  size_t v = verify_example(EX_PAL2, NULL, "A6A655\"", "A6\"", NULL, NULL, &out);
  expect_violation(v, out, "indices constant: dense_resource<linear_weight_idx> holds 14 bytes but tensor<64xui2> needs 16");
}

static void test_location_differs(void **state) {
  (void)state;
  char *out = NULL;
  size_t v = verify_example(EX_SPARSE, NULL, "#loc4 = loc(\"linear.weight\")",
                            "#loc4 = loc(\"other.weight\")", NULL, NULL, &out);
  expect_violation(v, out, "location differs");
}

static void test_original_with_missing_blob_is_an_error(void **state) {
  (void)state;
  char *orig = tv_read_example("linear_f16.mlir");
  char *broken = tv_replace(orig, "linear_weight: \"0x", "other_weight: \"0x");
  char *comp = tv_read_example("linear_f16.sparse50.mlir");
  cais_options o;
  example_options(EX_SPARSE, &o);
  cais_program *a = tv_parse(broken, "original.mlir");
  cais_program *b = tv_parse(comp, "compressed.mlir");
  assert_non_null(a);
  assert_non_null(b);
  cais_verify_summary s;
  cais_error err;
  assert_int_equal(cais_verify_programs(a, b, &o, NULL, &s, &err), CAIS_ERROR_INVALID_INPUT);
  assert_non_null(strstr(err.message, "linear.weight"));
  cais_program_destroy(a);
  cais_program_destroy(b);
  free(orig);
  free(broken);
  free(comp);
}

static void test_invalid_options(void **state) {
  (void)state;
  char *orig = tv_read_example("linear_f16.mlir");
  cais_program *a = tv_parse(orig, "original.mlir");
  cais_options o;
  cais_options_init(&o);
  o.block_size = 1;
  cais_verify_summary s;
  cais_error err;
  assert_int_equal(cais_verify_programs(a, a, &o, NULL, &s, &err), CAIS_ERROR_INVALID_OPTIONS);
  assert_non_null(strstr(err.message, "`block_size` must be greater than 1"));
  cais_program_destroy(a);
  free(orig);
}

/* ---- tiny programs ------------------------------------------------------ */

#define ROWS 4
#define COLS 8
#define NUMEL (ROWS * COLS)

/* Distinct magnitudes 0.25 .. 8, mixed signs. */
static void tiny_weight(float w[NUMEL]) {
  for (int i = 0; i < NUMEL; i++) {
    float mag = (float)((i * 13) % NUMEL + 1) / 4.0f;
    w[i] = i % 3 == 0 ? -mag : mag;
  }
}

/* `x` as an MLIR float literal: %.9g plus ".0" when that looks like an
 * integer (MLIR rejects integers among float elements). */
static const char *flt(double x, char buf[40]) {
  snprintf(buf, 40, "%.9g", x);
  if (!strpbrk(buf, ".eninf")) strcat(buf, ".0");
  return buf;
}

static void print_f32_matrix(tv_buf *b, const float *w) {
  tv_printf(b, "[");
  for (int r = 0; r < ROWS; r++) {
    tv_printf(b, r ? ", [" : "[");
    for (int c = 0; c < COLS; c++) {
      char f[40];
      tv_printf(b, c ? ", %s" : "%s", flt((double)w[r * COLS + c], f));
    }
    tv_printf(b, "]");
  }
  tv_printf(b, "]");
}

static const char *kHead =
    "module {\n"
    "  \"coreai.graph\"() <{sym_name = \"main\"}> ({\n"
    "  ^bb0(%i: tensor<2x1xsi32>):\n";
static const char *kTail =
    "    %r = \"coreai.gather_nd\"(%w, %i) : (tensor<4x8xf32>, tensor<2x1xsi32>) -> tensor<2x8xf32>\n"
    "    \"coreai.output\"(%r) : (tensor<2x8xf32>) -> ()\n"
    "  }) : () -> ()\n"
    "}\n";

static char *tiny_original(const float w[NUMEL]) {
  tv_buf b = {0};
  tv_printf(&b, "%s", kHead);
  tv_printf(&b, "    %%w = \"coreai.constant\"() <{value = dense<");
  print_f32_matrix(&b, w);
  tv_printf(&b, "> : tensor<4x8xf32>}> : () -> tensor<4x8xf32> loc(\"tiny.weight\")\n%s", kTail);
  return b.data;
}

/* J_UINT8_UP: upstream's uint8 chain, which dequantizes the dense tensor. */
typedef enum { J_NONE, J_INT8, J_UINT8, J_UINT8_UP, J_FP8, J_PAL2 } tiny_joint;

/* The LUT of the palettized tiny chains: ascending, with a tie at 4.0
 * between entries 2 and 3. */
static const float kLut[4] = {-6.0f, -2.0f, 2.0f, 6.0f};

static int nearest_lut(float x) {
  int best = 0;
  for (int e = 1; e < 4; e++)
    if (fabsf(x - kLut[e]) < fabsf(x - kLut[best])) best = e;
  return best;
}

/* The compressed program for weight `w`, mask `mask` and joint mode; the
 * values follow the spec unless `code_delta` shifts the code of kept value
 * number `tamper_at` (-1: none). */
static char *tiny_chain(const float w[NUMEL], const int mask[NUMEL], tiny_joint joint,
                        int tamper_at, int code_delta) {
  int nnz = 0;
  double a = 0.0;
  for (int i = 0; i < NUMEL; i++)
    if (mask[i]) {
      nnz++;
      if (fabs((double)w[i]) > a) a = fabs((double)w[i]);
    }
  double d = joint == J_FP8 ? 2.0 * 448.0 : 254.0;
  double scale = cais_f32_bits_to_double(cais_double_to_f32_bits((2.0 * a + 1e-6) / d));
  const char *qtype = joint == J_INT8                        ? "si8"
                      : joint == J_UINT8 || joint == J_UINT8_UP ? "ui8"
                                                                : "f8E4M3FN";

  tv_buf b = {0};
  tv_printf(&b, "%s", kHead);
  tv_printf(&b, "    %%m = \"coreai.constant\"() <{value = dense<[");
  for (int r = 0; r < ROWS; r++) {
    tv_printf(&b, r ? ", [" : "[");
    for (int c = 0; c < COLS; c++) tv_printf(&b, c ? ", %d" : "%d", mask[r * COLS + c]);
    tv_printf(&b, "]");
  }
  tv_printf(&b, "]> : tensor<4x8xui1>}> : () -> tensor<4x8xui1> loc(\"tiny.weight\")\n");

  /* values */
  const char *vtype = joint == J_NONE || joint == J_PAL2 ? "f32"
                      : joint == J_PAL2                  ? "f32"
                                                         : qtype;
  if (joint == J_PAL2)
    tv_printf(&b, "    %%x = \"coreai.constant\"() <{value = dense<[");
  else
    tv_printf(&b, "    %%v = \"coreai.constant\"() <{value = dense<[");
  int k = 0;
  for (int i = 0; i < NUMEL; i++) {
    if (!mask[i]) continue;
    int delta = k == tamper_at ? code_delta : 0;
    const char *sep = k++ ? ", " : "";
    double x = w[i];
    char f[40];
    switch (joint) {
      case J_NONE: tv_printf(&b, "%s%s", sep, flt(x + delta, f)); break;
      case J_INT8: tv_printf(&b, "%s%d", sep, (int)nearbyint(x / scale) + delta); break;
      case J_UINT8:
      case J_UINT8_UP:
        tv_printf(&b, "%s%d", sep, (int)nearbyint(x / scale) + 127 + delta);
        break;
      case J_FP8: {
        uint8_t q = (uint8_t)(cais_double_to_fp8(x / scale, CAIS_FP8_E4M3FN) + delta);
        tv_printf(&b, "%s%s", sep, flt(cais_fp8_to_double(q, CAIS_FP8_E4M3FN), f));
        break;
      }
      case J_PAL2: tv_printf(&b, "%s%d", sep, (nearest_lut((float)x) + delta) & 3); break;
    }
  }
  if (joint == J_PAL2) {
    tv_printf(&b, "]> : tensor<%dxui2>}> : () -> tensor<%dxui2> loc(\"tiny.weight\")\n", nnz, nnz);
    tv_printf(&b,
              "    %%l = \"coreai.constant\"() <{value = dense<[[[%.1f], [%.1f], [%.1f], [%.1f]]]> "
              ": tensor<1x4x1xf32>}> : () -> tensor<1x4x1xf32> loc(\"tiny.weight\")\n",
              (double)kLut[0], (double)kLut[1], (double)kLut[2], (double)kLut[3]);
    tv_printf(&b, "    %%a = \"coreai.constant\"() <{value = dense<0> : tensor<si16>}> : () -> "
                  "tensor<si16> loc(\"tiny.weight\")\n");
    tv_printf(&b,
              "    %%v = \"coreai.lut_to_dense\"(%%x, %%l, %%a) : (tensor<%dxui2>, "
              "tensor<1x4x1xf32>, tensor<si16>) -> tensor<%dxf32> loc(\"tiny.weight\")\n",
              nnz, nnz);
  } else {
    tv_printf(&b, "]> : tensor<%dx%s>}> : () -> tensor<%dx%s> loc(\"tiny.weight\")\n", nnz,
              vtype, nnz, vtype);
  }
  if (nnz == 0) {
    /* dense<[]> does not parse for a 0-element tensor: use dense<>. */
    char from[64];
    snprintf(from, sizeof from, "dense<[]> : tensor<0x%s>", vtype);
    char to[64];
    snprintf(to, sizeof to, "dense<> : tensor<0x%s>", vtype);
    char *fixed = tv_replace(b.data, from, to);
    if (fixed) {
      free(b.data);
      b.data = fixed;
      b.len = strlen(fixed);
      b.cap = b.len + 1;
    }
  }
  /* Quantized: the uint8 chain dequantizes the values before the sparse
   * tensor (spec section 5), with [1]-shaped splats; int8, fp8 and
   * upstream's uint8 (J_UINT8_UP) dequantize the dense tensor with
   * [1, 1] splats. */
  bool quant = joint == J_INT8 || joint == J_UINT8 || joint == J_UINT8_UP || joint == J_FP8;
  bool values_first = joint == J_UINT8;
  const char *ps = values_first ? "1" : "1x1"; /* splat shape */
  if (quant) {
    tv_printf(&b,
              "    %%sc = \"coreai.constant\"() <{value = dense<%.9e> : tensor<%sxf32>}> : () -> "
              "tensor<%sxf32> loc(\"tiny.weight\")\n",
              scale, ps, ps);
    tv_printf(&b,
              "    %%o1 = \"coreai.constant\"() <{value = dense<%s> : tensor<%sx%s>}> : () -> "
              "tensor<%sx%s> loc(\"tiny.weight\")\n",
              joint == J_UINT8 || joint == J_UINT8_UP ? "127" : joint == J_FP8 ? "0.0" : "0",
              ps, qtype, ps, qtype);
    tv_printf(&b,
              "    %%o2 = \"coreai.constant\"() <{value = dense<0.0> : tensor<%sxf32>}> : () -> "
              "tensor<%sxf32> loc(\"tiny.weight\")\n",
              ps, ps);
  }
  if (values_first) {
    tv_printf(&b,
              "    %%vf = \"coreai.blockwise_shift_scale\"(%%v, %%sc, %%o1, %%o2) : "
              "(tensor<%dxui8>, tensor<1xf32>, tensor<1xui8>, tensor<1xf32>) -> "
              "tensor<%dxf32> loc(\"tiny.weight\")\n",
              nnz, nnz);
  }
  const char *selem = quant && !values_first ? vtype : "f32";
  char stype[160];
  snprintf(stype, sizeof stype,
           "tensor<4x8x%s, #coreai.sparse_tensor_encoding<bitmask, numNonZero = %d, "
           "posWidth = 1, crdWidth = 1>>",
           selem, nnz);
  tv_printf(&b,
            "    %%s = \"coreai.build_sparse_with_bitmask\"(%%%s, %%m) : (tensor<%dx%s>, "
            "tensor<4x8xui1>) -> %s loc(\"tiny.weight\")\n",
            values_first ? "vf" : "v", nnz, selem, stype);
  tv_printf(&b,
            "    %%%s = \"coreai.sparse_with_bitmask_to_dense\"(%%s) : "
            "(%s) -> tensor<4x8x%s> loc(\"tiny.weight\")\n",
            quant && !values_first ? "dq" : "w", stype, selem);
  if (quant && !values_first) {
    tv_printf(&b,
              "    %%w = \"coreai.blockwise_shift_scale\"(%%dq, %%sc, %%o1, %%o2) : "
              "(tensor<4x8x%s>, tensor<1x1xf32>, tensor<1x1x%s>, tensor<1x1xf32>) -> "
              "tensor<4x8xf32> loc(\"tiny.weight\")\n",
              qtype, qtype);
  }
  tv_printf(&b, "%s", kTail);
  return b.data;
}

/* Reference masks. */
static int cmp_mag_index(const float *w, int x, int y) {
  float a = fabsf(w[x]), b = fabsf(w[y]);
  if (a != b) return a < b ? -1 : 1;
  return x - y;
}

static void magnitude_mask(const float w[NUMEL], int n, int mask[NUMEL]) {
  int order[NUMEL];
  for (int i = 0; i < NUMEL; i++) order[i] = i;
  for (int i = 1; i < NUMEL; i++)
    for (int j = i; j > 0 && cmp_mag_index(w, order[j - 1], order[j]) > 0; j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (int i = 0; i < NUMEL; i++) mask[i] = w[i] != 0.0f;
  for (int k = 0; k < n; k++) mask[order[k]] = 0;
}

/* 2:4 along the columns of each row. */
static void nm_mask(const float w[NUMEL], int mask[NUMEL]) {
  for (int i = 0; i < NUMEL; i++) mask[i] = w[i] != 0.0f;
  for (int r = 0; r < ROWS; r++)
    for (int s = 0; s < COLS; s += 4) {
      int idx[4] = {r * COLS + s, r * COLS + s + 1, r * COLS + s + 2, r * COLS + s + 3};
      for (int i = 1; i < 4; i++)
        for (int j = i; j > 0 && cmp_mag_index(w, idx[j - 1], idx[j]) > 0; j--) {
          int t = idx[j];
          idx[j] = idx[j - 1];
          idx[j - 1] = t;
        }
      mask[idx[0]] = mask[idx[1]] = 0;
    }
}

/* Blocks of 2 rows per column, pruned in ascending score until >= 16. */
static void block_mask(const float w[NUMEL], int mask[NUMEL]) {
  double score[16];
  int blocks[16];
  for (int blk = 0; blk < 16; blk++) {
    int r0 = (blk / COLS) * 2, c = blk % COLS;
    double a = w[r0 * COLS + c], b = w[(r0 + 1) * COLS + c];
    score[blk] = a * a + b * b;
    blocks[blk] = blk;
  }
  for (int i = 1; i < 16; i++)
    for (int j = i; j > 0 && (score[blocks[j - 1]] > score[blocks[j]] ||
                              (score[blocks[j - 1]] == score[blocks[j]] &&
                               blocks[j - 1] > blocks[j]));
         j--) {
      int t = blocks[j];
      blocks[j] = blocks[j - 1];
      blocks[j - 1] = t;
    }
  for (int i = 0; i < NUMEL; i++) mask[i] = w[i] != 0.0f;
  for (int k = 0; k < 8; k++) {
    int blk = blocks[k], r0 = (blk / COLS) * 2, c = blk % COLS;
    mask[r0 * COLS + c] = mask[(r0 + 1) * COLS + c] = 0;
  }
}

static void tiny_options(cais_options *o) {
  cais_options_init(o);
  o->weight_num_threshold = 0;
}

/* Verifies the tiny original against a compressed text; frees `comp`. */
static size_t tiny_verify(const float w[NUMEL], char *comp, const cais_options *o,
                          char **output) {
  char *orig = tiny_original(w);
  cais_verify_summary s;
  assert_int_equal(tv_verify(orig, comp, o, &s, output), CAIS_OK);
  free(orig);
  free(comp);
  return s.violations;
}

static void expect_clean_(size_t violations, char *output) {
  if (violations) fprintf(stderr, "expected no violation, got:\n%s", output);
  assert_int_equal(violations, 0);
  free(output);
}

static void test_tiny_magnitude(void **state) {
  (void)state;
  float w[NUMEL];
  int mask[NUMEL];
  tiny_weight(w);
  magnitude_mask(w, 16, mask);
  cais_options o;
  tiny_options(&o);
  char *out = NULL;
  expect_clean(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out);

  /* One pruned element too few. */
  int more[NUMEL];
  memcpy(more, mask, sizeof more);
  for (int i = 0; i < NUMEL; i++)
    if (!more[i] && fabsf(w[i]) == 4.0f) more[i] = 1; /* the 16th smallest */
  expect_violation(tiny_verify(w, tiny_chain(w, more, J_NONE, -1, 0), &o, &out), out,
                   "15 element(s) have mask 0, expected 16");

  /* Same count, wrong order: keep the smallest, prune the largest. */
  int swapped[NUMEL];
  memcpy(swapped, mask, sizeof swapped);
  for (int i = 0; i < NUMEL; i++) {
    if (fabsf(w[i]) == 0.25f) swapped[i] = 1;
    if (fabsf(w[i]) == 8.0f) swapped[i] = 0;
  }
  expect_violation(tiny_verify(w, tiny_chain(w, swapped, J_NONE, -1, 0), &o, &out), out,
                   "magnitude order broken");
}

static void test_tiny_magnitude_ties(void **state) {
  (void)state;
  float w[NUMEL];
  int mask[NUMEL];
  tiny_weight(w);
  /* Give the 17th smallest the 16th smallest's magnitude: a tie at the
   * threshold, which the lower flat index must lose. */
  int i16 = -1, i17 = -1;
  for (int i = 0; i < NUMEL; i++) {
    if (fabsf(w[i]) == 4.0f) i16 = i;
    if (fabsf(w[i]) == 4.25f) i17 = i;
  }
  w[i17] = w[i17] < 0 ? -4.0f : 4.0f;
  magnitude_mask(w, 16, mask);
  cais_options o;
  tiny_options(&o);
  char *out = NULL;
  expect_clean(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out);
  int lo = i16 < i17 ? i16 : i17, hi = i16 < i17 ? i17 : i16;
  assert_int_equal(mask[lo], 0);
  assert_int_equal(mask[hi], 1);
  mask[lo] = 1;
  mask[hi] = 0;
  expect_violation(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out,
                   "not broken by flat index");
  /* Upstream's percentile rule prunes both tied elements: 17, one more than
   * floor(32 * 0.5), named as such. */
  for (int i = 0; i < NUMEL; i++) mask[i] = fabsf(w[i]) > 4.0f;
  expect_violation(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out,
                   "17 element(s) have mask 0, expected 16 = max(floor(32 * 0.5) = 16, 0 "
                   "zeros of the original); the 1 extra are ties at the threshold |w| = 4, "
                   "all pruned (upstream's percentile rule)");
  /* One more pruned that is no tie (the 18th smallest, 4.5): no such claim. */
  for (int i = 0; i < NUMEL; i++) mask[i] = fabsf(w[i]) > 4.5f;
  char *text = NULL;
  assert_true(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &text) > 0);
  assert_non_null(strstr(text, "18 element(s) have mask 0, expected 16"));
  assert_null(strstr(text, "upstream's percentile rule"));
  free(text);
}

static void test_tiny_zeros(void **state) {
  (void)state;
  float w[NUMEL];
  int mask[NUMEL];
  tiny_weight(w);
  /* 20 zeros: more than n = 16, so only the zeros are pruned. */
  for (int i = 0; i < 20; i++) w[i] = 0.0f;
  magnitude_mask(w, 16, mask);
  cais_options o;
  tiny_options(&o);
  char *out = NULL;
  expect_clean(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out);
  /* A mask bit on an original zero (its value written as 0). */
  mask[3] = 1;
  expect_violation(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out,
                   "the mask is 1 at 1 element(s) where the original is zero");
}

static void test_tiny_all_pruned(void **state) {
  (void)state;
  float w[NUMEL];
  int mask[NUMEL];
  tiny_weight(w);
  magnitude_mask(w, NUMEL, mask);
  cais_options o;
  tiny_options(&o);
  o.target_sparsity = 1.0;
  o.quantize_dtype = CAIS_QUANTIZE_INT8;
  char *out = NULL;
  /* No non-zeros left: the plain sparse chain, with dense<> values. */
  expect_clean(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out);
}

static void test_tiny_nm(void **state) {
  (void)state;
  float w[NUMEL];
  int mask[NUMEL];
  tiny_weight(w);
  nm_mask(w, mask);
  cais_options o;
  tiny_options(&o);
  static const double nm[2] = {2, 4};
  o.target_sparsity_set = false;
  o.n_m_ratio = nm;
  o.n_m_ratio_len = 2;
  char *out = NULL;
  expect_clean(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out);

  /* Move a pruned slot from the first run of row 0 to its second run: the
   * total stays 16, two runs break. */
  int moved[NUMEL];
  memcpy(moved, mask, sizeof moved);
  for (int c = 0; c < 4; c++)
    if (!moved[c]) {
      moved[c] = 1;
      break;
    }
  for (int c = 4; c < 8; c++)
    if (moved[c]) {
      moved[c] = 0;
      break;
    }
  expect_violation(tiny_verify(w, tiny_chain(w, moved, J_NONE, -1, 0), &o, &out), out,
                   "2 run(s) prune the wrong number of elements");

  /* Within a run, prune a larger element instead of a smaller one. */
  int order_broken[NUMEL];
  memcpy(order_broken, mask, sizeof order_broken);
  int smallest_kept = -1, largest_pruned = -1;
  for (int c = 0; c < 4; c++) {
    if (order_broken[c] && (smallest_kept < 0 || fabsf(w[c]) < fabsf(w[smallest_kept])))
      smallest_kept = c;
    if (!order_broken[c] && (largest_pruned < 0 || fabsf(w[c]) > fabsf(w[largest_pruned])))
      largest_pruned = c;
  }
  order_broken[smallest_kept] = 0;
  order_broken[largest_pruned] = 1;
  expect_violation(tiny_verify(w, tiny_chain(w, order_broken, J_NONE, -1, 0), &o, &out), out,
                   "do not prune their lowest |w| first");

  /* The same program checked as 1:4 fails. */
  static const double nm14[2] = {1, 4};
  o.n_m_ratio = nm14;
  expect_violation(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out,
                   "1:4 pattern along axis 1");
}

static void test_tiny_block(void **state) {
  (void)state;
  float w[NUMEL];
  int mask[NUMEL];
  tiny_weight(w);
  block_mask(w, mask);
  cais_options o;
  tiny_options(&o);
  o.block_size = 2;
  char *out = NULL;
  expect_clean(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out);

  /* Half a block pruned. */
  int half[NUMEL];
  memcpy(half, mask, sizeof half);
  for (int c = 0; c < COLS; c++)
    if (!half[c]) { /* a pruned block in rows 0-1 */
      half[c] = 1;
      break;
    }
  expect_violation(tiny_verify(w, tiny_chain(w, half, J_NONE, -1, 0), &o, &out), out,
                   "neither pruned whole nor kept whole");

  /* Swap a pruned block with the highest-score kept block. */
  int swapped[NUMEL];
  memcpy(swapped, mask, sizeof swapped);
  int best = -1;
  double best_score = -1;
  for (int blk = 0; blk < 16; blk++) {
    int r0 = (blk / COLS) * 2, c = blk % COLS;
    double s = (double)w[r0 * COLS + c] * w[r0 * COLS + c] +
               (double)w[(r0 + 1) * COLS + c] * w[(r0 + 1) * COLS + c];
    if (swapped[r0 * COLS + c] && s > best_score) {
      best_score = s;
      best = blk;
    }
  }
  for (int blk = 0; blk < 16; blk++) {
    int r0 = (blk / COLS) * 2, c = blk % COLS;
    if (!swapped[r0 * COLS + c]) {
      swapped[r0 * COLS + c] = swapped[(r0 + 1) * COLS + c] = 1;
      break;
    }
  }
  int r0 = (best / COLS) * 2, c = best % COLS;
  swapped[r0 * COLS + c] = swapped[(r0 + 1) * COLS + c] = 0;
  expect_violation(tiny_verify(w, tiny_chain(w, swapped, J_NONE, -1, 0), &o, &out), out,
                   "scores above a kept one");

  /* Block 4 along 4 output channels: must be skipped, not compressed. */
  o.block_size = 4;
  expect_violation(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out,
                   "should have been skipped: block size 4 is more than half the 4 channels");
  char *orig = tiny_original(w);
  char *orig2 = tiny_original(w);
  cais_verify_summary s;
  assert_int_equal(tv_verify(orig, orig2, &o, &s, &out), CAIS_OK);
  assert_int_equal(s.violations, 0);
  assert_int_equal(s.unchanged, 1);
  assert_non_null(strstr(out, "skipped"));
  free(out);
  free(orig);
  free(orig2);
}

static void test_tiny_quantized(void **state) {
  (void)state;
  float w[NUMEL];
  int mask[NUMEL];
  tiny_weight(w);
  magnitude_mask(w, 16, mask);
  cais_options o;
  tiny_options(&o);
  char *out = NULL;
  const struct {
    tiny_joint joint;
    cais_quantize_dtype dtype;
  } cases[] = {{J_INT8, CAIS_QUANTIZE_INT8},
               {J_UINT8, CAIS_QUANTIZE_UINT8},
               {J_FP8, CAIS_QUANTIZE_FP8_E4M3FN}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    o.quantize_dtype = cases[k].dtype;
    expect_clean(tiny_verify(w, tiny_chain(w, mask, cases[k].joint, -1, 0), &o, &out), out);
    expect_violation(tiny_verify(w, tiny_chain(w, mask, cases[k].joint, 5, 1), &o, &out), out,
                     "more than half a step from the original");
  }
  /* int8 codes out of range. */
  o.quantize_dtype = CAIS_QUANTIZE_INT8;
  int top = -1, top_i = -1; /* the largest kept value, coded -127 or 127 */
  for (int i = 0, k = 0; i < NUMEL; i++)
    if (mask[i]) {
      if (fabsf(w[i]) == 8.0f) {
        top = k;
        top_i = i;
      }
      k++;
    }
  assert_true(top >= 0 && w[top_i] < 0); /* -127 - 1 still parses as si8 */
  expect_violation(tiny_verify(w, tiny_chain(w, mask, J_INT8, top, -1), &o, &out), out,
                   "out of range");

  /* Upstream's uint8 order: the same codes, dequantized after the dense
   * tensor, decode every pruned element to -127 * scale (scale = (2 * 8 +
   * 1e-6) / 254 in f32): a violation naming that value, and an error
   * statistic that counts it. */
  o.quantize_dtype = CAIS_QUANTIZE_UINT8;
  double scale = cais_f32_bits_to_double(cais_double_to_f32_bits((2.0 * 8.0 + 1e-6) / 254.0));
  char want[160];
  snprintf(want, sizeof want, "16 pruned element(s) decode to %.9g, not 0",
           cais_f32_bits_to_double(cais_double_to_f32_bits(-127.0 * scale)));
  cais_verify_summary sum;
  char *orig = tiny_original(w);
  char *up = tiny_chain(w, mask, J_UINT8_UP, -1, 0);
  assert_int_equal(tv_verify(orig, up, &o, &sum, &out), CAIS_OK);
  if (sum.violations != 1 || !strstr(out, want)) fail_msg("expected '%s' in:\n%s", want, out);
  /* The pruned 16 of 32 are each off by about |-127 * scale| = 8: the
   * relative error exceeds 1, against < 0.5 for the same codes in order. */
  assert_true(sum.worst_relative_error > 1.0);
  free(up);
  free(out);
  up = tiny_chain(w, mask, J_UINT8, -1, 0);
  assert_int_equal(tv_verify(orig, up, &o, &sum, &out), CAIS_OK);
  assert_true(sum.worst_relative_error < 0.5);
  free(up);
  free(orig);
  free(out);
}

static void test_tiny_palettized(void **state) {
  (void)state;
  float w[NUMEL];
  int mask[NUMEL];
  tiny_weight(w);
  magnitude_mask(w, 8, mask);
  cais_options o;
  tiny_options(&o);
  o.target_sparsity = 0.25;
  o.palettize_nbits = 2;
  char *out = NULL;
  expect_clean(tiny_verify(w, tiny_chain(w, mask, J_PAL2, -1, 0), &o, &out), out);
  /* |w| = 4 lies half-way between LUT entries 2 and 6: the lower index
   * wins; the higher is a violation. */
  int at = -1;
  for (int i = 0, k = 0; i < NUMEL; i++)
    if (mask[i]) {
      if (w[i] == 4.0f) at = k;
      k++;
    }
  assert_true(at >= 0);
  expect_violation(tiny_verify(w, tiny_chain(w, mask, J_PAL2, at, 1), &o, &out), out,
                   "not mapped to their nearest LUT entry");
  /* A palettize4 request does not accept a palettize2 chain. */
  o.palettize_nbits = 4;
  expect_violation(tiny_verify(w, tiny_chain(w, mask, J_PAL2, -1, 0), &o, &out), out,
                   "a palettize2 chain, but the options ask for palettize4");
}

static void test_tiny_dense_weights(void **state) {
  (void)state;
  float w[NUMEL];
  tiny_weight(w);
  cais_options o;
  tiny_options(&o);
  char *out = NULL;
  /* A candidate left dense for no reason. */
  expect_violation(tiny_verify(w, tiny_original(w), &o, &out), out,
                   "was left dense with no reason to skip it");

  /* Not a candidate (32 elements, threshold 1024): unchanged is fine... */
  cais_options_init(&o);
  expect_clean(tiny_verify(w, tiny_original(w), &o, &out), out);
  /* ... a change is not ... */
  float w2[NUMEL];
  memcpy(w2, w, sizeof w2);
  w2[7] = 100.0f;
  expect_violation(tiny_verify(w, tiny_original(w2), &o, &out), out,
                   "left dense, but its value changed (first difference at flat index 7");
  /* ... and neither is compressing it. */
  int mask[NUMEL];
  magnitude_mask(w, 16, mask);
  expect_violation(tiny_verify(w, tiny_chain(w, mask, J_NONE, -1, 0), &o, &out), out,
                   "compressed, but it is not a candidate");
}

static void test_tiny_non_finite_is_skipped(void **state) {
  (void)state;
  float w[NUMEL];
  tiny_weight(w);
  w[9] = INFINITY;
  /* "inf" does not parse as an MLIR float literal: write the bits. */
  char *orig = tiny_original(w);
  char *fixed = tv_replace(orig, "inf", "0x7F800000");
  assert_non_null(fixed);
  char *orig2 = strdup(fixed);
  cais_options o;
  tiny_options(&o);
  cais_verify_summary s;
  char *out = NULL;
  assert_int_equal(tv_verify(fixed, orig2, &o, &s, &out), CAIS_OK);
  expect_clean(s.violations, out);
  free(orig);
  free(fixed);
  free(orig2);
}

static void test_slot_count_mismatch(void **state) {
  (void)state;
  float w[NUMEL];
  tiny_weight(w);
  char *orig = tiny_original(w);
  /* A second float constant in the compressed program. */
  char *comp = tv_replace(orig, "    %r = ",
                          "    %extra = \"coreai.constant\"() <{value = dense<1.0> : "
                          "tensor<2xf32>}> : () -> tensor<2xf32> loc(\"extra\")\n    %r = ");
  cais_options o;
  cais_options_init(&o);
  cais_verify_summary s;
  char *out = NULL;
  assert_int_equal(tv_verify(orig, comp, &o, &s, &out), CAIS_OK);
  expect_violation(s.violations, out, "the original has 1 float weight(s)");
  free(orig);
  free(comp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_examples_verify_clean),
      cmocka_unit_test(test_example_summary_fields),
      cmocka_unit_test(test_wrong_options_kind),
      cmocka_unit_test(test_wrong_options_sparsity),
      cmocka_unit_test(test_flipped_mask_bit),
      cmocka_unit_test(test_changed_kept_value),
      cmocka_unit_test(test_wrong_lut_index),
      cmocka_unit_test(test_changed_quantized_code),
      cmocka_unit_test(test_wrong_scale),
      cmocka_unit_test(test_wrong_offset1),
      cmocka_unit_test(test_missing_blob),
      cmocka_unit_test(test_truncated_blob),
      cmocka_unit_test(test_location_differs),
      cmocka_unit_test(test_original_with_missing_blob_is_an_error),
      cmocka_unit_test(test_invalid_options),
      cmocka_unit_test(test_tiny_magnitude),
      cmocka_unit_test(test_tiny_magnitude_ties),
      cmocka_unit_test(test_tiny_zeros),
      cmocka_unit_test(test_tiny_all_pruned),
      cmocka_unit_test(test_tiny_nm),
      cmocka_unit_test(test_tiny_block),
      cmocka_unit_test(test_tiny_quantized),
      cmocka_unit_test(test_tiny_palettized),
      cmocka_unit_test(test_tiny_dense_weights),
      cmocka_unit_test(test_tiny_non_finite_is_skipped),
      cmocka_unit_test(test_slot_count_mismatch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
