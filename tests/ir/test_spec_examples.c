/* test_spec_examples.c -- the spec's worked examples, end to end through the
 * library: linear_f16.mlir compressed with weight_num_threshold 0 must give
 * the exact bytes of linear_f16.sparse50.mlir and .sparse50-int8.mlir, and
 * the same chain, mask and indices as .sparse50-pal2.mlir.  The pal2 file's
 * LUT was computed over the distinct values without their counts, which has
 * a larger squared error than the spec's rule (docs/ALGORITHMS.md): there we
 * check that our LUT differs from it exactly in those four entries and that
 * everything else matches.
 *
 * One more difference is deliberate.  The example files give the ops after
 * the weight (transpose, matmul, output) file locations that point into the
 * *compressed* text (line 9 when the sparse chain pushed them down by three
 * lines); spec section 1 says locations the tool did not change are kept, so
 * ours still point at lines 6, 7 and 8 of the input.  The test rewrites
 * those three locations of the expected text to the input's before comparing;
 * every other byte must match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "caisparse.h"
#include "test_support.h"

#define EXAMPLES CAIS_TEST_DATA_DIR "/spec_examples/"

/* Compresses the example with `configure` applied to default options and
 * returns the written text (malloc'd). */
static char *compress_example(void (*configure)(cais_options *)) {
  size_t size;
  char *input = cais_test_read_file(EXAMPLES "linear_f16.mlir", &size);
  assert_non_null(input);
  cais_program *in = NULL, *out = NULL;
  cais_error err;
  /* The source name the expected files were made with. */
  assert_int_equal(cais_program_read_memory(input, size, "linear_f16.mlir", &in, &err),
                   CAIS_OK);
  free(input);
  cais_options opt;
  cais_options_init(&opt);
  opt.weight_num_threshold = 0;
  if (configure) configure(&opt);
  cais_engine_config cfg;
  cais_engine_config_init(&cfg);
  cfg.device = CAIS_DEVICE_CPU;
  cais_engine *engine = NULL;
  assert_int_equal(cais_engine_create(&cfg, &engine, &err), CAIS_OK);
  cais_status st = cais_engine_sparsify(engine, in, &opt, &out, NULL, &err);
  if (st != CAIS_OK) fail_msg("sparsify: %s", err.message);
  char *dir = cais_test_mkdtemp();
  char path[512];
  snprintf(path, sizeof path, "%s/out.mlir", dir);
  assert_int_equal(cais_program_write_file(out, path, CAIS_FORMAT_TEXT, &err), CAIS_OK);
  char *text = cais_test_read_file(path, NULL);
  assert_non_null(text);
  cais_test_rmtree(dir);
  free(dir);
  cais_program_destroy(out);
  cais_program_destroy(in);
  cais_engine_destroy(engine);
  return text;
}

/* Returns `text` (freed) with its first `from` replaced by `to`. */
static char *replace(char *text, const char *from, const char *to) {
  char *at = strstr(text, from);
  if (!at) fail_msg("expected text lacks %s", from);
  size_t head = (size_t)(at - text), nf = strlen(from), nt = strlen(to);
  char *out = malloc(strlen(text) - nf + nt + 1);
  memcpy(out, text, head);
  memcpy(out + head, to, nt);
  strcpy(out + head + nt, at + nf);
  free(text);
  return out;
}

/* The expected file, with the locations of transpose, matmul and output
 * moved back to where they are in the input (lines 6, 7, 8); `first` is the
 * line the example gives the transpose. */
static char *expected_text(const char *file, int first) {
  char *expected = cais_test_read_file(file, NULL);
  assert_non_null(expected);
  const int col[3] = {11, 11, 5};
  for (int i = 0; i < 3; i++) {
    char from[64], to[64];
    snprintf(from, sizeof from, "loc(\"linear_f16.mlir\":%d:%d)", first + i, col[i]);
    snprintf(to, sizeof to, "loc(\"linear_f16.mlir\":%d:%d)", 6 + i, col[i]);
    expected = replace(expected, from, to);
  }
  return expected;
}

static void expect_same_text(const char *got, const char *expected_file, int first) {
  char *expected = expected_text(expected_file, first);
  if (strcmp(got, expected) != 0) {
    size_t i = 0;
    while (got[i] && got[i] == expected[i]) i++;
    fail_msg("output differs from %s at byte %zu:\n--- got ---\n%.200s\n--- expected ---\n%.200s",
             expected_file, i, got + (i > 40 ? i - 40 : 0),
             expected + (i > 40 ? i - 40 : 0));
  }
  free(expected);
}

static void test_sparse50_matches_byte_for_byte(void **state) {
  (void)state;
  char *got = compress_example(NULL);
  expect_same_text(got, EXAMPLES "linear_f16.sparse50.mlir", 9);
  free(got);
}

static void set_int8(cais_options *o) { o->quantize_dtype = CAIS_QUANTIZE_INT8; }

static void test_int8_matches_byte_for_byte(void **state) {
  (void)state;
  char *got = compress_example(set_int8);
  expect_same_text(got, EXAMPLES "linear_f16.sparse50-int8.mlir", 13);
  free(got);
}

static void set_pal2(cais_options *o) { o->palettize_nbits = 2; }

static void test_pal2_matches_except_weighted_lut(void **state) {
  (void)state;
  char *got = compress_example(set_pal2);
  char *expected = expected_text(EXAMPLES "linear_f16.sparse50-pal2.mlir", 12);
  /* The example's LUT: -0.22632, -0.10999, 0.09857, 0.18628 (unweighted
   * means).  Ours: the weighted means -0.22710, -0.10954, 0.09736, 0.18666
   * rounded to f16: B344 03AF 3B2E F931 as little-endian bytes. */
  const char *example_lut = "linear_weight_lut: \"0x040000003EB30AAF4F2EF631\"";
  const char *our_lut = "linear_weight_lut: \"0x0400000044B303AF3B2EF931\"";
  expected = replace(expected, example_lut, our_lut);
  if (strcmp(got, expected) != 0) fail_msg("pal2 output differs beyond the LUT:\n%s", got);
  free(expected);
  free(got);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sparse50_matches_byte_for_byte),
      cmocka_unit_test(test_int8_matches_byte_for_byte),
      cmocka_unit_test(test_pal2_matches_except_weighted_lut),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
