/* test_cpu_determinism.c -- the CPU backend gives identical bytes for any
 * thread count (1, 2, 4, none), when jobs run together (cais_cpu_run_jobs)
 * or alone, and through the backend object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpu_reference.h"

static void assert_same_result(const cais_job_result *a, const cais_job_result *b) {
  assert_int_equal(a->outcome, b->outcome);
  assert_string_equal(a->message, b->message);
  assert_int_equal(a->mask_bytes, b->mask_bytes);
  if (a->mask_bytes) assert_memory_equal(a->mask, b->mask, a->mask_bytes);
  assert_int_equal(a->nnz, b->nnz);
  assert_int_equal(a->joint, b->joint);
  assert_int_equal(a->values_bytes, b->values_bytes);
  if (a->values_bytes) assert_memory_equal(a->values, b->values, a->values_bytes);
  assert_int_equal(a->scale_bits, b->scale_bits);
  assert_int_equal(a->offset1, b->offset1);
  assert_int_equal(a->lut_entries, b->lut_entries);
  assert_memory_equal(a->lut_bits, b->lut_bits, sizeof a->lut_bits);
  assert_memory_equal(&a->sq_error, &b->sq_error, sizeof(double));
  assert_memory_equal(&a->sq_norm, &b->sq_norm, sizeof(double));
}

typedef struct variant {
  cais_prune_mode prune;
  cais_joint_mode joint;
  int nbits;
} variant;

static const variant variants[] = {
    {CAIS_PRUNE_MAGNITUDE, CAIS_JOINT_NONE, 0},  {CAIS_PRUNE_MAGNITUDE, CAIS_JOINT_PALETTIZE, 4},
    {CAIS_PRUNE_MAGNITUDE, CAIS_JOINT_INT8, 0},  {CAIS_PRUNE_MAGNITUDE, CAIS_JOINT_FP8_E4M3FN, 0},
    {CAIS_PRUNE_BLOCK, CAIS_JOINT_UINT8, 0},     {CAIS_PRUNE_BLOCK, CAIS_JOINT_PALETTIZE, 3},
    {CAIS_PRUNE_NM, CAIS_JOINT_PALETTIZE, 6},    {CAIS_PRUNE_NM, CAIS_JOINT_FP8_E5M2, 0},
    {CAIS_PRUNE_MAGNITUDE, CAIS_JOINT_PALETTIZE, 1},
};

static cais_compress_params params_of(const variant *v) {
  cais_compress_params p;
  memset(&p, 0, sizeof p);
  p.prune = v->prune;
  p.target_sparsity = 0.55;
  p.block_size = 4;
  p.nm_n = 2;
  p.nm_m = 4;
  p.joint = v->joint;
  p.palettize_nbits = v->nbits;
  return p;
}

static void test_thread_counts(void **state) {
  (void)state;
  cais_threadpool *pools[3] = {cais_threadpool_create(1), cais_threadpool_create(2),
                               cais_threadpool_create(4)};
  int64_t shape[2] = {1201, 2000}; /* 2.4M elements: 3 chunks */
  size_t n = 1201 * 2000;
  for (int t = 0; t < 3; t++) {
    void *data = ref_make((cais_float_type)t, n, t == 1 ? ref_tied : ref_normal002, 17 + t);
    for (size_t k = 0; k < sizeof variants / sizeof *variants; k++) {
      cais_compress_params p = params_of(&variants[k]);
      cais_job base = ref_job(data, (cais_float_type)t, 2, shape, 0, 1, &p);
      cais_cpu_run_job(&base, NULL);
      assert_int_equal(base.result.outcome, CAIS_JOB_DONE);
      for (int q = 0; q < 3; q++) {
        cais_job job = ref_job(data, (cais_float_type)t, 2, shape, 0, 1, &p);
        cais_cpu_run_job(&job, pools[q]);
        assert_same_result(&base.result, &job.result);
        cais_job_result_release(&job.result);
      }
      cais_job_result_release(&base.result);
    }
    free(data);
  }
  for (int q = 0; q < 3; q++) cais_threadpool_destroy(pools[q]);
}

