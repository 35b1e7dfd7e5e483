/* collect_weights.c -- see collect_weights.h. */
#include "select_weights/collect_weights.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mlir-c/BuiltinAttributes.h>
#include <mlir-c/BuiltinTypes.h>

#include "common/error.h"
#include "read_ir/locations.h"
#include "read_ir/mlir_capi_ext.h"
#include "read_ir/mlir_print.h"
#include "select_weights/op_names.h"

typedef struct walk_state {
  cais_weight_set *set;
  size_t capacity;
  size_t constants_seen;
  int64_t threshold;
  cais_status status;
  cais_error *err;
} walk_state;

static bool float_type_of(MlirType t, cais_float_type *out) {
  if (mlirTypeIsAF16(t)) *out = CAIS_FLOAT_F16;
  else if (mlirTypeIsABF16(t)) *out = CAIS_FLOAT_BF16;
  else if (mlirTypeIsAF32(t)) *out = CAIS_FLOAT_F32;
  else return false;
  return true;
}

/* Resource names are printed bare when they are identifiers; keep new names
 * to [A-Za-z0-9_.] so they always are. */
static void sanitize_name(const char *in, char *out, size_t size) {
  size_t n = 0;
  for (; *in && n + 1 < size; in++)
    out[n++] = (isalnum((unsigned char)*in) || *in == '_') ? *in : '_';
  out[n] = '\0';
  if (n == 0 || isdigit((unsigned char)out[0])) {
    /* An identifier cannot start with a digit: prefix "w_". */
    size_t keep = n + 2 < size ? n : size - 3;
    memmove(out + 2, out, keep);
    out[0] = 'w';
    out[1] = '_';
    out[keep + 2] = '\0';
  }
}

/* The stem of the resources that replace this weight: the resource's own
 * key when it has one, else its location name, else weight_<ordinal>. */
static void choose_base_name(cais_weight *w, MlirLocation loc) {
  char raw[256];
  if (mlirAttributeIsADenseResourceElements(w->value)) {
    MlirStringRef key = caisMlirDenseResourceElementsAttrGetKey(w->value);
    snprintf(raw, sizeof raw, "%.*s", (int)key.length, key.data);
  } else if (!cais_location_get_name(loc, raw, sizeof raw)) {
    snprintf(raw, sizeof raw, "weight_%zu", w->ordinal);
  }
  sanitize_name(raw, w->base_name, sizeof w->base_name);
}

/* Why the constant's users make it ineligible, or NULL when they are fine. */
static bool users_take_compressed_weights(MlirValue v, char *offender,
                                          size_t size) {
  for (MlirOpOperand use = mlirValueGetFirstUse(v); !mlirOpOperandIsNull(use);
       use = mlirOpOperandGetNextUse(use)) {
    MlirOperation user = mlirOpOperandGetOwner(use);
    if (!cais_op_takes_compressed_weights(user)) {
      MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(user));
      snprintf(offender, size, "%.*s", (int)name.length, name.data);
      return false;
    }
  }
  return true;
}

/* A `dense_resource` value must have its blob: without it the program is
 * broken whatever we do with the constant. */
static cais_status check_blob_present(MlirAttribute value, const char *name,
                                      cais_error *err) {
  if (mlirAttributeIsNull(value) || !mlirAttributeIsADenseResourceElements(value))
    return CAIS_OK;
  if (caisMlirDenseResourceElementsAttrGetBlob(value).present) return CAIS_OK;
  MlirStringRef key = caisMlirDenseResourceElementsAttrGetKey(value);
  return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                   "%s: dense_resource<%.*s> has no data: the blob is missing "
                   "from the file's dialect_resources section",
                   name, (int)key.length, key.data);
}

/* Checks a float constant's value against its result type: the types
 * match and a blob holds exactly the bytes the type needs.  Every float
 * constant is checked, candidate or not: a program that fails is broken,
 * and writing it back would only pass the damage on. */
