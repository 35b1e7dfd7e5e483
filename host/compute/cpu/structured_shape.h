/*
 * structured_shape.h -- whether block or n:m pruning can run on a weight at
 * all (spec section 4), with the reason when it cannot.  One rule for both:
 * rank >= 2, a valid axis, and groups of at most half the channels along it
 * (`2 * group > C` skips; written overflow-safe).
 */
#ifndef CAIS_CPU_STRUCTURED_SHAPE_H
#define CAIS_CPU_STRUCTURED_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compute/compute_job.h"

/** The words a skip message uses for one structured mode. */
typedef struct cais_structured_words {
  const char *mode;      /**< "block sparsity" / "n:m sparsity" */
  const char *group;     /**< "block_size" / "n:m group size m =" */
  const char *channels;  /**< "output" / "input" */
} cais_structured_words;

/** True when `w` cannot be pruned in groups of `group` along `axis`; `msg`
 *  then says why, ending "; left uncompressed".  (Non-finite values take
 *  precedence; the callers check them first.) */
bool cais_cpu_structured_unusable(const cais_tensor_view *w, int axis, int64_t group,
                                  const cais_structured_words *words, char *msg,
                                  size_t msg_size);

#endif /* CAIS_CPU_STRUCTURED_SHAPE_H */
