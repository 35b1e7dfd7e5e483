/* test_prune_magnitude.c -- unstructured magnitude pruning: exactly
 * floor(N*s) elements pruned in (abs key, flat index) order, zeros counted,
 * -0.0 never kept, non-finite weights skipped; checked by hand and against a
 * sort-based reference on tensors spanning several chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpu_reference.h"

/* f16 bits of a few values */
#define H_0 0x0000
#define H_M0 0x8000
#define H_025 0x3400
#define H_M025 0xB400
#define H_05 0x3800
#define H_M05 0xB800
#define H_1 0x3C00

static cais_job run_f16(const uint16_t *data, int64_t n, double s, cais_joint_mode joint) {
  static cais_compress_params p;
  p = ref_params_magnitude(s, joint, 2);
  int64_t shape[1] = {n};
  cais_job job = ref_job(data, CAIS_FLOAT_F16, 1, shape, 0, 0, &p);
  cais_cpu_run_job(&job, NULL);
  return job;
}

static void test_target_count(void **state) {
  (void)state;
  assert_int_equal(cais_prune_target_count(10, 0.3), 3);   /* 3.0000000000000004 */
  assert_int_equal(cais_prune_target_count(100, 0.29), 28); /* 28.999999999999996 */
  assert_int_equal(cais_prune_target_count(7, 1.0), 7);
  assert_int_equal(cais_prune_target_count(7, 0.0), 0);
  assert_int_equal(cais_prune_target_count(3, 0.5), 1);
  assert_int_equal(cais_prune_target_count(1000, 0.001), 1);
}

static void test_ties_and_zeros_by_hand(void **state) {
  (void)state;
  /*            0     1       2      3    4     5    6      7 */
  uint16_t w[] = {H_05, H_M025, H_025, H_0, H_M0, H_1, H_025, H_M05};
  /* s = 0.5: n = 4.  Order: 3 (0), 4 (-0), 1, 2, 6 (0.25 ties), 0, 7, 5.
   * Pruned: 3, 4, 1, 2 -> the 0.25 tie at index 6 survives. */
  cais_job job = run_f16(w, 8, 0.5, CAIS_JOINT_NONE);
  assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
  assert_int_equal(job.result.mask[0], 0xE1);
  assert_int_equal(job.result.nnz, 4);
  uint16_t want[] = {H_05, H_1, H_025, H_M05};
  assert_memory_equal(job.result.values, want, sizeof want);
  assert_string_equal(job.result.message, "");
  free(ref_check_result(&job));
  cais_job_result_release(&job.result);

  /* s = 0.25: n = 2 prunes just the two zeros. */
  job = run_f16(w, 8, 0.25, CAIS_JOINT_NONE);
  assert_int_equal(job.result.mask[0], 0xE7);
  cais_job_result_release(&job.result);

  /* s = 0: nothing pruned, but zeros (and -0.0) are never in the mask. */
  job = run_f16(w, 8, 0.0, CAIS_JOINT_NONE);
  assert_int_equal(job.result.mask[0], 0xE7);
  assert_int_equal(job.result.nnz, 6);
  /* sq_error: nothing changed; sq_norm = 0.25+0.0625*3+1+0.25 */
  assert_true(job.result.sq_error == 0.0);
  assert_true(job.result.sq_norm == 1.6875);
  cais_job_result_release(&job.result);

  /* s = 1: everything pruned. */
  job = run_f16(w, 8, 1.0, CAIS_JOINT_NONE);
  assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
  assert_int_equal(job.result.mask[0], 0x00);
  assert_int_equal(job.result.nnz, 0);
  assert_int_equal(job.result.values_bytes, 0);
  assert_true(job.result.sq_error == 1.6875);
  cais_job_result_release(&job.result);

  /* s = 5/8: n = 5: zeros, then the 0.25 ties at 1, 2, 6 (all three). */
  job = run_f16(w, 8, 0.625, CAIS_JOINT_NONE);
  assert_int_equal(job.result.mask[0], 0xA1);
  cais_job_result_release(&job.result);
}

static void test_tiny_and_odd_sizes(void **state) {
  (void)state;
  uint16_t one[] = {H_M05};
  cais_job job = run_f16(one, 1, 0.5, CAIS_JOINT_NONE); /* n = 0 */
  assert_int_equal(job.result.mask_bytes, 1);
  assert_int_equal(job.result.mask[0], 0x01);
  cais_job_result_release(&job.result);
  job = run_f16(one, 1, 1.0, CAIS_JOINT_NONE);
  assert_int_equal(job.result.mask[0], 0x00);
  cais_job_result_release(&job.result);

  /* 11 elements: mask of 2 bytes, padding bits zero. */
  uint16_t w[11];
  for (int i = 0; i < 11; i++) w[i] = (uint16_t)(0x3C00 + i); /* increasing */
  job = run_f16(w, 11, 0.5, CAIS_JOINT_NONE); /* n = 5: indices 0..4 */
  assert_int_equal(job.result.mask_bytes, 2);
  assert_int_equal(job.result.mask[0], 0xE0);
  assert_int_equal(job.result.mask[1], 0x07);
  free(ref_check_result(&job));
  cais_job_result_release(&job.result);
}

