/* test_error_stats.c -- the reconstruction statistics use the fixed order
 * of error_stats.h (4096-element chunks summed sequentially, then the chunk
 * sums in order): checked with values whose sum depends on the order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpu_reference.h"

/* f32 weight: w[0] = 1e8 (square 1e16), then 8191 ones (square 1), then a
 * 1e8 again at 8192.  Chunk 0: 1e16 + 1 + ... stays 1e16 (each +1 is a tie
 * to even at ulp 2); chunk 1 sums to 4096; chunk 2 is 1e16.  Total
 * ((0 + 1e16) + 4096) + 1e16 = 2e16 + 4096.  A single running sum would
 * give 2e16, a pairwise one something else. */
static void test_order_matters(void **state) {
  (void)state;
  size_t n = 8193;
  float *w = malloc(n * sizeof *w);
  for (size_t i = 0; i < n; i++) w[i] = 1.0f;
  w[0] = 1e8f;
  w[8192] = 1e8f;
  double running = 0.0;
  for (size_t i = 0; i < n; i++) running += (double)w[i] * w[i];
  assert_true(running == 2e16);
  cais_compress_params p = ref_params_magnitude(0.0, CAIS_JOINT_NONE, 0);
  int64_t shape[1] = {(int64_t)n};
  cais_job job = ref_job(w, CAIS_FLOAT_F32, 1, shape, 0, 0, &p);
  cais_cpu_run_job(&job, NULL);
  assert_true(job.result.sq_norm == 2e16 + 4096.0);
  assert_true(job.result.sq_error == 0.0);
  free(ref_check_result(&job));
  cais_job_result_release(&job.result);
  /* Everything pruned: the error is the norm. */
  p = ref_params_magnitude(1.0, CAIS_JOINT_NONE, 0);
  cais_threadpool *pool = cais_threadpool_create(2);
  cais_cpu_run_job(&job, pool);
  assert_true(job.result.sq_error == 2e16 + 4096.0);
  assert_true(job.result.sq_norm == 2e16 + 4096.0);
  cais_job_result_release(&job.result);
  cais_threadpool_destroy(pool);
  free(w);
}

/* Reference helper itself: chunk partials are sequential. */
static void test_reference_definition(void **state) {
  (void)state;
  double w[5000], d[5000];
  for (int i = 0; i < 5000; i++) {
    w[i] = i == 0 || i == 4096 ? 1e8 : 1.0;
    d[i] = 0.0;
  }
  double se, sn;
  cais_error_stats_dense(w, d, 5000, &se, &sn);
  assert_true(sn == 1e16 + 1e16); /* 1e16 + (1e16 + 903), 903 lost */
  assert_true(se == sn);
  double partials[3] = {1.0, 1e16, -1e16};
  assert_true(cais_stats_total(partials, 3) == 0.0); /* (1 + 1e16) - 1e16 */
}

/* Statistics of every joint mode on a multi-chunk tensor, bitwise against
 * the reference (ref_check_result decodes and sums independently). */
static void test_all_modes_against_reference(void **state) {
  (void)state;
  cais_threadpool *pool = cais_threadpool_create(2);
  size_t n = 1100000;
  for (int t = 0; t < 3; t++) {
    void *data = ref_make((cais_float_type)t, n, ref_normal002, 31 + t);
    for (int j = 0; j <= CAIS_JOINT_PALETTIZE; j++) {
      cais_compress_params p = ref_params_magnitude(0.4, (cais_joint_mode)j, 3);
      int64_t shape[2] = {1100, 1000};
      cais_job job = ref_job(data, (cais_float_type)t, 2, shape, 0, 1, &p);
      cais_cpu_run_job(&job, pool);
      assert_int_equal(job.result.joint, j);
      assert_true(job.result.sq_error > 0 && job.result.sq_error < job.result.sq_norm);
      free(ref_check_result(&job));
      cais_job_result_release(&job.result);
    }
    free(data);
  }
  cais_threadpool_destroy(pool);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_matters),
      cmocka_unit_test(test_reference_definition),
      cmocka_unit_test(test_all_modes_against_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
