/* test_quantize.c -- joint quantization of the surviving values: the
 * stored scale (rounded into the weight's type), the codes of int8, uint8
 * (offset 127), fp8 E4M3FN and E5M2 for f16, bf16 and f32 weights, the
 * underflow fallback, and the 16-bit code table against per-element codes.
 * Expected numbers by hand / numpy + ml_dtypes (see the comments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "compute/cpu/quantize.h"
#include "cpu_reference.h"

/* Weights [1, -0.5, 0.25, 0.003], nothing pruned (s = 0).
 * int8: a = 1, scale_d = 2.000001 / 254 = 0.0078740196...;
 *   f16 0x2008 = 0.00787353515625; 1/s = 127.007 -> 127; -0.5/s = -63.504
 *   -> -64 (0xC0); 0.25/s = 31.75 -> 32; 0.003/s = 0.38 -> 0.
 *   f32: s = 0.0078740194..., -0.5/s = -63.4999998 -> -63 (0xC1). */
typedef struct expect {
  cais_float_type type;
  cais_joint_mode joint;
  uint32_t scale_bits;
  uint8_t codes[4];
} expect;

static const expect cases[] = {
    {CAIS_FLOAT_F16, CAIS_JOINT_INT8, 0x2008, {0x7F, 0xC0, 0x20, 0x00}},
    {CAIS_FLOAT_F16, CAIS_JOINT_UINT8, 0x2008, {254, 63, 159, 127}},
    {CAIS_FLOAT_F16, CAIS_JOINT_FP8_E4M3FN, 0x1892, {0x7E, 0xF6, 0x6E, 0x3B}},
    {CAIS_FLOAT_F16, CAIS_JOINT_FP8_E5M2, 0x0125, {0x7B, 0xF7, 0x73, 0x59}},
    {CAIS_FLOAT_BF16, CAIS_JOINT_INT8, 0x3C01, {0x7F, 0xC0, 0x20, 0x00}},
    {CAIS_FLOAT_BF16, CAIS_JOINT_UINT8, 0x3C01, {254, 63, 159, 127}},
    {CAIS_FLOAT_BF16, CAIS_JOINT_FP8_E4M3FN, 0x3B12, {0x7E, 0xF6, 0x6E, 0x3B}},
    {CAIS_FLOAT_BF16, CAIS_JOINT_FP8_E5M2, 0x3792, {0x7B, 0xF7, 0x73, 0x59}},
    {CAIS_FLOAT_F32, CAIS_JOINT_INT8, 0x3C010208, {0x7F, 0xC1, 0x20, 0x00}},
    {CAIS_FLOAT_F32, CAIS_JOINT_UINT8, 0x3C010208, {254, 64, 159, 127}},
    {CAIS_FLOAT_F32, CAIS_JOINT_FP8_E4M3FN, 0x3B124929, {0x7E, 0xF6, 0x6E, 0x3B}},
    {CAIS_FLOAT_F32, CAIS_JOINT_FP8_E5M2, 0x37924929, {0x7B, 0xF7, 0x73, 0x59}},
};

static void test_by_hand_all_types(void **state) {
  (void)state;
  const double vals[4] = {1.0, -0.5, 0.25, 0.003};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    const expect *e = &cases[k];
    uint32_t data[4];
    for (int i = 0; i < 4; i++) ref_set_bits(data, (size_t)i, e->type, cais_double_to_float_bits(vals[i], e->type));
    cais_compress_params p = ref_params_magnitude(0.0, e->joint, 0);
    int64_t shape[2] = {2, 2};
    cais_job job = ref_job(data, e->type, 2, shape, 0, 1, &p);
    cais_cpu_run_job(&job, NULL);
    assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
    assert_int_equal(job.result.joint, e->joint);
    assert_int_equal(job.result.scale_bits, e->scale_bits);
    assert_int_equal(job.result.offset1, e->joint == CAIS_JOINT_UINT8 ? 127 : 0);
    assert_int_equal(job.result.values_bytes, 4);
    assert_memory_equal(job.result.values, e->codes, 4);
    assert_string_equal(job.result.message, "");
    free(ref_check_result(&job));
    cais_job_result_release(&job.result);
  }
}

