/* coreai_types.c -- see coreai_types.h. */
#include "rewrite_ir/coreai_types.h"

#include <stdio.h>

#include <mlir-c/BuiltinAttributes.h>
#include <mlir-c/BuiltinTypes.h>

#include "read_ir/mlir_print.h"

MlirType cais_tensor_type(int rank, const int64_t *shape, MlirType element) {
  return mlirRankedTensorTypeGet(rank, shape, element, mlirAttributeGetNull());
}

MlirType cais_mlir_float_type(MlirContext ctx, cais_float_type type) {
  switch (type) {
    case CAIS_FLOAT_F16: return mlirF16TypeGet(ctx);
    case CAIS_FLOAT_BF16: return mlirBF16TypeGet(ctx);
    case CAIS_FLOAT_F32: break;
  }
  return mlirF32TypeGet(ctx);
}

MlirType cais_mlir_quantized_type(MlirContext ctx, cais_joint_mode joint) {
  switch (joint) {
    case CAIS_JOINT_UINT8: return mlirIntegerTypeUnsignedGet(ctx, 8);
    case CAIS_JOINT_FP8_E4M3FN: return mlirFloat8E4M3FNTypeGet(ctx);
    case CAIS_JOINT_FP8_E5M2: return mlirFloat8E5M2TypeGet(ctx);
    default: break;
  }
  return mlirIntegerTypeSignedGet(ctx, 8);
}

MlirType cais_sparse_with_bitmask_type(MlirContext ctx, int rank,
                                       const int64_t *shape, MlirType element) {
  char dense[512], text[600];
  cais_print_type(cais_tensor_type(rank, shape, element), dense, sizeof dense);
  snprintf(text, sizeof text, "!coreai.sparse_with_bitmask<%s>", dense);
  return mlirTypeParseGet(ctx, mlirStringRefCreateFromCString(text));
}
