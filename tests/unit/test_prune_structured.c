/* test_prune_structured.c -- block sparsity (along the output axis) and n:m
 * sparsity (along the input axis): hand-computed cases (ties, tail blocks,
 * short tail runs, s = 0 / 1, skips) and a naive reference on random tensors
 * of rank 2-4, every axis, several chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpu_reference.h"

#define H(x) cais_double_to_f16(x)

static cais_compress_params block_params(double s, int64_t b) {
  cais_compress_params p;
  memset(&p, 0, sizeof p);
  p.prune = CAIS_PRUNE_BLOCK;
  p.target_sparsity = s;
  p.block_size = b;
  return p;
}

static cais_compress_params nm_params(int64_t n, int64_t m) {
  cais_compress_params p;
  memset(&p, 0, sizeof p);
  p.prune = CAIS_PRUNE_NM;
  p.nm_n = n;
  p.nm_m = m;
  return p;
}

static cais_job run(const void *data, cais_float_type t, int rank, const int64_t *shape,
                    int out_axis, int in_axis, const cais_compress_params *p) {
  cais_job job = ref_job(data, t, rank, shape, out_axis, in_axis, p);
  cais_cpu_run_job(&job, NULL);
  return job;
}

static void test_block_by_hand(void **state) {
  (void)state;
  /* 4x2, blocks of 2 along axis 0.  Block scores: (rows 0-1, col 0) = 2,
   * (rows 0-1, col 1) = 0.3125, (rows 2-3, col 0) = 0.3125,
   * (rows 2-3, col 1) = 2; block indices 0, 1, 2, 3. */
  uint16_t w[8] = {H(1), H(0.5), H(1), H(0.25), H(0.5), H(1), H(0.25), H(1)};
  int64_t shape[2] = {4, 2};
  struct {
    double s;
    uint8_t mask;
  } cases[] = {
      {0.0, 0xFF},
      {0.25, 0xF5},  /* n = 2: block 1 (tie with block 2, lower index first) */
      {0.375, 0xA5}, /* n = 3: blocks 1 and 2 (4 >= 3) */
      {0.5, 0xA5},
      {0.75, 0xA0},  /* n = 6: then block 0 (index 0 < 3 at the tie 2) */
      {1.0, 0x00},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    cais_compress_params p = block_params(cases[k].s, 2);
    cais_job job = run(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
    assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
    assert_int_equal(job.result.mask[0], cases[k].mask);
    free(ref_check_result(&job));
    cais_job_result_release(&job.result);
  }
}

