/*
 * weight_slots.h -- a program's weights in walk order, compressed or not.
 *
 * A "weight slot" is either an op chain (anchored at its
 * sparse_with_bitmask_to_dense, chain_decode.h) or a float coreai.constant
 * (ranked tensor of f16, bf16 or f32) that is not part of a chain.  The
 * rewrite inserts each chain exactly where its constant stood and keeps every
 * other op, so the k-th slot of a compressed program stands for the k-th
 * float constant of its original -- which is how --verify pairs them.
 *
 * Build and lut_to_dense ops that belong to no chain are "orphans": a chain
 * that lost its end.
 *
 * Upstream's sparsify_weights inserts each chain before the constant it
 * replaces and leaves that constant in the program with no users.  Such a
 * "leftover" -- a coreai.constant with no users, of the chain's dense type,
 * directly after the chain's end op -- is no weight slot and takes no
 * ordinal, so upstream's output pairs with its original like ours does.
 */
#ifndef CAIS_INSPECT_WEIGHT_SLOTS_H
#define CAIS_INSPECT_WEIGHT_SLOTS_H

#include <stdbool.h>
#include <stddef.h>

#include <mlir-c/IR.h>

#include "caisparse.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cais_slot_kind {
  CAIS_SLOT_CONSTANT = 0, /**< a float coreai.constant */
  CAIS_SLOT_CHAIN = 1,    /**< an op chain */
} cais_slot_kind;

typedef struct cais_slot {
  cais_slot_kind kind;
  /** The float constant, or the chain's sparse_with_bitmask_to_dense. */
  MlirOperation op;
  /** Position as a coreai.constant of the uncompressed program: every
   *  chain counts as the one constant it replaced, chain constants do not
   *  count.  (For a program without chains: the index among its
   *  coreai.constant ops, the ordinal of collect_weights.h.) */
  size_t ordinal;
  /** The weight's user-facing name (locations.h), with `ordinal`. */
  char name[256];
} cais_slot;

typedef struct cais_slot_list {
  cais_slot *items;
  size_t count;
  size_t chains;
  MlirOperation *orphans;
  size_t orphan_count;
  /** Dead constants left after a chain by upstream (file comment). */
  MlirOperation *leftovers;
  size_t leftover_count;
  /** Every op of every chain (sorted by address), for membership. */
  void **members;
  size_t member_count;
} cais_slot_list;

/** Walks `module` (pre-order) into `list`. */
cais_status cais_slots_collect(MlirModule module, cais_slot_list *list,
                               cais_error *err);

/** The leftover constant after the chain that ends at `end`, or a null
 *  op (file comment). */
MlirOperation cais_slots_leftover_after(MlirOperation end);

/** True when `op` belongs to one of the list's chains. */
bool cais_slots_is_member(const cais_slot_list *list, MlirOperation op);

void cais_slots_free(cais_slot_list *list);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_INSPECT_WEIGHT_SLOTS_H */
