/* test_verify_upstream.c -- `--inspect` and `--verify` on upstream's output
 * (coreai-opt 0.3.0 sparsify_weights, fixtures in tests/data/upstream made by
 * make_fixtures.py): its chains are read, its dead leftover constants are
 * not counted as weights, and its two defects are reported with the weight,
 * the decoded value of the pruned elements and the zero scale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#define UP CAIS_TEST_DATA_DIR "/upstream/"

/* Runs `cai-sparsify ARGS`; fails unless it exits with `want`. */
#define cli(want, ...) cais_test_cli_expect((want), UP, __VA_ARGS__)

static void expect(const char *out, const char *what) {
  if (!strstr(out, what)) fail_msg("expected '%s' in:\n%s", what, out);
}

static void test_inspect_reads_upstream_chains(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"f32_sparse.mlir", " sparse "},   {"f32_int8.mlir", " int8 "},
      {"f32_uint8.mlir", " uint8 "},     {"f16_fp8_e5m2.mlir", " fp8_e5m2 "},
      {"f16_fp8_e4m3fn.mlir", " fp8_e4m3fn "}, {"f32_pal2.mlir", " palettize2 "},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char *out = cli(0, "--inspect %s", cases[k][0]);
    expect(out, cases[k][1]);
    expect(out, "1536/3072");
    /* The dead original is not a weight left dense: it is counted apart. */
    expect(out, "total: 1 compressed weight(s)");
    expect(out, "0 float weight(s) left dense");
    expect(out, "unused: 1 replaced constant(s) left after their op chains");
    free(out);
  }
}

static void test_verify_accepts_upstream_sparse_int8_pal(void **state) {
  (void)state;
  char *out = cli(0, "--verify f32_original.mlir f32_sparse.mlir");
  expect(out, "0 violation(s)");
  expect(out, "keeps 1 replaced constant(s) with no users");
  free(out);
  out = cli(0, "--verify f32_original.mlir f32_int8.mlir --quantize-dtype int8");
  expect(out, "0 violation(s)");
  free(out);
  out = cli(0, "--verify f32_original.mlir f32_pal2.mlir --palettize-nbits 2");
  expect(out, "0 violation(s)");
  free(out);
}

/* Upstream's uint8 decodes the 1536 pruned elements to -127 * scale: the
 * error statistic counts them and the violation names weight and value. */
static void test_verify_upstream_uint8(void **state) {
  (void)state;
  char *out = cli(1, "--verify f32_original.mlir f32_uint8.mlir --quantize-dtype uint8");
  expect(out, "violation: f32_original.mlir:4:10: 1536 pruned element(s) decode to "
              "-0.144315064, not 0");
  expect(out, "offset1 127");
  expect(out, "1.277e+00"); /* relative error, against 3.482e-01 for int8 */
  free(out);
}

/* f16 + fp8_e5m2: upstream's scale is 0, the weight decodes to zeros. */
static void test_verify_upstream_fp8_e5m2_zero_scale(void **state) {
  (void)state;
  char *out = cli(1, "--verify f16_original.mlir f16_fp8_e5m2.mlir --quantize-dtype fp8_e5m2");
  expect(out, "violation: f16_original.mlir:4:10: scale is 0 (stored as f16)");
  expect(out, "decodes to all zeros");
  expect(out, "1.000e+00");
  free(out);
}

/* Options other than the compression's are violations naming the kind. */
static void test_verify_options_must_match(void **state) {
  (void)state;
  char *out = cli(1, "--verify f32_original.mlir f32_int8.mlir");
  expect(out, "a int8 chain, but the options ask for sparse");
  free(out);
  out = cli(1, "--verify f32_original.mlir f32_sparse.mlir --target-sparsity 0.3");
  expect(out, "1536 element(s) have mask 0, expected 921");
  free(out);
  /* A threshold above the weight's size: it should not have been compressed. */
  out = cli(1, "--verify f32_original.mlir f32_sparse.mlir --weight-num-threshold 5000");
  expect(out, "not a candidate");
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inspect_reads_upstream_chains),
      cmocka_unit_test(test_verify_accepts_upstream_sparse_int8_pal),
      cmocka_unit_test(test_verify_upstream_uint8),
      cmocka_unit_test(test_verify_upstream_fp8_e5m2_zero_scale),
      cmocka_unit_test(test_verify_options_must_match),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
