/*
 * ocl_internal.h -- the OpenCL backend's internal pieces (docs/ARCHITECTURE.md,
 * "The OpenCL backend"):
 *
 *   ocl_runtime.c   platforms and devices, fault injection, the kernel
 *                   program (embedded sources, built once per device, binary
 *                   cached on disk)
 *   ocl_batch.c     one batch: planning device sub-batches, uploads, the
 *                   kernel sequence, downloads, double-buffered
 *   opencl_backend.c the backend object (compute_backend.h) and the entry
 *                   points of opencl_backend_api.h
 */
#ifndef CAIS_OCL_INTERNAL_H
#define CAIS_OCL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include "common/threadpool.h"
#include "compute/compute_backend.h"

/* ---- fault injection (CAIS_OPENCL_FAULT, docs/ARCHITECTURE.md) --------- */

typedef enum ocl_fault_kind {
  OCL_FAULT_NONE = 0,
  OCL_FAULT_NO_PLATFORM,
  OCL_FAULT_BUILD,
  OCL_FAULT_ALLOC,
  OCL_FAULT_ENQUEUE,
} ocl_fault_kind;

typedef struct ocl_fault {
  ocl_fault_kind kind;
  long at;      /**< the N of "alloc:N" / "enqueue:N" (1 = the first) */
  long count;   /**< allocations / enqueues seen so far */
} ocl_fault;

/** Reads CAIS_OPENCL_FAULT (inert when unset or unknown). */
void ocl_fault_from_env(ocl_fault *f);

/** Counts one allocation / enqueue; true when this one must fail. */
bool ocl_fault_hit(ocl_fault *f, ocl_fault_kind kind);

/* ---- devices ----------------------------------------------------------- */

typedef struct ocl_device_info {
  cl_platform_id platform;
  cl_device_id device;
  int platform_index, device_index;
  char name[128], platform_name[128], platform_version[128];
  char version[128], c_version[64], driver[128];
  cl_device_type type;
  uint64_t global_mem, max_alloc;
  size_t max_wg;
  bool fp64, available, compiler;
  /** Empty when usable, else why not. */
  char unusable[160];
} ocl_device_info;

/** Every device of every platform (fault injection: none); *count gets how
 *  many.  Returns a malloc'd array (NULL when none). */
ocl_device_info *ocl_enumerate(ocl_fault *fault, int *count, int *platforms);

/** "GPU", "CPU", "accelerator", ... */
const char *ocl_type_name(cl_device_type type);

/* ---- kernels ----------------------------------------------------------- */

typedef enum ocl_kernel_id {
  K_MAG_HIST, K_MAG_PICK, K_MAG_HIST_LOW, K_MAG_PICK_LOW, K_MAG_TIES,
  K_MASK, K_SCAN_CHUNKS,
  K_BLOCK_SCORES, K_BLOCK_HIST, K_BLOCK_DIGIT, K_BLOCK_TIEW, K_BLOCK_PRUNE,
  K_NM_RUNS,
  K_COMPACT, K_TO_DOUBLE, K_QUANT_SETUP, K_QUANT_CODES, K_PAL_CODES, K_PACK,
  K_STATS, K_STATS_TOTAL,
  K_KEPT_HIST16, K_DISTINCT16, K_PREFIX, K_DP, K_CENTROIDS, K_CODE_TABLE16,
  K_COUNT
} ocl_kernel_id;

extern const char *const ocl_kernel_names[K_COUNT];

/** The program source: every embedded .cl file, includes spliced, in a fixed
 *  order.  malloc'd. */
char *ocl_program_source(void);

/** The build options (no fast-math, no contraction). */
const char *ocl_build_options(void);

/** Builds (or loads from `cache_dir`, NULL or "" for none) the program for
 *  `dev`.  On failure returns NULL and writes the reason (the build log's
 *  start) into msg. *from_cache says where it came from. */
cl_program ocl_build_program(cl_context ctx, const ocl_device_info *dev,
                             const char *cache_dir, ocl_fault *fault,
                             bool *from_cache, char *msg, size_t msg_size);

/** The default kernel cache directory ($XDG_CACHE_HOME or ~/.cache, then
 *  cai-sparsify/kernels) into buf; false when there is no home. */
bool ocl_default_cache_dir(char *buf, size_t size);

/** "CL_OUT_OF_RESOURCES" etc. */
const char *ocl_error_name(cl_int code);

/* ---- the backend ------------------------------------------------------- */

typedef struct ocl_backend {
  cais_backend base;
  cais_threadpool *pool;
  ocl_device_info dev;
  cl_context ctx;
  cl_command_queue qc; /**< kernels (profiling on) */
  cl_command_queue qx; /**< transfers */
  cl_program program;
  cl_kernel k[K_COUNT];
  uint64_t sub_bytes;   /**< dense bytes of one device sub-batch */
  uint64_t big_bytes;   /**< the largest tensor the device takes (alone) */
  uint64_t ws_budget;   /**< palettization workspace of one wave */
  size_t max_tensors;   /**< tensors of one sub-batch */
  size_t batches;       /**< sub-batches uploaded */
  /** Jobs so far: finished on the device; given to the CPU code up front
   *  (shapes it skips, sizes the device does not take); computed on the
   *  device but redone by the CPU code for its wording (non-finite values,
   *  nothing left to quantize, an underflowing scale). */
  size_t jobs_device, jobs_host, jobs_redone;
  bool broken;          /**< the kernels did not build: every batch fails */
  char broken_msg[512];
  ocl_fault fault;
} ocl_backend;

/** Runs one engine batch (compute_backend.h's run_batch). */
cais_status ocl_run_batch(ocl_backend *b, cais_job *jobs, size_t count,
                          cais_error *err);

#endif /* CAIS_OCL_INTERNAL_H */
