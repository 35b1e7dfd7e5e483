/* test_options.c -- spec section 6: parameter validation with the upstream
 * wording, checked before anything is touched; the defaults of
 * cais_options_init; quantize dtype names. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "caisparse.h"
#include "engine/options.h"

static void expect_invalid(const cais_options *o, const char *text) {
  cais_error err;
  cais_status st = cais_options_validate(o, &err);
  assert_int_equal(st, CAIS_ERROR_INVALID_OPTIONS);
  assert_int_equal(err.status, CAIS_ERROR_INVALID_OPTIONS);
  if (!strstr(err.message, text)) fail_msg("message \"%s\" lacks \"%s\"", err.message, text);
}

static void test_defaults_match_upstream(void **s) {
  (void)s;
  cais_options o;
  memset(&o, 0x5a, sizeof o);
  cais_options_init(&o);
  assert_true(o.target_sparsity_set);
  assert_true(o.target_sparsity == 0.5);
  assert_int_equal(o.block_size, 0);
  assert_null(o.n_m_ratio);
  assert_int_equal(o.quantize_dtype, CAIS_QUANTIZE_NONE);
  assert_int_equal(o.palettize_nbits, 0);
  assert_int_equal(o.weight_num_threshold, 1024);
  assert_false(o.in_place);
  cais_compress_params p;
  assert_int_equal(cais_options_resolve(&o, &p, NULL), CAIS_OK);
  assert_int_equal(p.prune, CAIS_PRUNE_MAGNITUDE);
  assert_int_equal(p.joint, CAIS_JOINT_NONE);
}

static void test_upstream_messages(void **s) {
  (void)s;
  cais_options o;
  double nm[3] = {2, 4, 8};

  cais_options_init(&o);
  o.n_m_ratio = nm;
  o.n_m_ratio_len = 2;
  expect_invalid(&o, "`target_sparsity` and `n_m_ratio` cannot both be set");

  cais_options_init(&o);
  o.target_sparsity_set = false;
  expect_invalid(&o, "One of `target_sparsity` or `n_m_ratio` must be set");

  cais_options_init(&o);
  o.quantize_dtype = CAIS_QUANTIZE_INT8;
  o.palettize_nbits = 4;
  expect_invalid(&o, "`quantize_dtype` and `palettize_nbits` cannot both be set");

  cais_options_init(&o);
  o.quantize_dtype = (cais_quantize_dtype)42;
  expect_invalid(&o, "Invalid quantize_dtype");

  int bad_bits[] = {-1, 5, 7, 9, 16};
  for (size_t i = 0; i < sizeof bad_bits / sizeof *bad_bits; i++) {
    cais_options_init(&o);
    o.palettize_nbits = bad_bits[i];
    expect_invalid(&o, "Invalid palettize_nbits");
  }

  int64_t bad_blocks[] = {1, -3};
  for (size_t i = 0; i < 2; i++) {
    cais_options_init(&o);
    o.block_size = bad_blocks[i];
    expect_invalid(&o, "`block_size` must be greater than 1");
  }

  cais_options_init(&o);
  o.target_sparsity_set = false;
  o.n_m_ratio = nm;
  o.n_m_ratio_len = 3;
  expect_invalid(&o, "`n_m_ratio`");
  expect_invalid(&o, "length 2");
  o.n_m_ratio_len = 1;
  expect_invalid(&o, "length 2");

  double frac[2] = {1.5, 4};
  o.n_m_ratio = frac;
  o.n_m_ratio_len = 2;
  expect_invalid(&o, "integers");
  double zero_m[2] = {0, 0};
  o.n_m_ratio = zero_m;
  expect_invalid(&o, "m > 0");
  double big_n[2] = {5, 4};
  o.n_m_ratio = big_n;
  expect_invalid(&o, "n in [0, m]");
  double neg_n[2] = {-1, 4};
  o.n_m_ratio = neg_n;
  expect_invalid(&o, "n in [0, m]");

  double targets[] = {-0.1, 1.0000001, NAN, INFINITY};
  for (size_t i = 0; i < 4; i++) {
    cais_options_init(&o);
    o.target_sparsity = targets[i];
    expect_invalid(&o, "`target_sparsity` must be in [0, 1]");
  }
  cais_options_init(&o);
  o.weight_num_threshold = -1;
  expect_invalid(&o, "`weight_num_threshold`");
}

static void test_valid_combinations_resolve(void **s) {
  (void)s;
  cais_options o;
  cais_compress_params p;
  double nm[2] = {2, 4};
  cais_options_init(&o);
  o.target_sparsity_set = false;
  o.n_m_ratio = nm;
  o.n_m_ratio_len = 2;
  o.palettize_nbits = 3;
  assert_int_equal(cais_options_resolve(&o, &p, NULL), CAIS_OK);
  assert_int_equal(p.prune, CAIS_PRUNE_NM);
  assert_int_equal(p.nm_n, 2);
  assert_int_equal(p.nm_m, 4);
  assert_int_equal(p.joint, CAIS_JOINT_PALETTIZE);
  assert_int_equal(p.palettize_nbits, 3);

  cais_options_init(&o);
  o.block_size = 8;
  o.target_sparsity = 1.0;
  o.quantize_dtype = CAIS_QUANTIZE_FP8_E5M2;
  assert_int_equal(cais_options_resolve(&o, &p, NULL), CAIS_OK);
  assert_int_equal(p.prune, CAIS_PRUNE_BLOCK);
  assert_int_equal(p.block_size, 8);
  assert_int_equal(p.joint, CAIS_JOINT_FP8_E5M2);

  /* n = 0 and n = m are both allowed */
  double edge[2][2] = {{0, 4}, {4, 4}};
  for (int i = 0; i < 2; i++) {
    cais_options_init(&o);
    o.target_sparsity_set = false;
    o.n_m_ratio = edge[i];
    o.n_m_ratio_len = 2;
    assert_int_equal(cais_options_validate(&o, NULL), CAIS_OK);
  }
}

static void test_quantize_dtype_names(void **s) {
  (void)s;
  const char *names[] = {"int8", "uint8", "fp8_e4m3fn", "fp8_e5m2"};
  cais_quantize_dtype want[] = {CAIS_QUANTIZE_INT8, CAIS_QUANTIZE_UINT8,
                                CAIS_QUANTIZE_FP8_E4M3FN, CAIS_QUANTIZE_FP8_E5M2};
  for (int i = 0; i < 4; i++) {
    cais_quantize_dtype d;
    assert_int_equal(cais_quantize_dtype_parse(names[i], &d, NULL), CAIS_OK);
    assert_int_equal(d, want[i]);
    assert_string_equal(cais_quantize_dtype_name(d), names[i]);
  }
  cais_error err;
  cais_quantize_dtype d;
  assert_int_equal(cais_quantize_dtype_parse("INT8", &d, &err), CAIS_ERROR_INVALID_OPTIONS);
  assert_non_null(strstr(err.message, "Invalid quantize_dtype"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_match_upstream),
      cmocka_unit_test(test_upstream_messages),
      cmocka_unit_test(test_valid_combinations_resolve),
      cmocka_unit_test(test_quantize_dtype_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
