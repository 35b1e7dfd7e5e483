/*
 * op_chains.h -- replacing a weight's coreai.constant with the op chain that
 * rebuilds it from its compressed form (spec section 5).
 *
 * The chains (every new op takes the original constant's location and is
 * inserted where the constant stood; the constant is then erased):
 *   sparse:     mask, values -> build_sparse_with_bitmask -> to_dense
 *   quantized:  mask, q -> build -> to_dense -> blockwise_shift_scale(
 *               data, scale, offset1, offset2)
 *   palettized: mask, indices, lut, axis -> lut_to_dense -> build -> to_dense
 * New constants are clones of the original (so they keep its attribute
 * style, `<{value}>` property or `{value}` attribute) with a new value: a
 * splat `dense<v>` when every element is equal, `dense<>` when empty, and
 * otherwise a `dense_resource<NAME>` blob handed to MLIR without a copy.
 * Resource names are the weight's stem plus _mask, _vals, _q, _idx, _lut
 * (MLIR appends a number if a name is taken).
 */
#ifndef CAIS_REWRITE_IR_OP_CHAINS_H
#define CAIS_REWRITE_IR_OP_CHAINS_H

#include "caisparse.h"
#include "compute/compute_job.h"
#include "select_weights/collect_weights.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Blob alignment of every resource the tool writes (the spec examples'). */
#define CAIS_BLOB_ALIGNMENT 4

/** Rewrites weight `w` from its DONE result.  Takes the result's mask and
 *  values buffers (they become MLIR blobs and are freed by MLIR; the
 *  pointers in `result` are cleared).  `palettize_nbits` is the index width
 *  of a palettized result.  *bytes_after receives the payload bytes of every
 *  constant in the chain.  After this call `w->op` no longer exists. */
cais_status cais_rewrite_weight(const cais_weight *w, cais_job_result *result,
                                int palettize_nbits, uint64_t *bytes_after,
                                cais_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_REWRITE_IR_OP_CHAINS_H */
