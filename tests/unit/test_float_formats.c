/* test_float_formats.c -- exact decoding and nearest-even encoding of f16,
 * bf16, f32 and FP8 (common/float_formats.h).  The FP8 encoder is checked
 * against ml_dtypes on every f16 bit pattern (tests/data/fp8_from_f16.bin,
 * made by tests/data/gen_fp8_table.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/float_formats.h"
#include "test_support.h"

static void test_f16_decode(void **state) {
  (void)state;
  assert_true(cais_f16_to_double(0x3C00) == 1.0);
  assert_true(cais_f16_to_double(0xC000) == -2.0);
  assert_true(cais_f16_to_double(0x7BFF) == 65504.0);
  assert_true(cais_f16_to_double(0x0001) == ldexp(1.0, -24)); /* smallest subnormal */
  assert_true(cais_f16_to_double(0x0400) == ldexp(1.0, -14)); /* smallest normal */
  assert_true(cais_f16_to_double(0x3555) == 0.333251953125);
  double nz = cais_f16_to_double(0x8000);
  assert_true(nz == 0.0 && signbit(nz));
  assert_true(isinf(cais_f16_to_double(0x7C00)) && cais_f16_to_double(0xFC00) < 0);
  assert_true(isnan(cais_f16_to_double(0x7E00)));
  assert_true(cais_bf16_to_double(0x3F80) == 1.0);
  assert_true(cais_bf16_to_double(0xC2F7) == -123.5);
  assert_true(cais_f32_bits_to_double(0x3DCCCCCD) == (double)0.1f);
}

static void test_f16_encode_rounding(void **state) {
  (void)state;
  assert_int_equal(cais_double_to_f16(1.0), 0x3C00);
  /* 1 + 2^-11 is exactly half-way between 1 and 1 + 2^-10: ties to even. */
  assert_int_equal(cais_double_to_f16(1.0 + ldexp(1, -11)), 0x3C00);
  assert_int_equal(cais_double_to_f16(1.0 + 3 * ldexp(1, -11)), 0x3C02);
  assert_int_equal(cais_double_to_f16(1.0 + ldexp(1, -11) + ldexp(1, -40)), 0x3C01);
  /* Overflow: 65520 is half-way to 2^16, rounds to even = infinity. */
  assert_int_equal(cais_double_to_f16(65519.99), 0x7BFF);
  assert_int_equal(cais_double_to_f16(65520.0), 0x7C00);
  assert_int_equal(cais_double_to_f16(-1e300), 0xFC00);
  assert_int_equal(cais_double_to_f16(INFINITY), 0x7C00);
  assert_int_equal(cais_double_to_f16(NAN) & 0x7FFF, 0x7E00);
  /* Subnormals and underflow (half the smallest subnormal ties to 0). */
  assert_int_equal(cais_double_to_f16(ldexp(1, -24)), 0x0001);
  assert_int_equal(cais_double_to_f16(ldexp(1, -25)), 0x0000);
  assert_int_equal(cais_double_to_f16(ldexp(1.5, -25)), 0x0001);
  assert_int_equal(cais_double_to_f16(ldexp(3, -25)), 0x0002); /* 1.5 ulp: tie to even */
  assert_int_equal(cais_double_to_f16(-ldexp(1, -30)), 0x8000);
  assert_int_equal(cais_double_to_f16(ldexp(1023.5, -24)), 0x0400); /* carry into normal */
  assert_int_equal(cais_double_to_f16(-0.0), 0x8000);
  assert_int_equal(cais_double_to_f16(1e-320), 0x0000); /* double subnormal */
}

static void test_bf16_no_double_rounding(void **state) {
  (void)state;
  /* x = 1 + 2^-8 + 2^-30: just above the half-way point between the bf16
   * neighbours 1 and 1 + 2^-7, so it rounds up.  Through float it would
   * first become 1 + 2^-8 (the float nearest), then tie to even = 1. */
  double x = 1.0 + ldexp(1, -8) + ldexp(1, -30);
  assert_int_equal(cais_double_to_bf16(x), 0x3F81);
  assert_int_equal(cais_double_to_bf16(1.0 + ldexp(1, -8)), 0x3F80);
  assert_int_equal(cais_double_to_bf16(1.0 + 3 * ldexp(1, -8)), 0x3F82);
  assert_int_equal(cais_double_to_bf16(3.5e38), 0x7F80); /* overflow */
  assert_int_equal(cais_double_to_bf16(-NAN) & 0x7FFF, 0x7FC0);
  assert_int_equal(cais_double_to_bf16(ldexp(1, -133)), 0x0001); /* subnormal */
}

static void test_f32_matches_hardware(void **state) {
  (void)state;
  uint64_t s = 7;
  for (int i = 0; i < 200000; i++) {
    uint64_t u = cais_test_rand(&s);
    /* Exponents around float's range, including subnormals and overflow. */
    int e = (int)(cais_test_rand(&s) % 300) - 160;
    double x = ldexp(1.0 + (double)(u >> 12) / 4503599627370496.0, e);
    if (u & 1) x = -x;
    float f = (float)x; /* hardware round-to-nearest-even */
    uint32_t want;
    memcpy(&want, &f, 4);
    assert_int_equal(cais_double_to_f32_bits(x), want);
  }
}

