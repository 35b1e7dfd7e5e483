/*
 * compute_backend.h -- the one compute interface behind which the CPU and the
 * OpenCL device sit (in the manner of ggml's backends).
 *
 * The engine collects every eligible weight into jobs, cuts them into batches
 * and calls `run_batch` on its backend.  A device backend that fails (no
 * memory, a kernel or queue error) marks the jobs it could not finish
 * CAIS_JOB_FAILED; the engine then reruns exactly those jobs on the CPU
 * backend, which never fails for device reasons, and warns once.  Results are
 * byte-identical whichever backend produced them.
 */
#ifndef CAIS_COMPUTE_BACKEND_H
#define CAIS_COMPUTE_BACKEND_H

#include "compute_job.h"
#include "common/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cais_backend cais_backend;

typedef struct cais_backend_ops {
  /** Fills `jobs[i].result` for every i.  Jobs left PENDING or FAILED are
   *  redone on the CPU.  Returns CAIS_OK, or an error (with `err` set) when
   *  the backend itself is no longer usable: the engine then stops sending it
   *  work for the rest of its life. */
  cais_status (*run_batch)(cais_backend *self, cais_job *jobs, size_t count,
                           cais_error *err);
  /** The most dense weight bytes one batch should carry. */
  uint64_t (*batch_byte_limit)(const cais_backend *self);
  /** Number of batches (device transfers) run so far. */
  size_t (*batches_run)(const cais_backend *self);
  void (*destroy)(cais_backend *self);
} cais_backend_ops;

struct cais_backend {
  const cais_backend_ops *ops;
  char name[160]; /**< as cais_engine_device_name */
};

#ifdef __cplusplus
}
#endif

#endif /* CAIS_COMPUTE_BACKEND_H */
