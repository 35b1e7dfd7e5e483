/* test_spec_example.c -- the compute core on the weight of the spec's
 * format example (/work/shared/spec/examples/linear_f16*.mlir; the blobs are
 * copied here without their 4-byte alignment prefix): magnitude 0.5 gives the
 * example's mask and values, int8 its codes and scale, palettize 2 its
 * indices.  The example's LUT was computed over the distinct values
 * unweighted; ours is the weighted optimum (every value counted with its
 * multiplicity), which has a lower squared error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpu_reference.h"

/* linear_f16.mlir, resource linear_weight: 8x16 f16 */
static const char *weight_hex =
    "9C200030F4AD562EA8A6A8A614321924199CAC2C3B2F259A8D2B35AEBCA8A2A942B0D5B037B125A65AA419A8"
    "2B1F4AB019A02526CD2C71AD1FA977B266AA0AB38BB00A2F0AB31F2D3928F0A7E329C92AB82EE3A58DABAEAB"
    "56AE199C0EADD92EFCB1FAAE14AEB0B21432B6B32BA7C9AA50315EB2D92EACAC19A44AAC192C4CAF19A07B28"
    "E331B6B3E530142E25AAAE2704AA48316025A2A5E3A51FA59CA4A2AD98321DB2C7B525A2AEA3BC281FA5AEA3"
    "3928352EC3A9BCA83532C92A56AE6D33FE2C8DAB7DAFAE2750ADC9AE29B087AA1B2F81A9A4B04A2C2B1F602D"
    "AE2F5AA42BA31F9D3BAF4A2C62305A2425A6A8A6FEAC1FAD1FA960ADA2A90EB17B281F1D";
/* linear_f16.sparse50.mlir: linear_weight_mask and linear_weight_vals */
static const char *mask_hex = "4E2687AC0FD13F8F3C8207D2756D1C2B";
static const char *values_hex =
    "0030F4AD562E1432AC2C3B2F35AE42B0D5B037B14AB0CD2C71AD77B20AB38BB00A2F0AB31F2DB82E56AE0EAD"
    "D92EFCB1FAAE14AEB0B21432B6B350315EB2D92EACAC4CAFE331B6B3E530142E4831A2AD98321DB2C7B5352E"
    "353256AE6D33FE2C7DAF50ADC9AE29B01B2FA4B04A2C602DAE2F3BAF4A2C6230FEAC1FAD60AD0EB1";
/* linear_f16.sparse50-int8.mlir: linear_weight_q; scale dense<2.843860e-03> */
static const char *q_hex =
    "2CDF23431A28DED1CBC7D11AE2B9B3CE27B31C25DDE426BEDADFB743AB3ABA26E6D841AB36213AE148BD8122"
    "44DD521BD7E3DBD227CD181E2AD81830E5E4E2C8";
/* linear_f16.sparse50-pal2.mlir: linear_weight_idx */
static const char *idx_hex = "E65A9541A225C58C357B83B755A6A655";

static size_t unhex(const char *hex, uint8_t *out) {
  size_t n = strlen(hex) / 2;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    sscanf(hex + 2 * i, "%2x", &v);
    out[i] = (uint8_t)v;
  }
  return n;
}

static uint8_t weight[256];

static cais_job run(cais_joint_mode joint, int nbits) {
  static cais_compress_params p;
  assert_int_equal(unhex(weight_hex, weight), 256);
  p = ref_params_magnitude(0.5, joint, nbits);
  int64_t shape[2] = {8, 16};
  cais_job job = ref_job(weight, CAIS_FLOAT_F16, 2, shape, 1, 0, &p);
  cais_cpu_run_job(&job, NULL);
  assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
  free(ref_check_result(&job));
  return job;
}

static void test_mask_and_values(void **state) {
  (void)state;
  cais_job job = run(CAIS_JOINT_NONE, 0);
  uint8_t mask[16], values[128];
  unhex(mask_hex, mask);
  assert_int_equal(job.result.mask_bytes, 16);
  assert_memory_equal(job.result.mask, mask, 16);
  assert_int_equal(job.result.nnz, 64);
  assert_int_equal(unhex(values_hex, values), 128);
  assert_int_equal(job.result.values_bytes, 128);
  assert_memory_equal(job.result.values, values, 128);
  cais_job_result_release(&job.result);
}

static void test_int8(void **state) {
  (void)state;
  cais_job job = run(CAIS_JOINT_INT8, 0);
  uint8_t q[64];
  assert_int_equal(unhex(q_hex, q), 64);
  assert_int_equal(job.result.joint, CAIS_JOINT_INT8);
  assert_int_equal(job.result.values_bytes, 64);
  assert_memory_equal(job.result.values, q, 64);
  /* 0x19D3 = 2.84386e-03 = round_f16((2 * 0.361083984375 + 1e-6) / 254) */
  assert_int_equal(job.result.scale_bits, 0x19D3);
  assert_int_equal(cais_double_to_f16(2.843860e-03), 0x19D3); /* the printed splat */
  assert_int_equal(job.result.offset1, 0);
  cais_job_result_release(&job.result);
}

static double lut_sse(const uint32_t lut[4], const cais_job *job) {
  double sse = 0.0;
  for (size_t i = 0; i < 128; i++) {
    if (!ref_mask_bit(job->result.mask, i)) continue;
    double x = ref_value(weight, i, CAIS_FLOAT_F16);
    double c = cais_f16_to_double((uint16_t)lut[ref_nearest(lut, 4, CAIS_FLOAT_F16, x)]);
    sse += (x - c) * (x - c);
  }
  return sse;
}

static void test_palettize2(void **state) {
  (void)state;
  cais_job job = run(CAIS_JOINT_PALETTIZE, 2);
  uint8_t idx[16];
  assert_int_equal(unhex(idx_hex, idx), 16);
  assert_int_equal(job.result.values_bytes, 16);
  assert_memory_equal(job.result.values, idx, 16);
  /* Weighted optimum: clusters of 10, 26, 19 and 9 values, means rounded
   * to f16: -0.2270, -0.10956, 0.09735, 0.1866. */
  assert_int_equal(job.result.lut_entries, 4);
  const uint32_t ours[4] = {0xB344, 0xAF03, 0x2E3B, 0x31F9};
  for (int i = 0; i < 4; i++) assert_int_equal(job.result.lut_bits[i], ours[i]);
  const uint32_t example[4] = {0xB33E, 0xAF0A, 0x2E4F, 0x31F6};
  double s_ours = lut_sse(ours, &job), s_example = lut_sse(example, &job);
  print_message("SSE with our LUT %.9g, with the example's %.9g\n", s_ours, s_example);
  assert_true(s_ours < s_example);
  /* The result's own error statistic is that SSE (pruned terms added). */
  assert_true(job.result.sq_error > s_ours);
  cais_job_result_release(&job.result);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mask_and_values),
      cmocka_unit_test(test_int8),
      cmocka_unit_test(test_palettize2),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