static void test_generic_entry_points(void **state) {
  (void)state;
  assert_int_equal(cais_double_to_float_bits(0.5, CAIS_FLOAT_F16), 0x3800);
  assert_int_equal(cais_double_to_float_bits(0.5, CAIS_FLOAT_BF16), 0x3F00);
  assert_int_equal(cais_double_to_float_bits(0.5, CAIS_FLOAT_F32), 0x3F000000);
  assert_true(cais_float_bits_to_double(0x3800, CAIS_FLOAT_F16) == 0.5);
  assert_true(cais_float_bits_to_double(0x3F00, CAIS_FLOAT_BF16) == 0.5);
  assert_true(cais_float_bits_to_double(0x3F000000, CAIS_FLOAT_F32) == 0.5);
  assert_true(cais_float_bits_is_finite(0x7BFF, CAIS_FLOAT_F16));
  assert_false(cais_float_bits_is_finite(0xFC00, CAIS_FLOAT_F16));
  assert_false(cais_float_bits_is_finite(0x7F81, CAIS_FLOAT_BF16));
  assert_true(cais_float_bits_is_finite(0x7F7F, CAIS_FLOAT_BF16));
  assert_false(cais_float_bits_is_finite(0x7F800000, CAIS_FLOAT_F32));
  /* Round trip of every 16-bit pattern. */
  for (uint32_t b = 0; b < 65536; b++) {
    if (cais_float_bits_is_finite(b, CAIS_FLOAT_F16))
      assert_int_equal(cais_double_to_f16(cais_f16_to_double((uint16_t)b)), b);
    if (cais_float_bits_is_finite(b, CAIS_FLOAT_BF16))
      assert_int_equal(cais_double_to_bf16(cais_bf16_to_double((uint16_t)b)), b);
  }
}

static void test_fp8_against_ml_dtypes(void **state) {
  (void)state;
  size_t size = 0;
  char *table = cais_test_read_file(CAIS_TEST_DATA_DIR "/fp8_from_f16.bin", &size);
  assert_non_null(table);
  assert_int_equal(size, 131072);
  const uint8_t *e4m3 = (const uint8_t *)table, *e5m2 = e4m3 + 65536;
  int checked = 0;
  for (uint32_t b = 0; b < 65536; b++) {
    double x = cais_f16_to_double((uint16_t)b);
    if (isnan(x)) { /* NaN payloads: only NaN-ness is specified */
      assert_true(isnan(cais_fp8_to_double(cais_double_to_fp8(x, CAIS_FP8_E4M3FN), CAIS_FP8_E4M3FN)));
      assert_true(isnan(cais_fp8_to_double(cais_double_to_fp8(x, CAIS_FP8_E5M2), CAIS_FP8_E5M2)));
      continue;
    }
    uint8_t a = cais_double_to_fp8(x, CAIS_FP8_E4M3FN), c = cais_double_to_fp8(x, CAIS_FP8_E5M2);
    if (a != e4m3[b]) fail_msg("E4M3FN of f16 0x%04X: got 0x%02X, ml_dtypes 0x%02X", b, a, e4m3[b]);
    if (c != e5m2[b]) fail_msg("E5M2 of f16 0x%04X: got 0x%02X, ml_dtypes 0x%02X", b, c, e5m2[b]);
    checked++;
  }
  assert_int_equal(checked, 65536 - 2 * 1023);
  free(table);
}

static void test_fp8_decode(void **state) {
  (void)state;
  assert_true(cais_fp8_max_finite(CAIS_FP8_E4M3FN) == 448.0);
  assert_true(cais_fp8_max_finite(CAIS_FP8_E5M2) == 57344.0);
  assert_true(cais_fp8_to_double(0x7E, CAIS_FP8_E4M3FN) == 448.0);
  assert_true(isnan(cais_fp8_to_double(0x7F, CAIS_FP8_E4M3FN)));
  assert_true(isnan(cais_fp8_to_double(0xFF, CAIS_FP8_E4M3FN)));
  assert_true(cais_fp8_to_double(0x01, CAIS_FP8_E4M3FN) == ldexp(1, -9));
  assert_true(cais_fp8_to_double(0x38, CAIS_FP8_E4M3FN) == 1.0);
  assert_true(cais_fp8_to_double(0x7B, CAIS_FP8_E5M2) == 57344.0);
  assert_true(isinf(cais_fp8_to_double(0xFC, CAIS_FP8_E5M2)));
  assert_true(cais_fp8_to_double(0x01, CAIS_FP8_E5M2) == ldexp(1, -16));
  assert_true(cais_fp8_to_double(0xBC, CAIS_FP8_E5M2) == -1.0);
  /* Every finite code encodes back to itself. */
  for (int f = 0; f < 2; f++)
    for (int v = 0; v < 256; v++) {
      double x = cais_fp8_to_double((uint8_t)v, (cais_fp8_format)f);
      if (isfinite(x)) assert_int_equal(cais_double_to_fp8(x, (cais_fp8_format)f), v);
    }
  /* Overflow conventions straight from double. */
  assert_int_equal(cais_double_to_fp8(464.0, CAIS_FP8_E4M3FN), 0x7E); /* tie to even */
  assert_int_equal(cais_double_to_fp8(464.001, CAIS_FP8_E4M3FN), 0x7F);
  assert_int_equal(cais_double_to_fp8(-1e9, CAIS_FP8_E4M3FN), 0xFF);
  assert_int_equal(cais_double_to_fp8(61440.0, CAIS_FP8_E5M2), 0x7C);
  assert_int_equal(cais_double_to_fp8(61439.0, CAIS_FP8_E5M2), 0x7B);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_f16_decode),
      cmocka_unit_test(test_f16_encode_rounding),
      cmocka_unit_test(test_bf16_no_double_rounding),
      cmocka_unit_test(test_f32_matches_hardware),
      cmocka_unit_test(test_generic_entry_points),
      cmocka_unit_test(test_fp8_against_ml_dtypes),
      cmocka_unit_test(test_fp8_decode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