static void test_scale_underflow(void **state) {
  (void)state;
  /* f16 weights around 1e-7: int8 scale (2a + 1e-6) / 254 ~ 4.7e-9 is below
   * half the smallest f16 subnormal (2^-25 ~ 2.98e-8): rounds to 0. */
  uint16_t w[6];
  for (int i = 0; i < 6; i++) w[i] = cais_double_to_f16((i + 1) * 1e-7);
  cais_compress_params p = ref_params_magnitude(0.0, CAIS_JOINT_INT8, 0);
  int64_t shape[2] = {2, 3};
  cais_job job = ref_job(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
  cais_cpu_run_job(&job, NULL);
  assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
  assert_int_equal(job.result.joint, CAIS_JOINT_NONE);
  assert_string_equal(job.result.message,
                      "quantization scale underflows f16; values kept unquantized");
  assert_int_equal(job.result.scale_bits, 0);
  assert_int_equal(job.result.values_bytes, 12);
  free(ref_check_result(&job));
  cais_job_result_release(&job.result);
  /* bf16 has the range: the same values quantize. */
  for (int i = 0; i < 6; i++) w[i] = cais_double_to_bf16((i + 1) * 1e-7);
  job = ref_job(w, CAIS_FLOAT_BF16, 2, shape, 0, 1, &p);
  cais_cpu_run_job(&job, NULL);
  assert_int_equal(job.result.joint, CAIS_JOINT_INT8);
  free(ref_check_result(&job));
  cais_job_result_release(&job.result);
}

/* Random weights, every type and dtype, after pruning, small (per-element
 * codes) and large (16-bit code table): ref_check_result recomputes the
 * scale from the kept maximum and every code from the formulas. */
static void test_random_all_dtypes(void **state) {
  (void)state;
  cais_threadpool *pool = cais_threadpool_create(2);
  const size_t sizes[] = {777, 300000};
  for (int t = 0; t < 3; t++)
    for (int z = 0; z < 2; z++) {
      void *data = ref_make((cais_float_type)t, sizes[z], ref_normal002, 5 + t + z);
      for (int j = CAIS_JOINT_INT8; j <= CAIS_JOINT_FP8_E5M2; j++) {
        cais_compress_params p = ref_params_magnitude(0.5, (cais_joint_mode)j, 0);
        int64_t shape[2] = {1, (int64_t)sizes[z]};
        cais_job job = ref_job(data, (cais_float_type)t, 2, shape, 0, 1, &p);
        cais_cpu_run_job(&job, pool);
        assert_int_equal(job.result.joint, j);
        free(ref_check_result(&job));
        cais_job_result_release(&job.result);
        /* block and n:m selections go through the kept-value scan */
        cais_compress_params pn = p;
        pn.prune = CAIS_PRUNE_NM;
        pn.nm_n = 2;
        pn.nm_m = 4;
        job = ref_job(data, (cais_float_type)t, 2, shape, 0, 1, &pn);
        cais_cpu_run_job(&job, pool);
        assert_int_equal(job.result.joint, j);
        free(ref_check_result(&job));
        cais_job_result_release(&job.result);
      }
      free(data);
    }
  cais_threadpool_destroy(pool);
}

static void test_code_table_matches_formula(void **state) {
  (void)state;
  for (int t = 0; t < 2; t++)
    for (int j = CAIS_JOINT_INT8; j <= CAIS_JOINT_FP8_E5M2; j++) {
      cais_quant q;
      assert_true(cais_quant_setup((cais_joint_mode)j, (cais_float_type)t, 0.75, &q));
      uint8_t *table = malloc(65536);
      cais_quant_code_table16(&q, table);
      for (uint32_t b = 0; b < 65536; b++) {
        if (!cais_float_bits_is_finite(b, (cais_float_type)t)) continue;
        double x = cais_float_bits_to_double(b, (cais_float_type)t);
        if (fabs(x) > 0.75) continue; /* only values up to the maximum occur */
        assert_int_equal(table[b], ref_quant_code((cais_joint_mode)j, x, q.scale));
      }
      free(table);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_by_hand_all_types),
      cmocka_unit_test(test_scale_underflow),
      cmocka_unit_test(test_random_all_dtypes),
      cmocka_unit_test(test_code_table_matches_formula),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
