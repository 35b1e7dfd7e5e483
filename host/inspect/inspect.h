/*
 * inspect.h -- reading compressed programs back: listing their op chains
 * (--inspect) and decoding them to check against the original (--verify).
 */
#ifndef CAIS_INSPECT_INSPECT_H
#define CAIS_INSPECT_INSPECT_H

#include <stdio.h>

#include "caisparse.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Prints one line per compressed weight of `program` -- name, chain kind
 *  (sparse, int8, uint8, fp8_e4m3fn, fp8_e5m2, palettize<k>), shape, dtype,
 *  nnz/elements, sparsity, mask and value bit widths (value: 16/32 for a
 *  sparse chain, 8 quantized, k palettized), the bytes of the chain's
 *  constants (blob sizes, one element per splat: the report's bytes_after)
 *  and the dense bytes -- then a total line with the float weights left
 *  dense.  `out` may be NULL.  Fails with CAIS_ERROR_INVALID_INPUT, naming
 *  the weight, on a malformed chain (wrong op or type, missing or short
 *  blob, mask popcount different from the number of values, ...). */
cais_status cais_inspect_program(const cais_program *program, FILE *out,
                                 cais_error *err);

typedef struct cais_verify_summary {
  size_t weights;            /**< float weights of the original (float
                                  constants, and op chains it already had) */
  size_t chains;             /**< compressed weights decoded and checked */
  size_t unchanged;          /**< left as they were (bit-identical) */
  size_t violations;         /**< invariants broken (each printed) */
  double worst_relative_error; /**< over `chains`: ||w - decoded|| / ||w|| */
} cais_verify_summary;

/** Decodes every op chain of `compressed` to dense, pairs it with its
 *  constant in `original` (the k-th float weight of each, whose locations
 *  must agree), and checks: the chain is well formed (mask popcount equals
 *  the number of values, types, blobs); the chain kind is the one `options`
 *  asks for; every kept value is the original's (sparse chains), within
 *  half a quantization step with the spec's scale and offsets
 *  (int8/uint8/fp8), or mapped to its nearest palette entry (palettized);
 *  mask bits only on non-zeros; the pruning pattern of `options` -- exact
 *  pruned count, threshold order and index tie-break for magnitude, whole
 *  blocks in score order for block, the per-run count and order for n:m
 *  (channel axes from the original's users); candidates (spec section 2,
 *  with options->weight_num_threshold) compressed unless section 4 says to
 *  skip them, and nothing else compressed; untouched constants
 *  bit-identical.  Prints a table of per-weight error statistics (relative
 *  L2 error, max abs error, SNR) and every violation as
 *  "violation: <weight>: <what>" to `out` (which may be NULL).  Returns
 *  CAIS_OK when the programs could be compared (violations are counted in
 *  `summary`); CAIS_ERROR_INVALID_OPTIONS for bad options, and
 *  CAIS_ERROR_INVALID_INPUT when the original itself cannot be read (a
 *  candidate's blob missing or short). */
cais_status cais_verify_programs(const cais_program *original,
                                 const cais_program *compressed,
                                 const cais_options *options, FILE *out,
                                 cais_verify_summary *summary, cais_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_INSPECT_INSPECT_H */