static cais_status check_value(const cais_weight *w, MlirType result_type,
                               cais_error *err) {
  MlirType value_type = mlirAttributeGetType(w->value);
  if (!mlirTypeEqual(value_type, result_type)) {
    char vt[128], rt[128];
    cais_print_type(value_type, vt, sizeof vt);
    cais_print_type(result_type, rt, sizeof rt);
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "%s: the value's type %s does not match the result type %s",
                     w->name, vt, rt);
  }
  cais_status st = check_blob_present(w->value, w->name, err);
  if (st != CAIS_OK || !mlirAttributeIsADenseResourceElements(w->value)) return st;
  size_t elem = cais_float_type_size(w->view.type);
  uint64_t need = (uint64_t)w->view.numel * elem;
  caisMlirBlob blob = caisMlirDenseResourceElementsAttrGetBlob(w->value);
  MlirStringRef key = caisMlirDenseResourceElementsAttrGetKey(w->value);
  if (blob.size != need)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "%s: dense_resource<%.*s> holds %zu bytes but its type "
                     "needs %llu (%lld elements of %zu bytes)",
                     w->name, (int)key.length, key.data, blob.size,
                     (unsigned long long)need, (long long)w->view.numel, elem);
  return CAIS_OK;
}

/* Points w->view.data at the dense bytes (check_value has passed); clears
 * w->eligible for attribute kinds we do not read. */
static void attach_data(cais_weight *w) {
  if (mlirAttributeIsADenseResourceElements(w->value)) {
    w->view.data = caisMlirDenseResourceElementsAttrGetBlob(w->value).data;
    return;
  }
  if (mlirAttributeIsADenseElements(w->value)) {
    const void *raw = mlirDenseElementsAttrGetRawData(w->value);
    if (mlirDenseElementsAttrIsSplat(w->value)) {
      /* A splat weight is expanded later (cais_weight_set_expand_splats):
       * a few bytes of text can declare gigabytes, so the engine checks
       * its memory budget first. */
      w->splat_value = raw;
    } else {
      w->view.data = raw;
    }
    return;
  }
  char kind[96];
  cais_print_attribute(w->value, kind, sizeof kind);
  w->eligible = false;
  snprintf(w->reason, sizeof w->reason,
           "its value is not dense or dense_resource data (%s)", kind);
}

static cais_status visit_constant(walk_state *st, MlirOperation op) {
  size_t ordinal = st->constants_seen++;
  if (mlirOperationGetNumResults(op) != 1) return CAIS_OK;
  MlirValue result = mlirOperationGetResult(op, 0);
  MlirType type = mlirValueGetType(result);
  if (!mlirTypeIsARankedTensor(type)) return CAIS_OK;
  cais_float_type ft;
  if (!float_type_of(mlirShapedTypeGetElementType(type), &ft)) {
    /* Not ours to compress, but a missing blob still breaks the program. */
    char name[256];
    cais_location_describe_weight(mlirOperationGetLocation(op), ordinal, name,
                                  sizeof name);
    return check_blob_present(
        mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value")),
        name, st->err);
  }

  cais_weight_set *set = st->set;
  if (set->count == st->capacity) {
    size_t cap = st->capacity ? st->capacity * 2 : 64;
    cais_weight *items = realloc(set->items, cap * sizeof *items);
    if (!items)
      return cais_fail(st->err, CAIS_ERROR_OUT_OF_MEMORY,
                       "out of memory collecting weights");
    set->items = items;
    st->capacity = cap;
  }
  cais_weight *w = &set->items[set->count++];
  memset(w, 0, sizeof *w);
  w->op = op;
  w->ordinal = ordinal;
  MlirLocation loc = mlirOperationGetLocation(op);
  cais_location_describe_weight(loc, ordinal, w->name, sizeof w->name);
  w->value = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value"));
  if (mlirAttributeIsNull(w->value)) {
    char where[256];
    if (!cais_location_get_file_line_col(loc, where, sizeof where))
      snprintf(where, sizeof where, "%s", w->name);
    return cais_fail(st->err, CAIS_ERROR_INVALID_INPUT,
                     "%s: coreai.constant has no `value` attribute", where);
  }
  choose_base_name(w, loc);
  w->view.type = ft;

  if (!mlirShapedTypeHasStaticShape(type)) {
    snprintf(w->reason, sizeof w->reason, "its shape is not static");
    return CAIS_OK;
  }
  int rank = (int)mlirShapedTypeGetRank(type);
  if (rank > CAIS_MAX_RANK) {
    snprintf(w->reason, sizeof w->reason, "rank %d is above the supported %d",
             rank, CAIS_MAX_RANK);
    return CAIS_OK;
  }
  int64_t numel = 1;
  bool overflow = false;
  w->view.rank = rank;
  for (int d = 0; d < rank; d++) {
    int64_t dim = mlirShapedTypeGetDimSize(type, d);
    w->view.shape[d] = dim;
    if (dim < 0) {
      /* Only corrupt bytecode gets here (the text parser rejects it); two
       * negative sizes would multiply into a plausible element count. */
      char t[128];
      cais_print_type(type, t, sizeof t);
      return cais_fail(st->err, CAIS_ERROR_INVALID_INPUT,
                       "%s: %s has a negative dimension", w->name, t);
    }
    if (__builtin_mul_overflow(numel, dim, &numel)) overflow = true;
  }
  size_t elem = cais_float_type_size(ft);
  int64_t bytes;
  if (overflow || __builtin_mul_overflow(numel, (int64_t)elem, &bytes)) {
    char t[128];
    cais_print_type(type, t, sizeof t);
    return cais_fail(st->err, CAIS_ERROR_INVALID_INPUT,
                     "%s: %s has too many elements to address", w->name, t);
  }
  w->view.numel = numel;
  cais_status checked = check_value(w, type, st->err);
  if (checked != CAIS_OK) return checked;
  if (rank == 0) {
    snprintf(w->reason, sizeof w->reason, "it is a scalar");
    return CAIS_OK;
  }
  if (numel <= st->threshold) {
    snprintf(w->reason, sizeof w->reason,
             "%lld elements, not more than weight_num_threshold (%lld)",
             (long long)numel, (long long)st->threshold);
    return CAIS_OK;
  }
  char offender[128];
  if (!users_take_compressed_weights(result, offender, sizeof offender) &&
      numel < CAIS_LARGE_WEIGHT_ELEMENTS) {
    snprintf(w->reason, sizeof w->reason,
             "used by %s, which does not take compressed weights", offender);
    return CAIS_OK;
  }
  w->eligible = true;
  attach_data(w);
  if (!w->eligible) return CAIS_OK;
  w->axes = cais_channel_axes(result, rank, &w->axes_disagree, w->axes_detail,
                              sizeof w->axes_detail);
  set->eligible_count++;
  set->eligible_bytes += (uint64_t)bytes;
  return CAIS_OK;
}

