/*
 * decode_program.h -- --decode: a compressed program back to a dense one.
 *
 * Every op chain (ours or upstream's, chain_decode.h) is replaced by one
 * coreai.constant holding the dense weight that chain_dense.h computes --
 * the same decoding --verify checks -- in the weight's float type, as a
 * dense_resource blob, with the location of the chain's end op, inserted
 * where that end op stood.  The chain's ops are erased (a constant still
 * used by something else stays), and so is the constant upstream leaves
 * after each chain (weight_slots.h's "leftover").  Every other op is
 * untouched.  A malformed chain fails the whole call, naming the weight;
 * the module may then be partly decoded (the CLI writes nothing).
 */
#ifndef CAIS_INSPECT_DECODE_PROGRAM_H
#define CAIS_INSPECT_DECODE_PROGRAM_H

#include <stddef.h>

#include "caisparse.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cais_decode_summary {
  size_t chains;    /**< chains replaced by constants */
  size_t leftovers; /**< upstream's dead constants removed */
} cais_decode_summary;

/** Decodes `program` in place (file comment).  `summary` may be NULL. */
cais_status cais_decode_program(cais_program *program, cais_decode_summary *summary,
                                cais_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_INSPECT_DECODE_PROGRAM_H */
