/*
 * op_names.h -- the Core AI op names the tool reads and writes, in one place.
 */
#ifndef CAIS_SELECT_WEIGHTS_OP_NAMES_H
#define CAIS_SELECT_WEIGHTS_OP_NAMES_H

#include <stdbool.h>
#include <string.h>

#include <mlir-c/IR.h>

#define CAIS_OP_CONSTANT "coreai.constant"
#define CAIS_OP_BATCH_MATMUL "coreai.batch_matmul"
#define CAIS_OP_BROADCASTING_BATCH_MATMUL "coreai.decomposable.broadcasting_batch_matmul"
#define CAIS_OP_CONV2D "coreai.conv2d"
#define CAIS_OP_GATHER_ND "coreai.gather_nd"
#define CAIS_OP_TRANSPOSE "coreai.transpose"
#define CAIS_OP_BUILD_SPARSE "coreai.build_sparse_with_bitmask"
#define CAIS_OP_SPARSE_TO_DENSE "coreai.sparse_with_bitmask_to_dense"
#define CAIS_OP_SHIFT_SCALE "coreai.blockwise_shift_scale"
#define CAIS_OP_LUT_TO_DENSE "coreai.lut_to_dense"

/** True when `op` is named exactly `name`. */
static inline bool cais_op_is(MlirOperation op, const char *name) {
  MlirStringRef s = mlirIdentifierStr(mlirOperationGetName(op));
  size_t n = strlen(name);
  return s.length == n && memcmp(s.data, name, n) == 0;
}

/** True for the two matmul flavours (spec section 3 treats them alike). */
static inline bool cais_op_is_matmul(MlirOperation op) {
  return cais_op_is(op, CAIS_OP_BATCH_MATMUL) ||
         cais_op_is(op, CAIS_OP_BROADCASTING_BATCH_MATMUL);
}

/** True for the ops that take compressed weights (spec section 2). */
static inline bool cais_op_takes_compressed_weights(MlirOperation op) {
  return cais_op_is_matmul(op) || cais_op_is(op, CAIS_OP_CONV2D) ||
         cais_op_is(op, CAIS_OP_GATHER_ND) || cais_op_is(op, CAIS_OP_TRANSPOSE);
}

#endif /* CAIS_SELECT_WEIGHTS_OP_NAMES_H */