static void test_all_zero(void **state) {
  (void)state;
  uint16_t w[20];
  for (int i = 0; i < 20; i++) w[i] = i % 2 ? H_M0 : H_0;
  for (int j = 0; j < 3; j++) {
    double s = j * 0.5;
    cais_job job = run_f16(w, 20, s, CAIS_JOINT_NONE);
    assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
    assert_int_equal(job.result.nnz, 0);
    assert_int_equal(job.result.mask[0] | job.result.mask[1] | job.result.mask[2], 0);
    assert_true(job.result.sq_error == 0.0 && job.result.sq_norm == 0.0);
    cais_job_result_release(&job.result);
  }
  /* With a joint compression requested: warn and fall back to plain values. */
  cais_job job = run_f16(w, 20, 0.5, CAIS_JOINT_INT8);
  assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
  assert_int_equal(job.result.joint, CAIS_JOINT_NONE);
  assert_string_equal(job.result.message, "no non-zero values left; int8 skipped");
  cais_job_result_release(&job.result);
  job = run_f16(w, 20, 0.5, CAIS_JOINT_PALETTIZE);
  assert_int_equal(job.result.joint, CAIS_JOINT_NONE);
  assert_int_equal(job.result.lut_entries, 0);
  assert_string_equal(job.result.message, "no non-zero values left; palettization skipped");
  cais_job_result_release(&job.result);
}

static void test_non_finite_skipped(void **state) {
  (void)state;
  uint16_t w[] = {H_05, H_1, H_025, 0x7E00, H_0, 0xFC00, H_1, H_05};
  cais_job job = run_f16(w, 8, 0.5, CAIS_JOINT_NONE);
  assert_int_equal(job.result.outcome, CAIS_JOB_SKIPPED);
  assert_string_equal(job.result.message,
                      "contains 2 non-finite values (first at flat index 3); left uncompressed");
  assert_null(job.result.mask);
  assert_null(job.result.values);
  cais_job_result_release(&job.result);

  uint32_t f[] = {0x3F800000, 0x7F800000, 0};
  cais_compress_params p = ref_params_magnitude(0.0, CAIS_JOINT_NONE, 0);
  int64_t shape[2] = {1, 3};
  job = ref_job(f, CAIS_FLOAT_F32, 2, shape, 0, 1, &p);
  cais_cpu_run_job(&job, NULL);
  assert_int_equal(job.result.outcome, CAIS_JOB_SKIPPED);
  assert_string_equal(job.result.message,
                      "contains 1 non-finite value (first at flat index 1); left uncompressed");
  cais_job_result_release(&job.result);

  uint16_t b[] = {0x3F80, 0x3F80, 0x3F80, 0x3F80, 0x3F80, 0xFFC1};
  job = ref_job(b, CAIS_FLOAT_BF16, 2, (int64_t[]){2, 3}, 0, 1, &p);
  cais_cpu_run_job(&job, NULL);
  assert_int_equal(job.result.outcome, CAIS_JOB_SKIPPED);
  assert_string_equal(job.result.message,
                      "contains 1 non-finite value (first at flat index 5); left uncompressed");
  cais_job_result_release(&job.result);
}

/* Random tensors against the sort-based reference, with a pool, across
 * chunk boundaries (ties at the threshold spread over several chunks). */
static void compare_random(cais_float_type t, size_t n, double (*gen)(uint64_t *, size_t),
                           const double *sparsities, int count, cais_threadpool *pool) {
  void *data = ref_make(t, n, gen, 1234 + n + t);
  for (int k = 0; k < count; k++) {
    cais_compress_params p = ref_params_magnitude(sparsities[k], CAIS_JOINT_NONE, 0);
    int64_t shape[2] = {1, (int64_t)n};
    cais_job job = ref_job(data, t, 2, shape, 0, 1, &p);
    cais_cpu_run_job(&job, pool);
    uint8_t *want = ref_mask_magnitude(data, t, n, cais_prune_target_count((int64_t)n, sparsities[k]));
    ref_assert_mask(&job.result, want, n);
    free(ref_check_result(&job));
    free(want);
    cais_job_result_release(&job.result);
  }
  free(data);
}

static void test_random_against_reference(void **state) {
  (void)state;
  cais_threadpool *pool = cais_threadpool_create(3);
  const double sp[] = {0.0, 0.1, 0.37, 0.5, 0.9, 1.0};
  for (int t = 0; t < 3; t++) {
    compare_random((cais_float_type)t, 1000, ref_tied, sp, 6, pool);
    compare_random((cais_float_type)t, 5003, ref_normal002, sp, 6, pool);
    /* > 2 chunks; ties everywhere, so the tie quota is split over chunks */
    const double big_sp[] = {0.5, 0.61};
    compare_random((cais_float_type)t, 2500001, ref_tied, big_sp, 2, pool);
    compare_random((cais_float_type)t, 2200000, ref_normal002, big_sp, 1, pool);
  }
  cais_threadpool_destroy(pool);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_target_count),
      cmocka_unit_test(test_ties_and_zeros_by_hand),
      cmocka_unit_test(test_tiny_and_odd_sizes),
      cmocka_unit_test(test_all_zero),
      cmocka_unit_test(test_non_finite_skipped),
      cmocka_unit_test(test_random_against_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