static void test_block_tail(void **state) {
  (void)state;
  /* 5 channels, block 2: blocks {0,1}, {2,3}, {4} (tail, one element). */
  uint16_t w[5] = {H(0.5), H(0.5), H(0.25), H(0.25), H(0.125)};
  int64_t shape[2] = {5, 1};
  cais_compress_params p = block_params(0.2, 2); /* n = 1: the tail block */
  cais_job job = run(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
  assert_int_equal(job.result.mask[0], 0x0F);
  cais_job_result_release(&job.result);
  p = block_params(0.4, 2); /* n = 2: tail (1) then block 1 (2): 3 pruned */
  job = run(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
  assert_int_equal(job.result.mask[0], 0x03);
  cais_job_result_release(&job.result);
  /* The same on axis 1 of a 1x5 weight. */
  int64_t shape_t[2] = {1, 5};
  job = run(w, CAIS_FLOAT_F16, 2, shape_t, 1, 0, &p);
  assert_int_equal(job.result.mask[0], 0x03);
  cais_job_result_release(&job.result);
}

static void test_block_skips(void **state) {
  (void)state;
  uint16_t w[48];
  for (int i = 0; i < 48; i++) w[i] = H(0.5 + i);
  int64_t shape[2] = {12, 4};
  cais_compress_params p = block_params(0.5, 8);
  cais_job job = run(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
  assert_int_equal(job.result.outcome, CAIS_JOB_SKIPPED);
  assert_string_equal(job.result.message, "block_size 8 is more than half of the 12 output "
                                          "channels (axis 0); left uncompressed");
  cais_job_result_release(&job.result);
  p = block_params(0.5, 6); /* exactly half: allowed */
  job = run(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
  assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
  cais_job_result_release(&job.result);
  int64_t shape1[1] = {48};
  p = block_params(0.5, 2);
  job = run(w, CAIS_FLOAT_F16, 1, shape1, 0, 0, &p);
  assert_int_equal(job.result.outcome, CAIS_JOB_SKIPPED);
  assert_non_null(strstr(job.result.message, "rank >= 2"));
  cais_job_result_release(&job.result);
  w[7] = 0x7C00; /* non-finite is reported first */
  job = run(w, CAIS_FLOAT_F16, 1, shape1, 0, 0, &p);
  assert_string_equal(job.result.message,
                      "contains 1 non-finite value (first at flat index 7); left uncompressed");
  cais_job_result_release(&job.result);
}

static void test_nm_by_hand(void **state) {
  (void)state;
  /* 2x5, 1:2 along axis 1: runs {0,1}, {2,3}, tail {4} (r = 1: one padding
   * zero counts toward n = 1, so the tail keeps its element). */
  uint16_t w[10] = {H(0.5), H(0.25), H(-1), H(1), H(0.125),
                    H(0), H(0.5), H(0.25), H(0.25), H(0.5)};
  int64_t shape[2] = {2, 5};
  cais_compress_params p = nm_params(1, 2);
  cais_job job = run(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
  assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
  assert_int_equal(job.result.mask[0], 0x59); /* |-1| == |1|: index 2 goes */
  assert_int_equal(job.result.mask[1], 0x03);
  free(ref_check_result(&job));
  cais_job_result_release(&job.result);

  /* 3:4 on 10 channels: runs {0-3}, {4-7}, tail {8, 9} prunes 3 - 2 = 1. */
  uint16_t v[10];
  for (int i = 0; i < 8; i++) v[i] = H(0.125 * (i + 1));
  v[8] = H(0.5);
  v[9] = H(0.25);
  int64_t shape2[2] = {1, 10};
  p = nm_params(3, 4);
  job = run(v, CAIS_FLOAT_F16, 2, shape2, 0, 1, &p);
  assert_int_equal(job.result.mask[0], 0x88);
  assert_int_equal(job.result.mask[1], 0x01);
  cais_job_result_release(&job.result);

  /* n = 0 keeps everything non-zero; n = m prunes everything. */
  p = nm_params(0, 2);
  job = run(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
  assert_int_equal(job.result.mask[0], 0xDF);
  assert_int_equal(job.result.mask[1], 0x03);
  cais_job_result_release(&job.result);
  p = nm_params(2, 2);
  job = run(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
  assert_int_equal(job.result.mask[0] | job.result.mask[1], 0);
  cais_job_result_release(&job.result);

  /* Along axis 0 of a 4x3 weight (runs are strided). */
  uint16_t c[12] = {H(1), H(2), H(3), H(4), H(1), H(6), H(7), H(8), H(9), H(1), H(1), H(1)};
  int64_t shape3[2] = {4, 3};
  p = nm_params(1, 2);
  job = run(c, CAIS_FLOAT_F16, 2, shape3, 1, 0, &p);
  /* col 0: rows 0,1 (1 vs 4) -> prune row 0; rows 2,3 (7 vs 1) -> row 3.
   * col 1: (2 vs 1) -> row 1; (8 vs 1) -> row 3.  col 2: (3 vs 6) -> row 0;
   * (9 vs 1) -> row 3. Kept: 1, 3, 5, 6, 7, 8. */
  assert_int_equal(job.result.mask[0], 0xEA);
  assert_int_equal(job.result.mask[1], 0x01);
  cais_job_result_release(&job.result);
}

static void test_nm_skips(void **state) {
  (void)state;
  uint16_t w[24];
  for (int i = 0; i < 24; i++) w[i] = H(1 + i);
  int64_t shape[2] = {4, 6};
  cais_compress_params p = nm_params(2, 4);
  cais_job job = run(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
  assert_int_equal(job.result.outcome, CAIS_JOB_SKIPPED);
  assert_string_equal(job.result.message, "n:m group size m = 4 is more than half of the 6 "
                                          "input channels (axis 1); left uncompressed");
  cais_job_result_release(&job.result);
  int64_t shape1[1] = {24};
  job = run(w, CAIS_FLOAT_F16, 1, shape1, 0, 0, &p);
  assert_int_equal(job.result.outcome, CAIS_JOB_SKIPPED);
  assert_non_null(strstr(job.result.message, "rank >= 2"));
  cais_job_result_release(&job.result);
}

/* Random tensors, all axes, against the references. */
static void compare(cais_float_type t, int rank, const int64_t *shape,
                    double (*gen)(uint64_t *, size_t), cais_threadpool *pool) {
  size_t n = 1;
  for (int d = 0; d < rank; d++) n *= (size_t)shape[d];
  void *data = ref_make(t, n, gen, 99 + n + (uint64_t)rank);
  for (int axis = 0; axis < rank; axis++) {
    int64_t c = shape[axis];
    const int64_t bs[] = {2, 3, c / 2};
    for (int k = 0; k < 3; k++) {
      if (bs[k] < 2 || 2 * bs[k] > c) continue;
      const double sp[] = {0.3, 0.5, 1.0};
      for (int j = 0; j < 3; j++) {
        cais_compress_params p = block_params(sp[j], bs[k]);
        cais_job job = ref_job(data, t, rank, shape, axis, 0, &p);
        cais_cpu_run_job(&job, pool);
        uint8_t *want = ref_mask_block(data, t, rank, shape, axis, bs[k],
                                       cais_prune_target_count((int64_t)n, sp[j]));
        ref_assert_mask(&job.result, want, n);
        free(ref_check_result(&job));
        free(want);
        cais_job_result_release(&job.result);
      }
    }
    const int64_t nms[][2] = {{2, 4}, {1, 3}, {3, 5}, {0, 2}};
    for (int k = 0; k < 4; k++) {
      if (2 * nms[k][1] > c) continue;
      cais_compress_params p = nm_params(nms[k][0], nms[k][1]);
      cais_job job = ref_job(data, t, rank, shape, 0, axis, &p);
      cais_cpu_run_job(&job, pool);
      uint8_t *want = ref_mask_nm(data, t, rank, shape, axis, nms[k][0], nms[k][1]);
      ref_assert_mask(&job.result, want, n);
      free(ref_check_result(&job));
      free(want);
      cais_job_result_release(&job.result);
    }
  }
  free(data);
}

static void test_random_against_reference(void **state) {
  (void)state;
  cais_threadpool *pool = cais_threadpool_create(2);
  for (int t = 0; t < 3; t++) {
    compare((cais_float_type)t, 2, (int64_t[]){13, 10}, ref_tied, pool);
    compare((cais_float_type)t, 3, (int64_t[]){5, 7, 9}, ref_normal002, pool);
    compare((cais_float_type)t, 4, (int64_t[]){3, 4, 6, 7}, ref_tied, pool);
  }
  /* Several chunks. */
  compare(CAIS_FLOAT_F16, 3, (int64_t[]){3, 1100, 701}, ref_tied, pool);
  compare(CAIS_FLOAT_F32, 2, (int64_t[]){1501, 1400}, ref_normal002, pool);
  cais_threadpool_destroy(pool);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_block_by_hand),
      cmocka_unit_test(test_block_tail),
      cmocka_unit_test(test_block_skips),
      cmocka_unit_test(test_nm_by_hand),
      cmocka_unit_test(test_nm_skips),
      cmocka_unit_test(test_random_against_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
