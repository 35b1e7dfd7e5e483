/*
 * coreai_types.h -- the MLIR types of the op chains (spec section 5), built
 * in one place.
 *
 * The sparse tensor type: the result of build_sparse_with_bitmask is
 *   tensor<SHAPE x T, #coreai.sparse_tensor_encoding<bitmask,
 *          numNonZero = NNZ, posWidth = 1, crdWidth = 1>>
 * with the mask's shape, the values' element type T (si8 / f8 in an int8 or
 * fp8 chain, the weight's float type otherwise) and NNZ values -- the type
 * the real Core AI dialect defines and verifies (spec section 5).  The
 * coreai dialect is not registered in MLIR 19, so the encoding is an opaque
 * attribute parsed from its text.
 */
#ifndef CAIS_REWRITE_IR_COREAI_TYPES_H
#define CAIS_REWRITE_IR_COREAI_TYPES_H

#include <stdint.h>

#include <mlir-c/IR.h>

#include "compute/compute_job.h"

#ifdef __cplusplus
extern "C" {
#endif

/** tensor<shape x element>. */
MlirType cais_tensor_type(int rank, const int64_t *shape, MlirType element);

/** The MLIR type of a weight float type (f16, bf16, f32). */
MlirType cais_mlir_float_type(MlirContext ctx, cais_float_type type);

/** The element type of quantized values: si8, ui8, f8E4M3FN, f8E5M2. */
MlirType cais_mlir_quantized_type(MlirContext ctx, cais_joint_mode joint);

/** tensor<shape x element, #coreai.sparse_tensor_encoding<bitmask,
 *  numNonZero = nnz, posWidth = 1, crdWidth = 1>>; a null type if MLIR
 *  cannot build it. */
MlirType cais_sparse_tensor_type(MlirContext ctx, int rank, const int64_t *shape,
                                 MlirType element, int64_t nnz);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_REWRITE_IR_COREAI_TYPES_H */
