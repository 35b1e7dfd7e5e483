/* test_decode.c -- `cai-sparsify --decode`: every op chain, ours or
 * upstream's, becomes one dense constant holding what the chain computes.
 *
 * The expectations come from outside the decoder: the original weights
 * (spec example linear_f16.mlir, upstream fixture f32_original.mlir), the
 * scale and LUT values as printed in the compressed files, and the spec's
 * rules (a sparse chain keeps values bit-exact; a quantized value lies
 * within half a step; a palettized one is its nearest LUT entry; upstream's
 * uint8 chain decodes every pruned element to (0 - 127) * scale). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "caisparse.h"
#include "common/float_formats.h"
#include "inspect/const_data.h"
#include "read_ir/program.h"
#include "select_weights/op_names.h"
#include "test_support.h"

#define SPEC CAIS_TEST_DATA_DIR "/spec_examples/"
#define UPSTREAM CAIS_TEST_DATA_DIR "/upstream/"

/* A program read back, its op counts and its weight constant (the one
 * float constant of rank 2). */
typedef struct decoded {
  cais_program *program;
  int constants, chain_ops;
  cais_const_data weight;
  bool has_weight;
} decoded;

static MlirWalkResult count_op(MlirOperation op, void *user) {
  decoded *d = user;
  if (cais_op_is(op, CAIS_OP_CONSTANT)) {
    d->constants++;
    cais_const_data c;
    cais_error err;
    if (cais_const_read(op, &c, &err) == CAIS_OK && c.rank == 2 &&
        c.elem.kind == CAIS_ELEM_FLOAT) {
      assert_false(d->has_weight); /* exactly one */
      d->weight = c;
      d->has_weight = true;
    }
  }
  if (cais_op_is(op, CAIS_OP_SPARSE_TO_DENSE) || cais_op_is(op, CAIS_OP_BUILD_SPARSE) ||
      cais_op_is(op, CAIS_OP_LUT_TO_DENSE) || cais_op_is(op, CAIS_OP_SHIFT_SCALE))
    d->chain_ops++;
  return MlirWalkResultAdvance;
}

static void read_program(const char *path, decoded *d) {
  memset(d, 0, sizeof *d);
  cais_error err;
  if (cais_program_read_file(path, &d->program, &err) != CAIS_OK)
    fail_msg("%s: %s", path, err.message);
  mlirOperationWalk(mlirModuleGetOperation(d->program->module), count_op, d,
                    MlirWalkPreOrder);
  assert_true(d->has_weight);
}

/* Runs `cai-sparsify ARGS`; fails unless it exits with `want`. */
#define cli(want, ...) cais_test_cli_expect((want), NULL, __VA_ARGS__)

/* Decodes `in` (text, or bytecode with `emit`) into the scratch dir. */
static void decode_file(const char *in, const char *emit, decoded *d) {
  char out[1024];
  snprintf(out, sizeof out, "%s/decoded.%s", cais_test_dir,
           strcmp(emit, "text") == 0 ? "mlir" : "mlirbc");
  free(cli(0, "--decode '%s' -o '%s' --emit %s", in, out, emit));
  read_program(out, d);
}

static double w(const decoded *d, int64_t i) { return cais_const_double(&d->weight, i); }

/* The sparse spec example decodes to the original where kept (bit-exact)
 * and to +0 elsewhere, half of the 128 elements each. */
static void test_sparse_example_is_the_masked_original(void **state) {
  (void)state;
  decoded orig, dec;
  read_program(SPEC "linear_f16.mlir", &orig);
  decode_file(SPEC "linear_f16.sparse50.mlir", "text", &dec);
  assert_int_equal(dec.chain_ops, 0);
  assert_int_equal(dec.constants, orig.constants);
  assert_int_equal(dec.weight.numel, 128);
  int kept = 0;
  for (int64_t i = 0; i < 128; i++) {
    uint64_t b = cais_const_bits(&dec.weight, i);
    if (b == 0) continue;
    assert_int_equal(b, cais_const_bits(&orig.weight, i));
    kept++;
  }
  assert_int_equal(kept, 64);
  cais_program_destroy(orig.program);
  cais_program_destroy(dec.program);
}

/* int8 example: scale 2.843860e-03 (as printed); each kept element within
 * half a step (plus f16 rounding) of the original, pruned ones exactly 0 --
 * in text and in bytecode alike. */
static void check_int8(const char *emit) {
  decoded orig, dec, sparse;
  read_program(SPEC "linear_f16.mlir", &orig);
  decode_file(SPEC "linear_f16.sparse50.mlir", "text", &sparse);
  cais_program *keep = sparse.program;
  decode_file(SPEC "linear_f16.sparse50-int8.mlir", emit, &dec);
  const double scale = 2.843860e-03;
  for (int64_t i = 0; i < 128; i++) {
    bool kept = cais_const_bits(&sparse.weight, i) != 0;
    double x = w(&orig, i), y = w(&dec, i);
    if (!kept) {
      assert_true(cais_const_bits(&dec.weight, i) == 0);
      continue;
    }
    double tol = scale / 2 * (1 + 1e-3) + ldexp(fabs(x), -11);
    if (fabs(y - x) > tol) fail_msg("element %lld: %.9g decodes to %.9g", (long long)i, x, y);
    /* An integer multiple of the scale, rounded to f16. */
    double q = y / scale;
    assert_true(fabs(q - nearbyint(q)) < 0.01 * fabs(q) + 1e-3);
  }
  assert_int_equal(dec.chain_ops, 0);
  cais_program_destroy(keep);
  cais_program_destroy(orig.program);
  cais_program_destroy(dec.program);
}

static void test_int8_example_text(void **state) {
  (void)state;
  check_int8("text");
}

