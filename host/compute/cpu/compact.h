/*
 * compact.h -- the output pass: one dense, chunk-parallel sweep that
 *  - decides each element's mask bit (by threshold: the magnitude rule of
 *    selection.h, writing the mask; by mask: reading it),
 *  - writes the payload of the mask elements, in row-major order, at the
 *    chunk's precomputed position (prefix sum of chunk_nnz):
 *      RAW     the element's own bits (no joint compression),
 *      BYTES   one code byte each (int8 / uint8 / fp8),
 *      PACKED  an nbits index each, packed as bitpack.h says,
 *  - and accumulates the error statistics (error_stats.h order).
 * Codes and statistic terms of large 16-bit tensors come from tables
 * indexed by bit pattern, built here (or, for palettes, given); otherwise
 * they are computed per element (quantize.h / palettize.h) -- the same
 * functions either way.
 */
#ifndef CAIS_CPU_COMPACT_H
#define CAIS_CPU_COMPACT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/threadpool.h"
#include "compute/compute_job.h"
#include "compute/cpu/palettize.h"
#include "compute/cpu/quantize.h"
#include "compute/cpu/selection.h"

typedef enum cais_payload_kind {
  CAIS_PAYLOAD_RAW = 0,
  CAIS_PAYLOAD_BYTES = 1,
  CAIS_PAYLOAD_PACKED = 2,
} cais_payload_kind;

typedef struct cais_emit {
  const cais_tensor_view *w;
  cais_cpu_selection *sel;     /**< mask written (by threshold) or read */
  cais_payload_kind kind;
  int width;                   /**< PACKED: bits per index */
  void *out;                   /**< RAW: nnz elements; BYTES: nnz bytes;
                                    PACKED: zeroed, packed size */
  const uint8_t *code_table;   /**< 16-bit palettes: the index of every
                                    bit pattern in the mask (else NULL) */
  const cais_quant *quant;     /**< BYTES: the quantization */
  const cais_palette *palette; /**< PACKED: the palette (codes come from
                                    code_table when it is given) */
  const double *decoded;       /**< BYTES / PACKED: value of each code */
  bool stats;                  /**< compute sq_error / sq_norm */
  double sq_error, sq_norm;    /**< results */
} cais_emit;

/** Runs the output pass described by `e`.  Returns false when out of
 *  memory (nothing useful was written). */
bool cais_cpu_emit(cais_emit *e, cais_threadpool *pool);

#endif /* CAIS_CPU_COMPACT_H */
