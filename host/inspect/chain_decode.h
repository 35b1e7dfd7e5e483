/*
 * chain_decode.h -- finding the op chains of a compressed program (spec
 * section 5) and decoding them back to dense weights.  The inverse of
 * rewrite_ir/op_chains.c.
 *
 * A chain is anchored at a `coreai.sparse_with_bitmask_to_dense` op and read
 * backwards:
 *   to_dense(sp) <- sp = build_sparse_with_bitmask(values, mask)
 *   values = coreai.constant                        (sparse, quantized)
 *          | lut_to_dense(indices, lut, axis)       (palettized)
 *          | blockwise_shift_scale(q, scale, offset1, offset2)
 *                                                   (quantized, values first:
 *                                                    our uint8, spec 5)
 * and, when the dense result has a quantized element type (si8, ui8,
 * f8E4M3FN, f8E5M2), forwards through its one user
 *   blockwise_shift_scale(dense, scale, offset1, offset2)
 * (quantized, dense first: int8 / fp8, and upstream's uint8).
 *
 * Decoding validates the chain strictly -- op names, operand and result
 * counts, every type and shape, the real dialect's sparse tensor type
 * (coreai_types.h) with the mask's popcount as numNonZero, the readability
 * and exact size of every constant, popcount(mask) equal to the number of
 * values -- and fails with CAIS_ERROR_INVALID_INPUT and a message that does
 * not carry the weight's name (callers prefix it).  It reads upstream's
 * chains too (inline `dense<[...]>` LUTs, ui8 dense tensors); what they
 * decode to is chain_dense.h's business.
 */
#ifndef CAIS_INSPECT_CHAIN_DECODE_H
#define CAIS_INSPECT_CHAIN_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mlir-c/IR.h>

#include "caisparse.h"
#include "compute/compute_job.h"
#include "inspect/const_data.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The ops of a chain as far as they carry the expected names (null where
 *  an operand is produced by something else).  Found without reading any
 *  data; used to tell chain ops from the program's own. */
typedef struct cais_chain_ops {
  MlirOperation to_dense, build, mask, values; /* values: constant or lut op */
  MlirOperation lut_op, indices, lut, axis;    /* palettized */
  MlirOperation shift, scale, offset1, offset2; /* quantized */
} cais_chain_ops;

#define CAIS_CHAIN_MAX_OPS 12

/** Traces the chain anchored at `to_dense`. */
void cais_chain_trace(MlirOperation to_dense, cais_chain_ops *ops);

/** The op whose result stands for the weight: the dense-first
 *  blockwise_shift_scale, else the sparse_with_bitmask_to_dense. */
MlirOperation cais_chain_ops_end(const cais_chain_ops *ops);

/** The non-null ops of `ops` into `out` (CAIS_CHAIN_MAX_OPS entries);
 *  returns their count. */
size_t cais_chain_ops_list(const cais_chain_ops *ops, MlirOperation *out);

typedef enum cais_chain_kind {
  CAIS_CHAIN_SPARSE = 0,
  CAIS_CHAIN_QUANTIZED = 1,
  CAIS_CHAIN_PALETTIZED = 2,
} cais_chain_kind;

typedef struct cais_chain {
  cais_chain_ops ops;
  MlirOperation end;      /**< the op whose result replaced the weight */
  cais_chain_kind kind;
  /** Quantized: true when blockwise_shift_scale dequantizes the 1-D values
   *  before the sparse tensor is built (pruned elements are then exactly
   *  0); false when it dequantizes the dense tensor (pruned elements decode
   *  to (0 - offset1) * scale + offset2). */
  bool values_first;
  cais_joint_mode joint;  /**< NONE, INT8, UINT8, FP8_*, PALETTIZE */
  int nbits;              /**< palettized: index width k */
  cais_float_type ftype;  /**< the weight's float type */
  MlirType dense_type;    /**< tensor<shape x ftype>, the end op's result */
  int rank;
  int64_t shape[CAIS_MAX_RANK];
  int64_t numel;
  int64_t nnz;            /**< popcount(mask) == number of values */

  cais_const_data mask;   /**< ui1, the weight's shape */
  cais_const_data values; /**< 1-D: values, quantized codes or indices */
  cais_const_data lut, axis, scale, offset1, offset2; /**< when used */

  /* quantized */
  uint32_t scale_bits;    /**< in ftype */
  double scale_value, offset1_value, offset2_value;
  /* palettized */
  int lut_entries;        /**< 2^k */
  uint32_t lut_bits[256];
  double lut_values[256];

  uint64_t payload_bytes; /**< every constant of the chain (const_data.h) */
  int value_bits;         /**< bits per stored value: 16/32, 8, or k */
} cais_chain;

/** Validates and reads the chain anchored at `to_dense` (file comment). */
cais_status cais_chain_decode(MlirOperation to_dense, cais_chain *chain,
                              cais_error *err);

/** Mask bit i (row-major). */
static inline bool cais_chain_mask_bit(const cais_chain *c, int64_t i) {
  return cais_const_bits(&c->mask, i) != 0;
}

/** The stored code of value j: float bits (sparse), q bits (quantized) or
 *  the index (palettized).  What it decodes to: chain_dense.h. */
static inline uint64_t cais_chain_code(const cais_chain *c, int64_t j) {
  return cais_const_bits(&c->values, j);
}

/** "sparse", "int8", "uint8", "fp8_e4m3fn", "fp8_e5m2", "palettize<k>". */
void cais_chain_kind_describe(const cais_chain *c, char *buf, size_t size);

/** The defining op of `v`, or a null op for a block argument. */
MlirOperation cais_value_owner(MlirValue v);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_INSPECT_CHAIN_DECODE_H */
