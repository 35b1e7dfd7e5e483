/*
 * opencl_test_util.h -- shared by the tests/opencl suites: creating the
 * OpenCL backend on whatever device the machine has (PoCL's CPU device in
 * CI, a GPU where one is lent), and comparing job results field by field
 * with the CPU backend's.  Header-only; include after cmocka.h.
 *
 * The suites skip (pass with a note) when no OpenCL device is usable, so a
 * build without PoCL still passes; CAIS_TEST_REQUIRE_OPENCL=1 makes that a
 * failure (CI sets it, and tools/device_check.sh).
 */
#ifndef CAIS_OPENCL_TEST_UTIL_H
#define CAIS_OPENCL_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caisparse.h"
#include "common/error.h"
#include "compute/compute_job.h"
#include "compute/cpu/cpu_backend.h"
#include "compute/opencl_backend_api.h"

/** Creates the OpenCL backend (any usable device, or CAIS_TEST_OPENCL_DEVICE
 *  "P.D").  NULL when there is none (the caller skips). */
static inline cais_backend *oclt_backend(cais_threadpool *pool, const char *cache_dir) {
  cais_engine_config c;
  cais_engine_config_init(&c);
  c.device = CAIS_DEVICE_OPENCL;
  const char *want = getenv("CAIS_TEST_OPENCL_DEVICE");
  if (want && *want) sscanf(want, "%d.%d", &c.opencl_platform, &c.opencl_device);
  cais_backend *b = NULL;
  bool quiet = false;
  cais_error err;
  if (cais_opencl_backend_create(&c, cache_dir, pool, &b, &quiet, &err) != CAIS_OK) {
    fprintf(stderr, "note: no OpenCL device: %s\n", err.message);
    return NULL;
  }
  return b;
}

/** True when a missing device must fail the test. */
static inline bool oclt_required(void) {
  const char *v = getenv("CAIS_TEST_REQUIRE_OPENCL");
  return v && *v && strcmp(v, "0") != 0;
}

/** Compares two results; prints the first difference; returns true when
 *  identical (every field the rewrite and the report use). */
static inline bool oclt_same(const char *what, const cais_job_result *a,
                             const cais_job_result *b) {
#define DIFF(...)                                  \
  do {                                             \
    fprintf(stderr, "%s: ", what);                 \
    fprintf(stderr, __VA_ARGS__);                  \
    fprintf(stderr, "\n");                         \
    return false;                                  \
  } while (0)
  if (a->outcome != b->outcome) DIFF("outcome %d vs %d (%s | %s)", a->outcome, b->outcome, a->message, b->message);
  if (strcmp(a->message, b->message)) DIFF("message '%s' vs '%s'", a->message, b->message);
  if (a->outcome != CAIS_JOB_DONE) return true;
  if (a->nnz != b->nnz) DIFF("nnz %lld vs %lld", (long long)a->nnz, (long long)b->nnz);
  if (a->mask_bytes != b->mask_bytes) DIFF("mask_bytes %zu vs %zu", a->mask_bytes, b->mask_bytes);
  for (size_t i = 0; i < a->mask_bytes; i++)
    if (a->mask[i] != b->mask[i]) DIFF("mask byte %zu: %02x vs %02x", i, a->mask[i], b->mask[i]);
  if (a->joint != b->joint) DIFF("joint %d vs %d", a->joint, b->joint);
  if (a->values_bytes != b->values_bytes)
    DIFF("values_bytes %zu vs %zu", a->values_bytes, b->values_bytes);
  for (size_t i = 0; i < a->values_bytes; i++)
    if (((const uint8_t *)a->values)[i] != ((const uint8_t *)b->values)[i])
      DIFF("values byte %zu: %02x vs %02x", i, ((const uint8_t *)a->values)[i],
           ((const uint8_t *)b->values)[i]);
  if (a->scale_bits != b->scale_bits) DIFF("scale_bits %08x vs %08x", a->scale_bits, b->scale_bits);
  if (a->offset1 != b->offset1) DIFF("offset1 %d vs %d", a->offset1, b->offset1);
  if (a->lut_entries != b->lut_entries) DIFF("lut_entries %d vs %d", a->lut_entries, b->lut_entries);
  for (int i = 0; i < 256; i++)
    if (a->lut_bits[i] != b->lut_bits[i]) DIFF("lut[%d] %08x vs %08x", i, a->lut_bits[i], b->lut_bits[i]);
  if (memcmp(&a->sq_error, &b->sq_error, sizeof(double)))
    DIFF("sq_error %.17g vs %.17g", a->sq_error, b->sq_error);
  if (memcmp(&a->sq_norm, &b->sq_norm, sizeof(double)))
    DIFF("sq_norm %.17g vs %.17g", a->sq_norm, b->sq_norm);
  return true;
#undef DIFF
}

#endif
