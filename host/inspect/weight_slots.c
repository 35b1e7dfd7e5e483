/* weight_slots.c -- see weight_slots.h. */
#include "inspect/weight_slots.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mlir-c/BuiltinTypes.h>

#include "common/error.h"
#include "inspect/chain_decode.h"
#include "read_ir/locations.h"
#include "select_weights/op_names.h"

/* A growable array of pointers. */
typedef struct ptr_vec {
  void **items;
  size_t count, capacity;
} ptr_vec;

static bool ptr_vec_push(ptr_vec *v, void *p) {
  if (v->count == v->capacity) {
    size_t cap = v->capacity ? v->capacity * 2 : 32;
    void **items = realloc(v->items, cap * sizeof *items);
    if (!items) return false;
    v->items = items;
    v->capacity = cap;
  }
  v->items[v->count++] = p;
  return true;
}

static int cmp_ptr(const void *a, const void *b) {
  uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
  return x < y ? -1 : x > y;
}

typedef struct pass1 {
  ptr_vec anchors; /* to_dense ops */
  ptr_vec partial; /* build and lut_to_dense ops */
  bool oom;
} pass1;

static MlirWalkResult visit1(MlirOperation op, void *user) {
  pass1 *p = user;
  bool ok = true;
  if (cais_op_is(op, CAIS_OP_SPARSE_TO_DENSE))
    ok = ptr_vec_push(&p->anchors, op.ptr);
  else if (cais_op_is(op, CAIS_OP_BUILD_SPARSE) || cais_op_is(op, CAIS_OP_LUT_TO_DENSE))
    ok = ptr_vec_push(&p->partial, op.ptr);
  if (!ok) {
    p->oom = true;
    return MlirWalkResultInterrupt;
  }
  return MlirWalkResultAdvance;
}

MlirOperation cais_slots_leftover_after(MlirOperation end) {
  MlirOperation none = {NULL};
  if (mlirOperationIsNull(end) || mlirOperationGetNumResults(end) != 1) return none;
  MlirOperation next = mlirOperationGetNextInBlock(end);
  if (mlirOperationIsNull(next) || !cais_op_is(next, CAIS_OP_CONSTANT) ||
      mlirOperationGetNumResults(next) != 1)
    return none;
  MlirValue r = mlirOperationGetResult(next, 0);
  if (!mlirOpOperandIsNull(mlirValueGetFirstUse(r))) return none;
  if (!mlirTypeEqual(mlirValueGetType(r),
                     mlirValueGetType(mlirOperationGetResult(end, 0))))
    return none;
  return next;
}

typedef struct pass2 {
  cais_slot_list *list;
  size_t capacity;
  size_t ordinal;
  bool oom;
} pass2;

static bool is_float_constant(MlirOperation op) {
  if (mlirOperationGetNumResults(op) != 1) return false;
  MlirType t = mlirValueGetType(mlirOperationGetResult(op, 0));
  if (!mlirTypeIsARankedTensor(t)) return false;
  MlirType e = mlirShapedTypeGetElementType(t);
  return mlirTypeIsAF16(e) || mlirTypeIsABF16(e) || mlirTypeIsAF32(e);
}

static bool add_slot(pass2 *p, cais_slot_kind kind, MlirOperation op, size_t ordinal) {
  cais_slot_list *l = p->list;
  if (l->count == p->capacity) {
    size_t cap = p->capacity ? p->capacity * 2 : 32;
    cais_slot *items = realloc(l->items, cap * sizeof *items);
    if (!items) return false;
    l->items = items;
    p->capacity = cap;
  }
  cais_slot *s = &l->items[l->count++];
  s->kind = kind;
  s->op = op;
  s->ordinal = ordinal;
  cais_location_describe_weight(mlirOperationGetLocation(op), ordinal, s->name,
                                sizeof s->name);
  return true;
}