static MlirWalkResult visit(MlirOperation op, void *user) {
  walk_state *st = user;
  if (!cais_op_is(op, CAIS_OP_CONSTANT)) return MlirWalkResultAdvance;
  st->status = visit_constant(st, op);
  return st->status == CAIS_OK ? MlirWalkResultAdvance : MlirWalkResultInterrupt;
}

cais_status cais_collect_weights_lazy(MlirModule module, int64_t weight_num_threshold,
                                      cais_weight_set *set, cais_error *err) {
  memset(set, 0, sizeof *set);
  walk_state st = {set, 0, 0, weight_num_threshold, CAIS_OK, err};
  mlirOperationWalk(mlirModuleGetOperation(module), visit, &st, MlirWalkPreOrder);
  if (st.status != CAIS_OK) cais_weight_set_free(set);
  return st.status;
}

cais_status cais_weight_set_expand_splats(cais_weight_set *set, cais_error *err) {
  for (size_t i = 0; i < set->count; i++) {
    cais_weight *w = &set->items[i];
    if (!w->eligible || !w->splat_value || w->view.data) continue;
    size_t elem = cais_float_type_size(w->view.type);
    size_t need = (size_t)w->view.numel * elem;
    /* Every backend sees plain dense data. */
    unsigned char *buf = malloc(need ? need : 1);
    if (!buf)
      return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY,
                       "%s: out of memory expanding a splat of %zu bytes", w->name,
                       need);
    for (int64_t k = 0; k < w->view.numel; k++)
      memcpy(buf + (size_t)k * elem, w->splat_value, elem);
    w->owned_data = buf;
    w->view.data = buf;
  }
  return CAIS_OK;
}

cais_status cais_collect_weights(MlirModule module, int64_t weight_num_threshold,
                                 cais_weight_set *set, cais_error *err) {
  cais_status st = cais_collect_weights_lazy(module, weight_num_threshold, set, err);
  if (st == CAIS_OK) st = cais_weight_set_expand_splats(set, err);
  if (st != CAIS_OK) cais_weight_set_free(set);
  return st;
}

void cais_weight_set_free(cais_weight_set *set) {
  for (size_t i = 0; i < set->count; i++) free(set->items[i].owned_data);
  free(set->items);
  memset(set, 0, sizeof *set);
}
