/*
 * chain_dense.h -- what a decoded chain (chain_decode.h) computes: the dense
 * weight, element by element, as the Core AI runtime evaluates the ops.
 * --verify's error statistics and checks and --decode's constants both come
 * from here, so the two can never disagree.
 *
 * Element i of the weight, j = the number of mask bits set before i:
 *   sparse:       mask_i ? values[j] : 0
 *   palettized:   mask_i ? lut[indices[j]] : 0            (lut_to_dense)
 *   values first: mask_i ? S(q[j]) : 0                    (our uint8)
 *   dense first:  S(mask_i ? q[j] : 0)                    (int8, fp8,
 *                                                          upstream's uint8)
 * with S the blockwise_shift_scale op, (data - offset1) * scale + offset2,
 * evaluated as the Core AI CPU runtime evaluates it (found on the runtime by
 * tests/coreai/test_conformance.py: bit-equal outputs in every cell):
 *   S(q) = RNE_T(RNE_C(RNE_C(RNE_C(q * scale) - RNE_C(offset1 * scale))
 *                + offset2))
 * with the stored operands, C the compute type: the weight's float type T
 * for f16 and f32 (each product rounded to T, not (q - offset1) * scale),
 * f32 for bf16 (then rounded once to bf16).  The two agree when offset1 is 0
 * (int8, fp8); for our uint8 (offset1 = 127) they differ by an ulp at some
 * codes.  The pruned elements of a dense-first chain decode to S(0) =
 * -RNE_T(offset1 * scale), which is not 0 when offset1 is not (upstream's
 * uint8).
 */
#ifndef CAIS_INSPECT_CHAIN_DENSE_H
#define CAIS_INSPECT_CHAIN_DENSE_H

#include <stdint.h>

#include "caisparse.h"
#include "inspect/chain_decode.h"

#ifdef __cplusplus
extern "C" {
#endif

/** S(q) in the chain's float type, as float bits (file comment). */
uint32_t cais_chain_shift_scale(const cais_chain *c, double q);

/** What a pruned element (mask bit 0) decodes to, as float bits. */
uint32_t cais_chain_pruned_bits(const cais_chain *c);

/** Kept value j decoded, as float bits of the chain's type. */
uint32_t cais_chain_kept_bits(const cais_chain *c, int64_t j);

/** The whole dense weight: c->numel float bits (f16 / bf16 in the low
 *  half), malloc'd into *out (free with free()). */
cais_status cais_chain_dense(const cais_chain *c, uint32_t **out, cais_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_INSPECT_CHAIN_DENSE_H */
