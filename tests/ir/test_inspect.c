/* test_inspect.c -- cais_inspect_program on the spec examples and on broken
 * chains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_verify_support.h"

/* Inspects a spec example (optionally edited) and returns its output. */
static cais_status inspect_example(const char *file, const char *from, const char *to,
                                   char **output, cais_error *err) {
  char *text = tv_read_example(file);
  assert_non_null(text);
  if (from) {
    char *edited = tv_replace(text, from, to);
    assert_non_null(edited);
    free(text);
    text = edited;
  }
  cais_status st = tv_inspect(text, output, err);
  free(text);
  return st;
}

static void test_sparse_example(void **state) {
  (void)state;
  char *out = NULL;
  cais_error err;
  assert_int_equal(inspect_example("linear_f16.sparse50.mlir", NULL, NULL, &out, &err), CAIS_OK);
  assert_non_null(strstr(out, "linear.weight"));
  assert_non_null(strstr(out, " sparse "));
  assert_non_null(strstr(out, "8x16"));
  assert_non_null(strstr(out, "f16"));
  assert_non_null(strstr(out, "64/128"));
  assert_non_null(strstr(out, "0.5000"));
  /* mask 16 bytes + 64 f16 values = 144 bytes, against 256 dense. */
  assert_non_null(strstr(out, " 144 "));
  assert_non_null(strstr(out, "total: 1 compressed weight(s): 256 -> 144 bytes"));
  assert_non_null(strstr(out, "0 float weight(s) left dense"));
  free(out);
}

static void test_int8_example(void **state) {
  (void)state;
  char *out = NULL;
  cais_error err;
  assert_int_equal(inspect_example("linear_f16.sparse50-int8.mlir", NULL, NULL, &out, &err),
                   CAIS_OK);
  assert_non_null(strstr(out, " int8 "));
  assert_non_null(strstr(out, "64/128"));
  /* mask 16 + q 64 + scale 2 + offset1 1 + offset2 2 = 85. */
  assert_non_null(strstr(out, "256 -> 85 bytes"));
  free(out);
}

static void test_pal2_example(void **state) {
  (void)state;
  char *out = NULL;
  cais_error err;
  assert_int_equal(inspect_example("linear_f16.sparse50-pal2.mlir", NULL, NULL, &out, &err),
                   CAIS_OK);
  assert_non_null(strstr(out, " palettize2 "));
  /* mask 16 + indices 16 + lut 8 + axis 2 = 42. */
  assert_non_null(strstr(out, "256 -> 42 bytes"));
  free(out);
}

static void test_uncompressed_program(void **state) {
  (void)state;
  char *out = NULL;
  cais_error err;
  assert_int_equal(inspect_example("linear_f16.mlir", NULL, NULL, &out, &err), CAIS_OK);
  assert_non_null(strstr(out, "total: 0 compressed weight(s)"));
  assert_non_null(strstr(out, "1 float weight(s) left dense (256 bytes)"));
  free(out);
}

static void test_missing_blob_is_an_error(void **state) {
  (void)state;
  cais_error err;
  cais_status st = inspect_example(
      "linear_f16.sparse50.mlir", "linear_weight_mask: \"0x040000004E2687AC0FD13F8F3C8207D2756D1C2B\",",
      "", NULL, &err);
  assert_int_equal(st, CAIS_ERROR_INVALID_INPUT);
  assert_non_null(strstr(err.message, "linear.weight"));
  assert_non_null(strstr(err.message, "mask constant"));
  assert_non_null(strstr(err.message, "missing"));
}

static void test_truncated_blob_is_an_error(void **state) {
  (void)state;
  cais_error err;
  /* Drop the last value (two bytes) of the values blob. */
  cais_status st = inspect_example("linear_f16.sparse50.mlir", "1FAD60AD0EB1\"", "1FAD60AD\"",
                                   NULL, &err);
  assert_int_equal(st, CAIS_ERROR_INVALID_INPUT);
  assert_non_null(strstr(err.message, "linear.weight"));
  assert_non_null(strstr(err.message, "values constant"));
  assert_non_null(strstr(err.message, "holds 126 bytes"));
}

static void test_popcount_mismatch_is_an_error(void **state) {
  (void)state;
  cais_error err;
  /* 0x4E -> 0x4F sets one more mask bit: 65 bits for 64 values. */
  cais_status st = inspect_example("linear_f16.sparse50.mlir", "0x040000004E26", "0x040000004F26",
                                   NULL, &err);
  assert_int_equal(st, CAIS_ERROR_INVALID_INPUT);
  assert_non_null(strstr(err.message, "65 bits set but there are 64 values"));
}

/* `text` with every occurrence of `from` replaced by `to` (malloc'd); NULL
 * when `from` does not occur `count` times. */
static char *replace_n(const char *text, const char *from, const char *to, int count) {
  char *cur = strdup(text);
  for (int i = 0; i < count; i++) {
    char *next = tv_replace(cur, from, to);
    free(cur);
    if (!next) return NULL;
    cur = next;
  }
  if (strstr(cur, from)) {
    free(cur);
    return NULL;
  }
  return cur;
}

/* The build's result type must be the real dialect's sparse type for the
 * mask's shape, the values' element type and count, with posWidth and
 * crdWidth 1: each wrong field (in both the build's result and the
 * to_dense operand) is an error naming the expected type. */
