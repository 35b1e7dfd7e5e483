/*
 * verify_internal.h -- what the parts of --verify share: the violation
 * reporter and the weight under check.
 *
 * verify.c pairs the programs' weight slots and runs, per compressed weight:
 *   verify_values.c    the chain's kind against the options, and its stored
 *                      values against the original (exact for sparse chains,
 *                      one quantization step for int8/uint8/fp8, the nearest
 *                      LUT entry for palettized chains);
 *   verify_patterns.c  the mask against the original and the pruning
 *                      pattern of the options (magnitude, block, n:m), and
 *                      the reasons a candidate may be left dense.
 */
#ifndef CAIS_INSPECT_VERIFY_INTERNAL_H
#define CAIS_INSPECT_VERIFY_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "compute/compute_job.h"
#include "inspect/chain_decode.h"
#include "inspect/const_data.h"
#include "inspect/inspect.h"
#include "select_weights/channel_axes.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cais_verify_ctx {
  FILE *out; /**< may be NULL: nothing printed */
  cais_verify_summary *summary;
  cais_compress_params params;
} cais_verify_ctx;

/** Prints "violation: <weight>: <what>" and counts it. */
void cais_verify_violation(cais_verify_ctx *v, const char *weight, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** A compressed weight under check: the original constant's values and the
 *  decoded chain that replaced it (same shape and float type). */
typedef struct cais_verify_weight {
  const char *name;
  const cais_const_data *orig;
  const cais_chain *chain;
  cais_axes axes; /**< from the original constant's users (channel_axes.h) */
} cais_verify_weight;

/** The original's element i, as a double. */
static inline double cais_vw_w(const cais_verify_weight *vw, int64_t i) {
  return cais_const_double(vw->orig, i);
}

/** verify_values.c: the chain kind against the options, and every stored
 *  value against the original. */
void cais_verify_chain_values(cais_verify_ctx *v, const cais_verify_weight *vw);

/** verify_patterns.c: mask bits only where the original is non-zero. */
void cais_verify_mask_support(cais_verify_ctx *v, const cais_verify_weight *vw);

/** verify_patterns.c: the pruning pattern of v->params. */
void cais_verify_pruning_pattern(cais_verify_ctx *v, const cais_verify_weight *vw);

/** verify_patterns.c: why the compressor must leave candidate `w` dense
 *  under `params` (spec section 4: non-finite values; block or n:m with
 *  rank 1 or a block / m above half the channels), written to `why`;
 *  false when it must be compressed. */
bool cais_verify_skip_reason(const cais_compress_params *params,
                             const cais_const_data *w, cais_axes axes, char *why,
                             size_t size);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_INSPECT_VERIFY_INTERNAL_H */
