/*
 * channel_axes.h -- a weight's output- and input-channel axes, read from the
 * ops that consume it (spec section 3).
 */
#ifndef CAIS_SELECT_WEIGHTS_CHANNEL_AXES_H
#define CAIS_SELECT_WEIGHTS_CHANNEL_AXES_H

#include <stdbool.h>
#include <stddef.h>

#include <mlir-c/IR.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cais_axes {
  int out_axis;
  int in_axis;
} cais_axes;

/** Axes of a rank-`rank` value from all its uses:
 *  - operand 1 (y) of a matmul: out rank-1, in rank-2; operand 0 (x): out
 *    rank-2, in rank-1;
 *  - operand 0 of a transpose whose users are all matmuls that agree: the
 *    matmul's axes of the transposed value, mapped back through the
 *    permutation when it is a constant (for the usual swap of the last two
 *    axes this is y: out rank-2, in rank-1; x: out rank-1, in rank-2, the
 *    spec's rule, which is also the fallback when the permutation is not a
 *    constant);
 *  - anything else: out 0, in 1.
 *  When uses disagree the result is (0, 1), *disagree is set, and `detail`
 *  lists what each use asked for.  Axes that fall outside a rank-1 tensor
 *  are clamped to 0. */
cais_axes cais_channel_axes(MlirValue weight, int rank, bool *disagree,
                            char *detail, size_t detail_size);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_SELECT_WEIGHTS_CHANNEL_AXES_H */