/* Many jobs of mixed sizes, together and alone, and through the backend. */
static void test_run_jobs_and_backend(void **state) {
  (void)state;
  enum { COUNT = 14 };
  void *data[COUNT];
  cais_job together[COUNT], alone[COUNT];
  cais_compress_params params[COUNT];
  int64_t shapes[COUNT][2];
  for (int i = 0; i < COUNT; i++) {
    cais_float_type t = (cais_float_type)(i % 3);
    shapes[i][0] = i == 3 || i == 9 ? 1500 : 8 + 13 * i;
    shapes[i][1] = i == 3 || i == 9 ? 900 : 40 + i;
    size_t n = (size_t)(shapes[i][0] * shapes[i][1]);
    data[i] = ref_make(t, n, ref_normal002, 100 + (uint64_t)i);
    params[i] = params_of(&variants[i % (sizeof variants / sizeof *variants)]);
    together[i] = ref_job(data[i], t, 2, shapes[i], 0, 1, &params[i]);
    alone[i] = together[i];
  }
  cais_threadpool *pool = cais_threadpool_create(3);
  cais_cpu_run_jobs(together, COUNT, pool);
  for (int i = 0; i < COUNT; i++) {
    cais_cpu_run_job(&alone[i], NULL);
    assert_same_result(&alone[i].result, &together[i].result);
    cais_job_result_release(&together[i].result);
  }
  cais_error err;
  cais_backend *b = cais_cpu_backend_create(pool, &err);
  assert_non_null(b);
  assert_non_null(strstr(b->name, "CPU"));
  assert_int_equal(b->ops->batches_run(b), 0);
  /* Modest batches keep the resident set bounded (cpu_backend.c). */
  assert_int_equal(b->ops->batch_byte_limit(b), (uint64_t)256 << 20);
  assert_int_equal(b->ops->run_batch(b, together, COUNT, &err), CAIS_OK);
  assert_int_equal(b->ops->batches_run(b), 1);
  for (int i = 0; i < COUNT; i++) {
    assert_same_result(&alone[i].result, &together[i].result);
    free(ref_check_result(&together[i]));
    cais_job_result_release(&together[i].result);
    cais_job_result_release(&alone[i].result);
    free(data[i]);
  }
  b->ops->destroy(b);
  cais_threadpool_destroy(pool);
}

/* A result left over from an earlier (e.g. failed device) attempt is
 * released and replaced. */
static void test_rerun_releases(void **state) {
  (void)state;
  uint16_t w[16];
  for (int i = 0; i < 16; i++) w[i] = cais_double_to_f16(i - 7.5);
  cais_compress_params p = ref_params_magnitude(0.5, CAIS_JOINT_NONE, 0);
  int64_t shape[2] = {4, 4};
  cais_job job = ref_job(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &p);
  job.result.outcome = CAIS_JOB_FAILED;
  job.result.mask = malloc(3);
  job.result.values = malloc(5);
  cais_cpu_run_job(&job, NULL);
  assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
  assert_int_equal(job.result.nnz, 8);
  cais_job_result_release(&job.result);
  assert_int_equal(job.result.outcome, CAIS_JOB_PENDING);
  assert_null(job.result.mask);
}

/* Parameters the engine should never send are skipped, not crashed on. */
static void test_bad_params_skipped(void **state) {
  (void)state;
  uint16_t w[16];
  for (int i = 0; i < 16; i++) w[i] = cais_double_to_f16(i + 1);
  int64_t shape[2] = {4, 4};
  cais_compress_params bad[4];
  for (int i = 0; i < 4; i++) bad[i] = params_of(&variants[0]);
  bad[0].prune = CAIS_PRUNE_BLOCK;
  bad[0].block_size = 0;
  bad[1].prune = CAIS_PRUNE_NM;
  bad[1].nm_n = 3;
  bad[1].nm_m = 2;
  bad[2].joint = CAIS_JOINT_PALETTIZE;
  bad[2].palettize_nbits = 0;
  bad[3].joint = (cais_joint_mode)17;
  for (int i = 0; i < 4; i++) {
    cais_job job = ref_job(w, CAIS_FLOAT_F16, 2, shape, 0, 1, &bad[i]);
    cais_cpu_run_job(&job, NULL);
    assert_int_equal(job.result.outcome, CAIS_JOB_SKIPPED);
    assert_non_null(strstr(job.result.message, "left uncompressed"));
    cais_job_result_release(&job.result);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_thread_counts),
      cmocka_unit_test(test_run_jobs_and_backend),
      cmocka_unit_test(test_rerun_releases),
      cmocka_unit_test(test_bad_params_skipped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
