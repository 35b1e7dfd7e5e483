/*
 * selection.h -- what a pruning step hands to the output pass: which
 * elements survive, how many per chunk, and what the joint compression needs
 * to know about the survivors.
 *
 * Two forms:
 *  - BY THRESHOLD (magnitude pruning): nothing is materialised.  With abs
 *    keys (elem_access.h), elements with key < threshold are pruned, key >
 *    threshold kept, and of the elements with key == threshold (the "ties")
 *    the first ones in flat order are pruned: chunk c prunes its first
 *    tie_quota[c] ties.  The output pass evaluates this rule and writes the
 *    mask.  Ties only matter when threshold > 0 (key-0 elements are zeros,
 *    which never enter the mask anyway), so `tie_key` is the threshold when
 *    it is > 0 and UINT32_MAX (no such key) otherwise.
 *  - BY MASK (block and n:m pruning): `mask` already holds the final mask.
 *
 * In both forms chunk_nnz[c] is the number of mask bits set in chunk c
 * (cpu_parallel.h), which gives every chunk its output position before any
 * output is written.
 */
#ifndef CAIS_CPU_SELECTION_H
#define CAIS_CPU_SELECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** How a CPU step ended. */
typedef enum cais_cpu_status {
  CAIS_CPU_OK = 0,
  CAIS_CPU_SKIP = 1,  /**< the weight is left uncompressed; reason given */
  CAIS_CPU_NOMEM = 2, /**< an allocation failed */
} cais_cpu_status;

typedef struct cais_cpu_selection {
  bool by_threshold;
  uint32_t threshold;
  uint32_t tie_key;
  int64_t *tie_quota;   /**< per chunk (by threshold only) */

  size_t chunks;
  int64_t *chunk_nnz;   /**< per chunk: mask bits set */
  int64_t nnz;          /**< total mask bits set */

  /** The mask (ceil(numel/8) bytes).  By mask: filled by the pruning step.
   *  By threshold: allocated, filled by the output pass. */
  uint8_t *mask;

  /** Largest abs key among the elements in the mask (when nnz > 0). */
  uint32_t max_kept_key;

  /** When requested (16-bit types, palettization): how many mask elements
   *  have each of the 65536 bit patterns.  NULL otherwise. */
  uint64_t *kept_hist;
} cais_cpu_selection;

/** Frees every buffer of `sel` except `mask` when `keep_mask`, and zeroes
 *  the struct. */
void cais_cpu_selection_free(cais_cpu_selection *sel, bool keep_mask);

/** Formats the non-finite skip reason: "contains 3 non-finite values
 *  (first at flat index 17); left uncompressed". */
void cais_cpu_nonfinite_message(char *msg, size_t size, int64_t count,
                                int64_t first);

#endif /* CAIS_CPU_SELECTION_H */
