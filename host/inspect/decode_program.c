/* decode_program.c -- see decode_program.h. */
#include "inspect/decode_program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mlir-c/BuiltinAttributes.h>
#include <mlir-c/BuiltinTypes.h>

#include "common/error.h"
#include "common/float_formats.h"
#include "inspect/chain_dense.h"
#include "inspect/weight_slots.h"
#include "read_ir/mlir_capi_ext.h"
#include "read_ir/program.h"
#include "select_weights/op_names.h"

/* Blob alignment of the decoded weights (the rewrite's, op_chains.h). */
#define DECODE_BLOB_ALIGNMENT 4

static void free_blob(void *user, const void *data, size_t size, size_t align) {
  (void)user;
  (void)size;
  (void)align;
  free((void *)data);
}

/* The decoded bits packed as the weight type's little-endian bytes. */
static void *pack(const uint32_t *bits, int64_t n, cais_float_type t, size_t *bytes) {
  size_t elem = cais_float_type_size(t);
  *bytes = (size_t)n * elem;
  uint8_t *out = malloc(*bytes ? *bytes : 1);
  if (!out) return NULL;
  for (int64_t i = 0; i < n; i++)
    for (size_t b = 0; b < elem; b++) out[(size_t)i * elem + b] = (uint8_t)(bits[i] >> (8 * b));
  return out;
}

static bool has_uses(MlirOperation op) {
  for (intptr_t r = 0; r < mlirOperationGetNumResults(op); r++)
    if (!mlirOpOperandIsNull(mlirValueGetFirstUse(mlirOperationGetResult(op, r))))
      return true;
  return false;
}

/* Erases the chain's ops that nothing uses any more, users before the ops
 * they read (repeat until no op goes). */
static void erase_unused(MlirOperation *ops, size_t n) {
  bool erased = true;
  while (erased) {
    erased = false;
    for (size_t i = 0; i < n; i++) {
      if (mlirOperationIsNull(ops[i]) || has_uses(ops[i])) continue;
      mlirOperationDestroy(ops[i]);
      ops[i].ptr = NULL;
      erased = true;
    }
  }
}

/* The constant holding `c`'s dense weight, shaped like the chain's mask
 * constant (so it keeps the program's `<{value}>` or `{value}` style), with
 * the end op's location. */
static cais_status make_constant(const cais_chain *c, const char *stem, MlirOperation *out,
                                 cais_error *err) {
  uint32_t *bits = NULL;
  cais_status st = cais_chain_dense(c, &bits, err);
  if (st != CAIS_OK) return st;
  size_t bytes = 0;
  void *data = pack(bits, c->numel, c->ftype, &bytes);
  free(bits);
  if (!data) return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "out of memory packing the weight");

  MlirAttribute value;
  if (c->numel == 0) {
    value = mlirDenseElementsAttrRawBufferGet(c->dense_type, 0, NULL);
    free(data);
  } else {
    char name[256];
    snprintf(name, sizeof name, "%s_decoded", stem);
    value = mlirUnmanagedDenseResourceElementsAttrGet(
        c->dense_type, mlirStringRefCreateFromCString(name), data, bytes,
        DECODE_BLOB_ALIGNMENT, /*dataIsMutable=*/false, free_blob, NULL);
  }
  MlirOperation mask = c->ops.mask;
  MlirStringRef key = mlirStringRefCreateFromCString("value");
  MlirOperationState state = mlirOperationStateGet(
      mlirStringRefCreateFromCString(CAIS_OP_CONSTANT), mlirOperationGetLocation(c->end));
  MlirType type = c->dense_type;
  mlirOperationStateAddResults(&state, 1, &type);
  MlirOperation op = mlirOperationCreate(&state);
  if (mlirOperationHasInherentAttributeByName(mask, key)) {
    caisMlirOperationCopyProperties(op, mask);
    mlirOperationSetInherentAttributeByName(op, key, value);
  } else {
    mlirOperationSetDiscardableAttributeByName(op, key, value);
  }
  *out = op;
  return CAIS_OK;
}

/* A resource-name stem from the weight's name: letters, digits and _. */
static void stem_of(const char *name, size_t ordinal, char *buf, size_t size) {
  size_t n = 0;
  for (const char *p = name; *p && n + 1 < size && n < 120; p++)
    buf[n++] = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9'))
                   ? *p
                   : '_';
  buf[n] = '\0';
  if (n == 0) snprintf(buf, size, "weight%zu", ordinal);
}

cais_status cais_decode_program(cais_program *program, cais_decode_summary *summary,
                                cais_error *err) {
  cais_decode_summary local;
  if (!summary) summary = &local;
  memset(summary, 0, sizeof *summary);
  if (!program)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS, "cais_decode_program: no program");
  const char *source = program->source_name ? program->source_name : "program";
  cais_slot_list slots;
  cais_status st = cais_slots_collect(program->module, &slots, err);
  if (st != CAIS_OK) return st;

  for (size_t i = 0; i < slots.count && st == CAIS_OK; i++) {
    const cais_slot *s = &slots.items[i];
    if (s->kind != CAIS_SLOT_CHAIN) continue;
    cais_chain c;
    if ((st = cais_chain_decode(s->op, &c, err)) != CAIS_OK) {
      cais_error_prefix(err, "%s: %s: malformed op chain", source, s->name);
      break;
    }
    char stem[128];
    stem_of(s->name, s->ordinal, stem, sizeof stem);
    MlirOperation dense;
    if ((st = make_constant(&c, stem, &dense, err)) != CAIS_OK) {
      cais_error_prefix(err, "%s: %s", source, s->name);
      break;
    }
    MlirOperation leftover = cais_slots_leftover_after(c.end);
    mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(c.end), c.end, dense);
    mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(c.end, 0),
                                  mlirOperationGetResult(dense, 0));
    MlirOperation ops[CAIS_CHAIN_MAX_OPS + 1];
    size_t n = cais_chain_ops_list(&c.ops, ops);
    if (!mlirOperationIsNull(leftover)) {
      ops[n++] = leftover;
      summary->leftovers++;
    }
    erase_unused(ops, n);
    summary->chains++;
  }
  cais_slots_free(&slots);
  return st;
}
