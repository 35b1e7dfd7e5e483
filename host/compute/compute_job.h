/*
 * compute_job.h -- one weight tensor's compression, as the compute backends
 * see it.
 *
 * The engine fills a `cais_job` per eligible weight (the dense data, shape,
 * channel axes and parameters) and hands batches of jobs to a backend
 * (compute_backend.h).  A backend fills `job->result`.  The CPU backend
 * defines the semantics (docs/ALGORITHMS.md); every other backend must give
 * byte-identical results.
 *
 * Ownership: `job->weight.data` is borrowed from the IR for the duration of
 * the batch.  Every buffer in `cais_job_result` is allocated with malloc()
 * by the backend and owned by the result until cais_job_result_release()
 * (or until the rewrite step takes it over and hands it to MLIR, which frees
 * it with free()).
 */
#ifndef CAIS_COMPUTE_JOB_H
#define CAIS_COMPUTE_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caisparse.h" /* CAIS_MAX_RANK */

#ifdef __cplusplus
extern "C" {
#endif

/** Float element types that are compressed. */
typedef enum cais_float_type {
  CAIS_FLOAT_F16 = 0,
  CAIS_FLOAT_BF16 = 1,
  CAIS_FLOAT_F32 = 2,
} cais_float_type;

/** Bytes per element of `type` (2, 2, 4). */
static inline size_t cais_float_type_size(cais_float_type type) {
  return type == CAIS_FLOAT_F32 ? 4 : 2;
}

/** "f16", "bf16", "f32". */
const char *cais_float_type_name(cais_float_type type);

typedef enum cais_prune_mode {
  CAIS_PRUNE_MAGNITUDE = 0, /**< target_sparsity, no block_size */
  CAIS_PRUNE_BLOCK = 1,     /**< target_sparsity with block_size > 1 */
  CAIS_PRUNE_NM = 2,        /**< n_m_ratio */
} cais_prune_mode;

typedef enum cais_joint_mode {
  CAIS_JOINT_NONE = 0,
  CAIS_JOINT_INT8 = 1,
  CAIS_JOINT_UINT8 = 2,
  CAIS_JOINT_FP8_E4M3FN = 3,
  CAIS_JOINT_FP8_E5M2 = 4,
  CAIS_JOINT_PALETTIZE = 5,
} cais_joint_mode;

/** Validated, resolved parameters shared by every job of a run. */
typedef struct cais_compress_params {
  cais_prune_mode prune;
  double target_sparsity; /**< magnitude and block */
  int64_t block_size;     /**< block */
  int64_t nm_n, nm_m;     /**< n:m */
  cais_joint_mode joint;
  int palettize_nbits;    /**< joint == CAIS_JOINT_PALETTIZE: 1,2,3,4,6,8 */
} cais_compress_params;

/** A dense weight tensor, row-major, elements in their IR encoding
 *  (IEEE binary16, bfloat16 or binary32, little endian). */
typedef struct cais_tensor_view {
  const void *data;
  cais_float_type type;
  int rank; /**< 1..CAIS_MAX_RANK */
  int64_t shape[CAIS_MAX_RANK];
  int64_t numel;
} cais_tensor_view;

typedef enum cais_job_outcome {
  CAIS_JOB_PENDING = 0,
  CAIS_JOB_DONE = 1,    /**< result holds the compressed form */
  CAIS_JOB_SKIPPED = 2, /**< left untouched; `message` says why */
  CAIS_JOB_FAILED = 3,  /**< backend failure (e.g. out of memory); the
                             engine retries on the CPU or reports it */
} cais_job_outcome;

/** Wall-clock seconds per phase, for the report and benchmarks. */
typedef struct cais_job_timing {
  double select;   /**< threshold selection / scoring and the mask */
  double compact;  /**< gathering the non-zeros */
  double joint;    /**< quantization or k-means + index packing */
  double stats;    /**< reconstruction error */
} cais_job_timing;

typedef struct cais_job_result {
  cais_job_outcome outcome;
  /** SKIPPED: the reason.  DONE: a warning to print, or empty. */
  char message[256];

  /** ui1 mask of the weight's shape, packed LSB first: element i is bit
   *  (i % 8) of byte i / 8; 1 where kept and non-zero.  ceil(numel/8) bytes;
   *  unused high bits of the last byte are 0. */
  uint8_t *mask;
  size_t mask_bytes;
  int64_t nnz;

  /** The joint compression actually applied: the requested one, or
   *  CAIS_JOINT_NONE when nnz == 0 (with a warning in `message`). */
  cais_joint_mode joint;

  /** The `values` constant's payload:
   *   NONE:       nnz elements in the weight's float type;
   *   INT8/UINT8: nnz bytes (si8 / ui8);
   *   FP8_*:      nnz bytes (OCP FP8 encodings);
   *   PALETTIZE:  nnz indices of palettize_nbits bits, packed LSB first
   *               (ceil(nnz * nbits / 8) bytes). */
  void *values;
  size_t values_bytes;

  /** INT8/UINT8/FP8: the scale's bits in the weight's float type (f16 and
   *  bf16 in the low 16 bits), and offset1 (0, or 127 for UINT8). */
  uint32_t scale_bits;
  int32_t offset1;

  /** PALETTIZE: 2^nbits LUT entries' bits in the weight's float type,
   *  ascending, unused entries 0 (+0.0). */
  uint32_t lut_bits[256];
  int lut_entries;

  /** Sum over all elements of (w - decoded)^2 and of w^2, in double, with
   *  the fixed summation order of docs/ALGORITHMS.md (device-independent). */
  double sq_error;
  double sq_norm;

  cais_job_timing timing;
} cais_job_result;

typedef struct cais_job {
  cais_tensor_view weight;
  int out_axis; /**< output-channel axis (spec section 3) */
  int in_axis;  /**< input-channel axis */
  const cais_compress_params *params;
  cais_job_result result;
} cais_job;

/** Frees every buffer of `result` and resets it to PENDING. */
void cais_job_result_release(cais_job_result *result);

/** floor(numel * s) computed in IEEE double exactly as the formula reads,
 *  clamped to [0, numel].  The number of elements magnitude and block
 *  pruning must remove. */
int64_t cais_prune_target_count(int64_t numel, double s);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_COMPUTE_JOB_H */
