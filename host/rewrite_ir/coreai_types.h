/*
 * coreai_types.h -- the MLIR types of the op chains (spec section 5), built
 * in one place.
 *
 * `!coreai.sparse_with_bitmask<T>`: the result of build_sparse_with_bitmask,
 * where T is the dense tensor sparse_with_bitmask_to_dense returns -- the
 * mask's shape with the values' element type (si8 / ui8 / f8 in a quantized
 * chain, the weight's float type otherwise).  The coreai dialect is not
 * registered, so this is an opaque dialect type, parsed from its text.
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

/** !coreai.sparse_with_bitmask<tensor<shape x element>>. */
MlirType cais_sparse_with_bitmask_type(MlirContext ctx, int rank,
                                       const int64_t *shape, MlirType element);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_REWRITE_IR_COREAI_TYPES_H */
