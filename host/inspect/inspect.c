/* inspect.c -- cais_inspect_program: one line per compressed weight.
 *
 * Output (columns separated by spaces, names padded to the longest):
 *   weight  kind  shape  dtype  nnz/elements  sparsity  mask_bits  value_bits
 *           bytes  dense_bytes  ratio
 * then
 *   total: C compressed weight(s): B -> A bytes (R x); D float weight(s)
 *          left dense (E bytes)
 * and, for upstream's output, a line counting the replaced constants it left
 * in the program (weight_slots.h). 
 * `bytes` counts every constant of the chain as the format stores it
 * (const_data.h: blob size, one element for a splat), the same figure the
 * report gives as bytes_after. */
#include "inspect/inspect.h"

#include <stdio.h>
#include <string.h>

#include <mlir-c/BuiltinTypes.h>

#include "common/error.h"
#include "inspect/chain_decode.h"
#include "inspect/const_data.h"
#include "inspect/weight_slots.h"
#include "read_ir/locations.h"
#include "read_ir/program.h"

/* Dense bytes of a float constant, from its type alone. */
static uint64_t constant_dense_bytes(MlirOperation op) {
  MlirType t = mlirValueGetType(mlirOperationGetResult(op, 0));
  if (!mlirShapedTypeHasStaticShape(t)) return 0;
  uint64_t n = 1;
  for (intptr_t d = 0; d < mlirShapedTypeGetRank(t); d++)
    n *= (uint64_t)mlirShapedTypeGetDimSize(t, d);
  MlirType e = mlirShapedTypeGetElementType(t);
  return n * (mlirTypeIsAF32(e) ? 4u : 2u);
}

static void describe_op(MlirOperation op, char *buf, size_t size) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  char where[300];
  if (!cais_location_get_name(mlirOperationGetLocation(op), where, sizeof where) &&
      !cais_location_get_file_line_col(mlirOperationGetLocation(op), where, sizeof where))
    snprintf(where, sizeof where, "(no location)");
  snprintf(buf, size, "%s: %.*s", where, (int)name.length, name.data);
}

cais_status cais_inspect_program(const cais_program *program, FILE *out, cais_error *err) {
  if (!program)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS, "cais_inspect_program: no program");
  const char *source = program->source_name ? program->source_name : "program";
  cais_slot_list slots;
  cais_status st = cais_slots_collect(program->module, &slots, err);
  if (st != CAIS_OK) return st;
  if (slots.orphan_count) {
    char what[400];
    describe_op(slots.orphans[0], what, sizeof what);
    st = cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                   "%s: %s is not part of a complete op chain (no "
                   "sparse_with_bitmask_to_dense reads it)",
                   source, what);
    cais_slots_free(&slots);
    return st;
  }

  int width = 6;
  for (size_t i = 0; i < slots.count; i++) {
    if (slots.items[i].kind != CAIS_SLOT_CHAIN) continue;
    int len = (int)strlen(slots.items[i].name);
    if (len > width) width = len < 48 ? len : 48;
  }
  if (out && slots.chains)
    fprintf(out, "%-*s %-12s %-16s %-5s %21s %8s %4s %5s %12s %12s %7s\n", width,
            "weight", "kind", "shape", "dtype", "nnz/elements", "sparsity", "mask",
            "value", "bytes", "dense_bytes", "ratio");

  uint64_t before = 0, after = 0, dense_left = 0;
  size_t compressed = 0, left = 0;
  for (size_t i = 0; i < slots.count; i++) {
    const cais_slot *s = &slots.items[i];
    if (s->kind == CAIS_SLOT_CONSTANT) {
      left++;
      dense_left += constant_dense_bytes(s->op);
      continue;
    }
    cais_chain c;
    st = cais_chain_decode(s->op, &c, err);
    if (st != CAIS_OK) {
      cais_error_prefix(err, "%s: %s: malformed op chain", source, s->name);
      cais_slots_free(&slots);
      return st;
    }
    uint64_t dense = (uint64_t)c.numel * cais_float_type_size(c.ftype);
    char kind[32], shape[160], counts[48];
    cais_chain_kind_describe(&c, kind, sizeof kind);
    cais_shape_describe(c.rank, c.shape, shape, sizeof shape);
    snprintf(counts, sizeof counts, "%lld/%lld", (long long)c.nnz, (long long)c.numel);
    double sparsity = c.numel ? 1.0 - (double)c.nnz / (double)c.numel : 0.0;
    if (out)
      fprintf(out, "%-*s %-12s %-16s %-5s %21s %8.4f %4d %5d %12llu %12llu %6.2fx\n",
              width, s->name, kind, shape, cais_float_type_name(c.ftype), counts,
              sparsity, 1, c.value_bits, (unsigned long long)c.payload_bytes,
              (unsigned long long)dense,
              c.payload_bytes ? (double)dense / (double)c.payload_bytes : 0.0);
    compressed++;
    before += dense;
    after += c.payload_bytes;
  }
  if (out)
    fprintf(out,
            "total: %zu compressed weight(s): %llu -> %llu bytes (%.2fx); %zu float "
            "weight(s) left dense (%llu bytes)\n",
            compressed, (unsigned long long)before, (unsigned long long)after,
            after ? (double)before / (double)after : (compressed ? 0.0 : 1.0), left,
            (unsigned long long)dense_left);
  if (out && slots.leftover_count) {
    /* Upstream's sparsify_weights leaves each replaced constant in the
     * program (weight_slots.h): they cost bytes, not weights. */
    uint64_t bytes = 0;
    for (size_t i = 0; i < slots.leftover_count; i++) bytes += constant_dense_bytes(slots.leftovers[i]);
    fprintf(out,
            "unused: %zu replaced constant(s) left after their op chains, with no users "
            "(%llu bytes; as upstream's sparsify_weights writes them)\n",
            slots.leftover_count, (unsigned long long)bytes);
  }
  cais_slots_free(&slots);
  return CAIS_OK;
}