static bool is_leftover(const cais_slot_list *l, MlirOperation op) {
  for (size_t i = 0; i < l->leftover_count; i++)
    if (l->leftovers[i].ptr == op.ptr) return true;
  return false;
}

static MlirWalkResult visit2(MlirOperation op, void *user) {
  pass2 *p = user;
  cais_slot_list *l = p->list;
  bool ok = true;
  if (cais_op_is(op, CAIS_OP_SPARSE_TO_DENSE)) {
    ok = add_slot(p, CAIS_SLOT_CHAIN, op, p->ordinal++);
    l->chains++;
  } else if (cais_op_is(op, CAIS_OP_CONSTANT) && !cais_slots_is_member(l, op) &&
             !is_leftover(l, op)) {
    size_t ordinal = p->ordinal++;
    if (is_float_constant(op)) ok = add_slot(p, CAIS_SLOT_CONSTANT, op, ordinal);
  }
  if (!ok) {
    p->oom = true;
    return MlirWalkResultInterrupt;
  }
  return MlirWalkResultAdvance;
}

bool cais_slots_is_member(const cais_slot_list *l, MlirOperation op) {
  if (!l->member_count) return false;
  void *key = op.ptr;
  return bsearch(&key, l->members, l->member_count, sizeof *l->members, cmp_ptr) != NULL;
}

cais_status cais_slots_collect(MlirModule module, cais_slot_list *list, cais_error *err) {
  memset(list, 0, sizeof *list);
  MlirOperation top = mlirModuleGetOperation(module);
  pass1 p1 = {0};
  mlirOperationWalk(top, visit1, &p1, MlirWalkPreOrder);
  ptr_vec members = {0};
  list->leftovers = malloc((p1.anchors.count ? p1.anchors.count : 1) * sizeof *list->leftovers);
  if (!list->leftovers) p1.oom = true;
  for (size_t i = 0; i < p1.anchors.count && !p1.oom; i++) {
    cais_chain_ops ops;
    cais_chain_trace((MlirOperation){p1.anchors.items[i]}, &ops);
    MlirOperation left = cais_slots_leftover_after(cais_chain_ops_end(&ops));
    if (!mlirOperationIsNull(left)) list->leftovers[list->leftover_count++] = left;
    MlirOperation all[CAIS_CHAIN_MAX_OPS];
    size_t n = cais_chain_ops_list(&ops, all);
    for (size_t k = 0; k < n; k++)
      if (!ptr_vec_push(&members, all[k].ptr)) p1.oom = true;
  }
  if (p1.oom) goto oom;
  if (members.count) /* qsort(NULL, 0) is undefined behaviour */
    qsort(members.items, members.count, sizeof *members.items, cmp_ptr);
  size_t unique = 0;
  for (size_t i = 0; i < members.count; i++)
    if (unique == 0 || members.items[unique - 1] != members.items[i])
      members.items[unique++] = members.items[i];
  list->members = members.items;
  list->member_count = unique;
  members.items = NULL;

  list->orphans = malloc((p1.partial.count ? p1.partial.count : 1) * sizeof *list->orphans);
  if (!list->orphans) goto oom;
  for (size_t i = 0; i < p1.partial.count; i++) {
    MlirOperation op = {p1.partial.items[i]};
    if (!cais_slots_is_member(list, op)) list->orphans[list->orphan_count++] = op;
  }

  pass2 p2 = {list, 0, 0, false};
  mlirOperationWalk(top, visit2, &p2, MlirWalkPreOrder);
  if (p2.oom) goto oom;
  free(p1.anchors.items);
  free(p1.partial.items);
  return CAIS_OK;

oom:
  free(p1.anchors.items);
  free(p1.partial.items);
  free(members.items);
  cais_slots_free(list);
  return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "out of memory listing weights");
}

void cais_slots_free(cais_slot_list *list) {
  free(list->items);
  free(list->orphans);
  free(list->leftovers);
  free(list->members);
  memset(list, 0, sizeof *list);
}
