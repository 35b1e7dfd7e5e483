/* coreai_types.c -- see coreai_types.h. */
#include "rewrite_ir/coreai_types.h"

#include <stdio.h>

#include <mlir-c/BuiltinAttributes.h>
#include <mlir-c/BuiltinTypes.h>


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

MlirType cais_sparse_tensor_type(MlirContext ctx, int rank, const int64_t *shape,
                                 MlirType element, int64_t nnz) {
  /* The encoding is an attribute of the unregistered coreai dialect: MLIR 19
   * keeps it as an opaque attribute, printed back exactly as parsed. */
  char text[160];
  snprintf(text, sizeof text,
           "#coreai.sparse_tensor_encoding<bitmask, numNonZero = %lld, "
           "posWidth = 1, crdWidth = 1>",
           (long long)nnz);
  MlirAttribute encoding =
      mlirAttributeParseGet(ctx, mlirStringRefCreateFromCString(text));
  if (mlirAttributeIsNull(encoding)) return (MlirType){NULL};
  return mlirRankedTensorTypeGet(rank, shape, element, encoding);
}
