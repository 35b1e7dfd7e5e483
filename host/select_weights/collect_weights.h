/*
 * collect_weights.h -- finding the program's float coreai.constant ops,
 * deciding which are compressed (spec section 2) and where their data is.
 *
 * Every float constant is recorded, eligible or not, so the report can say
 * why a weight was left alone.  Eligible weights get a tensor view of their
 * data (borrowed from the IR; a splat is expanded into an owned buffer) and
 * their channel axes.  Problems that make the program unreadable -- a
 * candidate whose `dense_resource` blob is missing or shorter than its type
 * needs, or a constant without a value -- fail the collection before any
 * change is made.
 */
#ifndef CAIS_SELECT_WEIGHTS_COLLECT_WEIGHTS_H
#define CAIS_SELECT_WEIGHTS_COLLECT_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>

#include <mlir-c/IR.h>

#include "caisparse.h"
#include "compute/compute_job.h"
#include "select_weights/channel_axes.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Elements from which a constant is compressed whatever its users are. */
#define CAIS_LARGE_WEIGHT_ELEMENTS 100000000LL

typedef struct cais_weight {
  MlirOperation op;       /**< the coreai.constant */
  MlirAttribute value;    /**< its `value` attribute */
  size_t ordinal;         /**< index among the program's coreai.constant ops */
  char name[256];         /**< user-facing name (locations.h) */
  char base_name[192];    /**< stem for the names of new resources */
  bool eligible;          /**< a candidate for compression */
  char reason[256];       /**< why not eligible */
  cais_tensor_view view;  /**< eligible only: the dense data */
  void *owned_data;       /**< set when view.data is our own buffer */
  /** A splat weight's one element, until cais_weight_set_expand_splats
   *  points view.data at the expanded copy (NULL for other weights). */
  const void *splat_value;
  cais_axes axes;
  bool axes_disagree;
  char axes_detail[256];
} cais_weight;

typedef struct cais_weight_set {
  cais_weight *items;
  size_t count;
  size_t eligible_count;
  uint64_t eligible_bytes;
} cais_weight_set;

/** Walks `module` and fills `set` (see the file comment).  `source_name` is
 *  used in messages.  On failure `set` is left empty. */
cais_status cais_collect_weights(MlirModule module, int64_t weight_num_threshold,
                                 cais_weight_set *set, cais_error *err);

/** cais_collect_weights without expanding splat weights: their view.data
 *  stays NULL (splat_value is set) until cais_weight_set_expand_splats, so
 *  a caller can check its memory budget first (a short splat can declare
 *  gigabytes). */
cais_status cais_collect_weights_lazy(MlirModule module, int64_t weight_num_threshold,
                                      cais_weight_set *set, cais_error *err);

/** Expands the eligible splat weights into owned dense buffers. */
cais_status cais_weight_set_expand_splats(cais_weight_set *set, cais_error *err);

/** Frees the set (and every owned buffer). */
void cais_weight_set_free(cais_weight_set *set);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_SELECT_WEIGHTS_COLLECT_WEIGHTS_H */