static void test_int8_example_bytecode(void **state) {
  (void)state;
  check_int8("bytecode");
}

/* Upstream's uint8 (coreai-opt 0.3.0, tests/data/upstream): its dense-first
 * chain decodes every pruned element (those upstream's own sparse output of
 * the same weight, same mask, decodes to 0) to RNE_f32((0 - 127) * scale)
 * with the printed scale 0.00113633904; kept ones lie within half a step
 * of the original; the dead original constant is removed. */
static void test_upstream_uint8_pruned_decode_to_minus_127_scale(void **state) {
  (void)state;
  decoded orig, dec, sparse;
  read_program(UPSTREAM "f32_original.mlir", &orig);
  decode_file(UPSTREAM "f32_sparse.mlir", "text", &sparse);
  cais_program *keep = sparse.program;
  decode_file(UPSTREAM "f32_uint8.mlir", "text", &dec);
  assert_int_equal(dec.chain_ops, 0);
  assert_int_equal(dec.constants, orig.constants); /* leftover gone */
  const float scale = 0.00113633904f;
  const float pruned = -127.0f * scale;
  int at_pruned = 0;
  for (int64_t i = 0; i < dec.weight.numel; i++) {
    double x = w(&orig, i), y = w(&dec, i);
    if (cais_const_bits(&sparse.weight, i) == 0) {
      if (y != (double)pruned)
        fail_msg("pruned element %lld decodes to %.9g, not %.9g", (long long)i, y,
                 (double)pruned);
      at_pruned++;
    } else if (fabs(y - x) > scale / 2 * (1 + 1e-6)) {
      fail_msg("element %lld: %.9g decodes to %.9g", (long long)i, x, y);
    }
  }
  assert_int_equal(at_pruned, 1536);
  cais_program_destroy(keep);
  cais_program_destroy(orig.program);
  cais_program_destroy(dec.program);
}

/* Upstream's 2-bit palette is an inline dense<[...]> LUT: each element
 * decodes to one of its four printed entries, the nearest to the original,
 * or to 0 where pruned. */
static void test_upstream_inline_lut(void **state) {
  (void)state;
  decoded orig, dec;
  read_program(UPSTREAM "f32_original.mlir", &orig);
  decode_file(UPSTREAM "f32_pal2.mlir", "text", &dec);
  const float lut[4] = {0.0882024839f, -0.125368178f, 0.12596181f, -0.0878968686f};
  int zeros = 0;
  for (int64_t i = 0; i < dec.weight.numel; i++) {
    float y = (float)w(&dec, i);
    double x = w(&orig, i);
    if (y == 0.0f) {
      zeros++;
      continue;
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
      if (fabs(x - lut[k]) < fabs(x - lut[best])) best = k;
    if (y != lut[best])
      fail_msg("element %lld: %.9g decodes to %.9g, nearest entry %.9g", (long long)i, x,
               (double)y, (double)lut[best]);
  }
  assert_int_equal(zeros, 1536);
  assert_int_equal(dec.constants, orig.constants);
  cais_program_destroy(orig.program);
  cais_program_destroy(dec.program);
}

/* Our uint8 chain (values first) decodes pruned elements to exactly 0. */
static void test_our_uint8_pruned_are_zero(void **state) {
  (void)state;
  char comp[1024];
  snprintf(comp, sizeof comp, "%s/uint8.mlir", cais_test_dir);
  free(cli(0, "-q --weight-num-threshold 0 --quantize-dtype uint8 '%s' -o '%s'",
           SPEC "linear_f16.mlir", comp));
  decoded orig, dec, sparse;
  read_program(SPEC "linear_f16.mlir", &orig);
  decode_file(SPEC "linear_f16.sparse50.mlir", "text", &sparse);
  cais_program *keep = sparse.program;
  decode_file(comp, "text", &dec);
  int zeros = 0;
  for (int64_t i = 0; i < 128; i++) {
    if (cais_const_bits(&sparse.weight, i) != 0) continue;
    assert_true(w(&dec, i) == 0.0);
    zeros++;
  }
  assert_int_equal(zeros, 64);
  cais_program_destroy(keep);
  cais_program_destroy(orig.program);
  cais_program_destroy(dec.program);
}

/* A program without chains comes out with the same weight. */
static void test_dense_program_unchanged(void **state) {
  (void)state;
  decoded orig, dec;
  read_program(SPEC "linear_f16.mlir", &orig);
  decode_file(SPEC "linear_f16.mlir", "text", &dec);
  for (int64_t i = 0; i < 128; i++)
    assert_int_equal(cais_const_bits(&dec.weight, i), cais_const_bits(&orig.weight, i));
  assert_int_equal(dec.constants, orig.constants);
  cais_program_destroy(orig.program);
  cais_program_destroy(dec.program);
}

static void test_usage_errors(void **state) {
  (void)state;
  free(cli(2, "--decode '%s'", SPEC "linear_f16.mlir"));
  free(cli(2, "--decode -o /dev/null"));
  char *out = cli(1, "--decode '%s/missing.mlir' -o '%s/x.mlir'", cais_test_dir,
                  cais_test_dir);
  assert_non_null(strstr(out, "missing.mlir"));
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sparse_example_is_the_masked_original),
      cmocka_unit_test(test_int8_example_text),
      cmocka_unit_test(test_int8_example_bytecode),
      cmocka_unit_test(test_upstream_uint8_pruned_decode_to_minus_127_scale),
      cmocka_unit_test(test_upstream_inline_lut),
      cmocka_unit_test(test_our_uint8_pruned_are_zero),
      cmocka_unit_test(test_dense_program_unchanged),
      cmocka_unit_test(test_usage_errors),
  };
  return cmocka_run_group_tests(tests, cais_test_dir_setup, cais_test_dir_teardown);
}
