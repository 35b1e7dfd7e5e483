/* compute_job.c -- the small helpers declared in compute_job.h. */
#include "compute/compute_job.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *cais_float_type_name(cais_float_type type) {
  switch (type) {
  case CAIS_FLOAT_F16: return "f16";
  case CAIS_FLOAT_BF16: return "bf16";
  case CAIS_FLOAT_F32: return "f32";
  }
  return "?";
}

void cais_job_result_release(cais_job_result *result) {
  if (!result) return;
  free(result->mask);
  free(result->values);
  memset(result, 0, sizeof *result);
  result->outcome = CAIS_JOB_PENDING;
}

int64_t cais_prune_target_count(int64_t numel, double s) {
  /* floor(N * s) with N converted to double and one IEEE multiplication,
   * exactly as the spec's formula reads (so 0.3 * 10 = 3.0000000000000004
   * gives 3, and 0.29 * 100 = 28.999999999999996 gives 28). */
  double product = (double)numel * s;
  if (!(product > 0.0)) return 0; /* also NaN */
  double f = floor(product);
  if (f >= (double)numel) return numel;
  return (int64_t)f;
}