static void test_wrong_sparse_type_is_an_error(void **state) {
  (void)state;
  static const char *const wrong[][2] = {
      {"tensor<8x16xf16, #coreai.sparse_tensor_encoding<bitmask, numNonZero = 64",
       "tensor<16x8xf16, #coreai.sparse_tensor_encoding<bitmask, numNonZero = 64"},
      {"tensor<8x16xf16, #coreai.sparse_tensor_encoding<bitmask, numNonZero = 64",
       "tensor<8x16xf32, #coreai.sparse_tensor_encoding<bitmask, numNonZero = 64"},
      {"numNonZero = 64, posWidth = 1, crdWidth = 1", "numNonZero = 63, posWidth = 1, crdWidth = 1"},
      {"numNonZero = 64, posWidth = 1, crdWidth = 1", "numNonZero = 64, posWidth = 2, crdWidth = 1"},
      {"numNonZero = 64, posWidth = 1, crdWidth = 1", "numNonZero = 64, posWidth = 1, crdWidth = 8"},
  };
  char *text = tv_read_example("linear_f16.sparse50.mlir");
  for (size_t k = 0; k < sizeof wrong / sizeof *wrong; k++) {
    cais_error err;
    char *edited = replace_n(text, wrong[k][0], wrong[k][1], 2);
    assert_non_null(edited);
    assert_int_equal(tv_inspect(edited, NULL, &err), CAIS_ERROR_INVALID_INPUT);
    if (!strstr(err.message, "build_sparse_with_bitmask returns") ||
        !strstr(err.message, "expected tensor<8x16xf16, #coreai.sparse_tensor_encoding<"
                             "bitmask, numNonZero = 64, posWidth = 1, crdWidth = 1>>"))
      fail_msg("case %zu: %s", k, err.message);
    free(edited);
  }
  free(text);
}

static void test_quantized_without_shift_scale_is_an_error(void **state) {
  (void)state;
  cais_error err;
  char *text = tv_read_example("linear_f16.sparse50-int8.mlir");
  /* The transpose reads the si8 dense result directly. */
  char *a = tv_replace(text, "\"coreai.transpose\"(%8, %0) : (tensor<8x16xf16>",
                       "\"coreai.transpose\"(%4, %0) : (tensor<8x16xsi8>");
  assert_non_null(a);
  assert_int_equal(tv_inspect(a, NULL, &err), CAIS_ERROR_INVALID_INPUT);
  assert_non_null(strstr(err.message, "blockwise_shift_scale"));
  free(text);
  free(a);
}

/* A chain written with dense<...> lists instead of blobs (MLIR keeps ui1
 * bit-packed and ui2 one byte per element): both decode. */
static void test_dense_list_chain(void **state) {
  (void)state;
  const char *text =
      "module {\n"
      "  \"coreai.graph\"() <{param_decls = #param.decl.array<[]>, sym_name = \"main\"}> ({\n"
      "  ^bb0(%i: tensor<2x1xsi32>):\n"
      "    %m = \"coreai.constant\"() <{value = dense<[[1, 0, 1, 1, 0], [0, 1, 0, 0, 1]]> : tensor<2x5xui1>}> : () -> tensor<2x5xui1> loc(\"w\")\n"
      "    %x = \"coreai.constant\"() <{value = dense<[0, 3, 1, 2, 3]> : tensor<5xui2>}> : () -> tensor<5xui2> loc(\"w\")\n"
      "    %l = \"coreai.constant\"() <{value = dense<[[[-1.0], [0.0], [0.5], [2.0]]]> : tensor<1x4x1xf32>}> : () -> tensor<1x4x1xf32> loc(\"w\")\n"
      "    %a = \"coreai.constant\"() <{value = dense<0> : tensor<si16>}> : () -> tensor<si16> loc(\"w\")\n"
      "    %v = \"coreai.lut_to_dense\"(%x, %l, %a) : (tensor<5xui2>, tensor<1x4x1xf32>, tensor<si16>) -> tensor<5xf32> loc(\"w\")\n"
      "    %s = \"coreai.build_sparse_with_bitmask\"(%v, %m) : (tensor<5xf32>, tensor<2x5xui1>) -> tensor<2x5xf32, #coreai.sparse_tensor_encoding<bitmask, numNonZero = 5, posWidth = 1, crdWidth = 1>> loc(\"w\")\n"
      "    %d = \"coreai.sparse_with_bitmask_to_dense\"(%s) : (tensor<2x5xf32, #coreai.sparse_tensor_encoding<bitmask, numNonZero = 5, posWidth = 1, crdWidth = 1>>) -> tensor<2x5xf32> loc(\"w\")\n"
      "    %r = \"coreai.gather_nd\"(%d, %i) : (tensor<2x5xf32>, tensor<2x1xsi32>) -> tensor<2x5xf32>\n"
      "    \"coreai.output\"(%r) : (tensor<2x5xf32>) -> ()\n"
      "  }) : () -> ()\n"
      "}\n";
  char *out = NULL;
  cais_error err;
  assert_int_equal(tv_inspect(text, &out, &err), CAIS_OK);
  assert_non_null(strstr(out, " palettize2 "));
  assert_non_null(strstr(out, "5/10"));
  /* mask ceil(10/8) = 2, indices ceil(5*2/8) = 2, lut 16, axis 2. */
  assert_non_null(strstr(out, "40 -> 22 bytes"));
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sparse_example),
      cmocka_unit_test(test_int8_example),
      cmocka_unit_test(test_pal2_example),
      cmocka_unit_test(test_uncompressed_program),
      cmocka_unit_test(test_missing_blob_is_an_error),
      cmocka_unit_test(test_truncated_blob_is_an_error),
      cmocka_unit_test(test_popcount_mismatch_is_an_error),
      cmocka_unit_test(test_wrong_sparse_type_is_an_error),
      cmocka_unit_test(test_quantized_without_shift_scale_is_an_error),
      cmocka_unit_test(test_dense_list_chain),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
