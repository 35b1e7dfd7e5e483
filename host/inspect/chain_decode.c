/* chain_decode.c -- see chain_decode.h. */
#include "inspect/chain_decode.h"

#include <stdio.h>
#include <string.h>

#include <mlir-c/BuiltinAttributes.h>
#include <mlir-c/BuiltinTypes.h>

#include "common/error.h"
#include "common/float_formats.h"
#include "engine/options.h"
#include "read_ir/mlir_print.h"
#include "rewrite_ir/coreai_types.h"
#include "select_weights/op_names.h"

MlirOperation cais_value_owner(MlirValue v) {
  MlirOperation none = {NULL};
  if (mlirValueIsNull(v) || !mlirValueIsAOpResult(v)) return none;
  return mlirOpResultGetOwner(v);
}

/* The op defining operand `i` of `op` when it is named `name`. */
static MlirOperation operand_op(MlirOperation op, intptr_t i, const char *name) {
  MlirOperation none = {NULL};
  if (mlirOperationIsNull(op) || mlirOperationGetNumOperands(op) <= i) return none;
  MlirOperation def = cais_value_owner(mlirOperationGetOperand(op, i));
  if (mlirOperationIsNull(def) || !cais_op_is(def, name)) return none;
  return def;
}

static bool is_weight_float(MlirType t) {
  return mlirTypeIsAF16(t) || mlirTypeIsABF16(t) || mlirTypeIsAF32(t);
}

/* The element type of `op`'s only result when it is a ranked tensor. */
static MlirType result_element_type(MlirOperation op) {
  MlirType none = {NULL};
  if (mlirOperationGetNumResults(op) != 1) return none;
  MlirType t = mlirValueGetType(mlirOperationGetResult(op, 0));
  if (!mlirTypeIsARankedTensor(t)) return none;
  return mlirShapedTypeGetElementType(t);
}

/* The single user of `op`'s result when it is a blockwise_shift_scale taking
 * it as operand 0; a null op otherwise. */
static MlirOperation shift_user(MlirOperation to_dense) {
  MlirOperation none = {NULL};
  if (mlirOperationGetNumResults(to_dense) != 1) return none;
  MlirValue r = mlirOperationGetResult(to_dense, 0);
  MlirOpOperand use = mlirValueGetFirstUse(r);
  if (mlirOpOperandIsNull(use)) return none;
  MlirOperation user = mlirOpOperandGetOwner(use);
  if (!cais_op_is(user, CAIS_OP_SHIFT_SCALE) || mlirOpOperandGetOperandNumber(use) != 0)
    return none;
  if (!mlirOpOperandIsNull(mlirOpOperandGetNextUse(use))) return none;
  return user;
}

void cais_chain_trace(MlirOperation to_dense, cais_chain_ops *o) {
  memset(o, 0, sizeof *o);
  o->to_dense = to_dense;
  if (mlirOperationGetNumOperands(to_dense) == 1)
    o->build = operand_op(to_dense, 0, CAIS_OP_BUILD_SPARSE);
  if (!mlirOperationIsNull(o->build) && mlirOperationGetNumOperands(o->build) == 2) {
    o->values = operand_op(o->build, 0, CAIS_OP_CONSTANT);
    MlirOperation first_shift = operand_op(o->build, 0, CAIS_OP_SHIFT_SCALE);
    if (!mlirOperationIsNull(first_shift)) {
      /* Values first (our uint8): the build reads dequantized values. */
      o->shift = first_shift;
      if (mlirOperationGetNumOperands(first_shift) == 4) {
        o->values = operand_op(first_shift, 0, CAIS_OP_CONSTANT);
        o->scale = operand_op(first_shift, 1, CAIS_OP_CONSTANT);
        o->offset1 = operand_op(first_shift, 2, CAIS_OP_CONSTANT);
        o->offset2 = operand_op(first_shift, 3, CAIS_OP_CONSTANT);
      }
    } else if (mlirOperationIsNull(o->values)) {
      o->lut_op = operand_op(o->build, 0, CAIS_OP_LUT_TO_DENSE);
      if (!mlirOperationIsNull(o->lut_op) && mlirOperationGetNumOperands(o->lut_op) == 3) {
        o->indices = operand_op(o->lut_op, 0, CAIS_OP_CONSTANT);
        o->lut = operand_op(o->lut_op, 1, CAIS_OP_CONSTANT);
        o->axis = operand_op(o->lut_op, 2, CAIS_OP_CONSTANT);
      }
    }
    o->mask = operand_op(o->build, 1, CAIS_OP_CONSTANT);
  }
  /* Quantized, dense first: the dense result's element type is not a
   * weight float. */
  MlirType e = result_element_type(to_dense);
  if (mlirOperationIsNull(o->shift) && !mlirTypeIsNull(e) && !is_weight_float(e)) {
    o->shift = shift_user(to_dense);
    if (!mlirOperationIsNull(o->shift) && mlirOperationGetNumOperands(o->shift) == 4) {
      o->scale = operand_op(o->shift, 1, CAIS_OP_CONSTANT);
      o->offset1 = operand_op(o->shift, 2, CAIS_OP_CONSTANT);
      o->offset2 = operand_op(o->shift, 3, CAIS_OP_CONSTANT);
    }
  }
}

MlirOperation cais_chain_ops_end(const cais_chain_ops *o) {
  if (!mlirOperationIsNull(o->shift) && mlirOperationGetNumOperands(o->shift) > 0 &&
      cais_value_owner(mlirOperationGetOperand(o->shift, 0)).ptr == o->to_dense.ptr)
    return o->shift;
  return o->to_dense;
}

size_t cais_chain_ops_list(const cais_chain_ops *o, MlirOperation *out) {
  const MlirOperation all[CAIS_CHAIN_MAX_OPS] = {
      o->to_dense, o->build, o->mask, o->values,  o->lut_op,  o->indices,
      o->lut,      o->axis,  o->shift, o->scale, o->offset1, o->offset2};
  size_t n = 0;
  for (size_t i = 0; i < CAIS_CHAIN_MAX_OPS; i++)
    if (!mlirOperationIsNull(all[i])) out[n++] = all[i];
  return n;
}

/* ---- validation helpers ---------------------------------------------- */

/* Reads constant `op` playing `role` in the chain. */
static cais_status read_role(MlirOperation op, const char *role, cais_const_data *out,
                             cais_error *err) {
  if (mlirOperationIsNull(op))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "the %s operand is not produced by a coreai.constant", role);
  cais_status st = cais_const_read(op, out, err);
  if (st != CAIS_OK) cais_error_prefix(err, "%s constant", role);
  return st;
}

/* Checks that `c` is tensor<shape x elem> with the given shape. */
static cais_status expect_shape(const cais_const_data *c, const char *role, int rank,
                                const int64_t *shape, cais_error *err) {
  bool ok = c->rank == rank;
  for (int d = 0; ok && d < rank; d++) ok = c->shape[d] == shape[d];
  if (ok) return CAIS_OK;
  char have[160], want[160];
  cais_shape_describe(c->rank, c->shape, have, sizeof have);
  cais_shape_describe(rank, shape, want, sizeof want);
  return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                   "%s constant has shape %s, expected %s", role, have, want);
}

static cais_status expect_elem(const cais_const_data *c, const char *role,
                               MlirType elem, cais_error *err) {
  MlirType have = mlirShapedTypeGetElementType(c->type);
  if (mlirTypeEqual(have, elem)) return CAIS_OK;
  char hs[64], ws[64];
  cais_print_type(have, hs, sizeof hs);
  cais_print_type(elem, ws, sizeof ws);
  return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                   "%s constant has element type %s, expected %s", role, hs, ws);
}

static cais_status expect_counts(MlirOperation op, const char *name, intptr_t operands,
                                 cais_error *err) {
  if (mlirOperationGetNumOperands(op) != operands || mlirOperationGetNumResults(op) != 1)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "%s has %td operands and %td results, expected %td and 1", name,
                     mlirOperationGetNumOperands(op), mlirOperationGetNumResults(op),
                     operands);
  return CAIS_OK;
}

static int64_t popcount_mask(const cais_const_data *m) {
  if (m->numel == 0) return 0;
  if (m->splat) return cais_const_bits(m, 0) ? m->numel : 0;
  int64_t n = 0;
  if (m->stride_bits == 1) {
    int64_t full = m->numel / 8;
    for (int64_t b = 0; b < full; b++) n += __builtin_popcount(m->data[b]);
    for (int64_t i = full * 8; i < m->numel; i++) n += (int64_t)cais_const_bits(m, i);
    return n;
  }
  for (int64_t i = 0; i < m->numel; i++) n += cais_const_bits(m, i) != 0;
  return n;
}

/* ---- decoding ---------------------------------------------------------- */

/* The joint mode of quantized element type `qelem`, or an error. */
static cais_status quantized_mode(MlirType qelem, const char *where, cais_joint_mode *mode,
                                  cais_error *err) {
  cais_elem_type q;
  cais_elem_type_of(qelem, &q);
  if (q.kind == CAIS_ELEM_SINT && q.bits == 8 && !q.signless)
    *mode = CAIS_JOINT_INT8;
  else if (q.kind == CAIS_ELEM_UINT && q.bits == 8)
    *mode = CAIS_JOINT_UINT8;
  else if (q.kind == CAIS_ELEM_FP8)
    *mode = q.fp8 == CAIS_FP8_E4M3FN ? CAIS_JOINT_FP8_E4M3FN : CAIS_JOINT_FP8_E5M2;
  else {
    char s[64];
    cais_print_type(qelem, s, sizeof s);
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "%s %s elements, neither a weight type (f16, bf16, f32) nor a "
                     "quantized one (si8, ui8, f8E4M3FN, f8E5M2)",
                     where, s);
  }
  return CAIS_OK;
}

/* Reads the scale / offset1 / offset2 splats of `o->shift` (shape [1]*prank)
 * and the q values constant (1-D, element type qelem). */
static cais_status read_shift_operands(cais_chain *c, MlirType qelem, MlirType f, int prank,
                                       cais_error *err) {
  const cais_chain_ops *o = &c->ops;
  int64_t ones[CAIS_MAX_RANK];
  for (int d = 0; d < CAIS_MAX_RANK; d++) ones[d] = 1;
  cais_status st;
  if ((st = read_role(o->scale, "scale", &c->scale, err)) ||
      (st = expect_shape(&c->scale, "scale", prank, ones, err)) ||
      (st = expect_elem(&c->scale, "scale", f, err)) ||
      (st = read_role(o->offset1, "offset1", &c->offset1, err)) ||
      (st = expect_shape(&c->offset1, "offset1", prank, ones, err)) ||
      (st = expect_elem(&c->offset1, "offset1", qelem, err)) ||
      (st = read_role(o->offset2, "offset2", &c->offset2, err)) ||
      (st = expect_shape(&c->offset2, "offset2", prank, ones, err)) ||
      (st = expect_elem(&c->offset2, "offset2", f, err)))
    return st;
  c->scale_bits = (uint32_t)cais_const_bits(&c->scale, 0);
  c->scale_value = cais_const_double(&c->scale, 0);
  c->offset1_value = cais_const_double(&c->offset1, 0);
  c->offset2_value = cais_const_double(&c->offset2, 0);

  if ((st = read_role(o->values, "values", &c->values, err))) return st;
  int64_t n1[1] = {c->nnz};
  if (c->values.rank != 1) return expect_shape(&c->values, "values", 1, n1, err);
  if ((st = expect_elem(&c->values, "values", qelem, err))) return st;
  c->value_bits = 8;
  c->payload_bytes += c->values.payload_bytes + c->scale.payload_bytes +
                      c->offset1.payload_bytes + c->offset2.payload_bytes;
  return CAIS_OK;
}

/* Dense first: to_dense returns the quantized dense tensor, dequantized by
 * its one blockwise_shift_scale user. */
static cais_status decode_quantized(cais_chain *c, MlirType qelem, cais_error *err) {
  const cais_chain_ops *o = &c->ops;
  cais_status st =
      quantized_mode(qelem, "sparse_with_bitmask_to_dense returns", &c->joint, err);
  if (st) return st;
  c->kind = CAIS_CHAIN_QUANTIZED;
  c->values_first = false;
  if (mlirOperationIsNull(o->shift))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "the quantized dense result is not used by exactly one "
                     "coreai.blockwise_shift_scale (as its operand 0)");
  if ((st = expect_counts(o->shift, CAIS_OP_SHIFT_SCALE, 4, err))) return st;
  c->end = o->shift;
  MlirType out = mlirValueGetType(mlirOperationGetResult(o->shift, 0));
  MlirType f = mlirTypeIsARankedTensor(out) ? mlirShapedTypeGetElementType(out)
                                            : (MlirType){NULL};
  if (mlirTypeIsNull(f) || !is_weight_float(f))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "blockwise_shift_scale does not return a f16, bf16 or f32 tensor");
  cais_elem_type fe;
  cais_elem_type_of(f, &fe);
  c->ftype = fe.ftype;
  c->dense_type = out;
  bool same_shape = mlirShapedTypeGetRank(out) == c->rank;
  for (int d = 0; same_shape && d < c->rank; d++)
    same_shape = mlirShapedTypeGetDimSize(out, d) == c->shape[d];
  if (!same_shape)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "blockwise_shift_scale's result shape differs from the mask's");
  return read_shift_operands(c, qelem, f, c->rank, err);
}

/* Values first: build_sparse_with_bitmask reads
 * blockwise_shift_scale(q : tensor<NNZ x qtype>, [1]-shaped splats) ->
 * tensor<NNZ x f>. */
static cais_status decode_values_first(cais_chain *c, MlirType f, cais_error *err) {
  const cais_chain_ops *o = &c->ops;
  cais_status st = expect_counts(o->shift, CAIS_OP_SHIFT_SCALE, 4, err);
  if (st) return st;
  MlirType qt = mlirValueGetType(mlirOperationGetOperand(o->shift, 0));
  if (!mlirTypeIsARankedTensor(qt))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "blockwise_shift_scale's data is not a ranked tensor");
  MlirType qelem = mlirShapedTypeGetElementType(qt);
  if ((st = quantized_mode(qelem, "blockwise_shift_scale's data has", &c->joint, err)))
    return st;
  c->kind = CAIS_CHAIN_QUANTIZED;
  c->values_first = true;
  MlirType vt = mlirValueGetType(mlirOperationGetResult(o->shift, 0));
  int64_t nq = mlirShapedTypeGetRank(qt) == 1 ? mlirShapedTypeGetDimSize(qt, 0) : -1;
  if (nq < 0 || !mlirTypeIsARankedTensor(vt) || mlirShapedTypeGetRank(vt) != 1 ||
      !mlirTypeEqual(mlirShapedTypeGetElementType(vt), f) ||
      mlirShapedTypeGetDimSize(vt, 0) != nq) {
    char s[160], q[160];
    cais_print_type(vt, s, sizeof s);
    cais_print_type(qt, q, sizeof q);
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "blockwise_shift_scale maps %s to %s, expected a 1-D tensor of "
                     "as many elements of the weight's type",
                     q, s);
  }
  return read_shift_operands(c, qelem, f, 1, err);
}

static cais_status decode_palettized(cais_chain *c, MlirType f, cais_error *err) {
  const cais_chain_ops *o = &c->ops;
  c->kind = CAIS_CHAIN_PALETTIZED;
  c->joint = CAIS_JOINT_PALETTIZE;
  cais_status st = expect_counts(o->lut_op, CAIS_OP_LUT_TO_DENSE, 3, err);
  if (st) return st;
  if ((st = read_role(o->indices, "indices", &c->values, err))) return st;
  const cais_elem_type *ie = &c->values.elem;
  int k = ie->bits;
  if (ie->kind != CAIS_ELEM_UINT || !(k == 1 || k == 2 || k == 3 || k == 4 || k == 6 || k == 8)) {
    char s[64];
    cais_print_type(mlirShapedTypeGetElementType(c->values.type), s, sizeof s);
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "indices constant has element type %s, expected ui1, ui2, ui3, "
                     "ui4, ui6 or ui8",
                     s);
  }
  c->nbits = k;
  c->value_bits = k;
  c->lut_entries = 1 << k;
  if (c->values.rank != 1) {
    int64_t n1[1] = {c->nnz};
    return expect_shape(&c->values, "indices", 1, n1, err);
  }
  int64_t lut_shape[3] = {1, c->lut_entries, 1};
  if ((st = read_role(o->lut, "lut", &c->lut, err)) ||
      (st = expect_shape(&c->lut, "lut", 3, lut_shape, err)) ||
      (st = expect_elem(&c->lut, "lut", f, err)))
    return st;
  for (int i = 0; i < c->lut_entries; i++) {
    c->lut_bits[i] = (uint32_t)cais_const_bits(&c->lut, i);
    c->lut_values[i] = cais_const_double(&c->lut, i);
  }
  if ((st = read_role(o->axis, "axis", &c->axis, err))) return st;
  if (c->axis.rank != 0 || c->axis.elem.kind != CAIS_ELEM_SINT || c->axis.elem.bits != 16 ||
      c->axis.elem.signless)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "axis constant is not a tensor<si16> scalar");
  if (cais_const_bits(&c->axis, 0) != 0)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT, "axis constant is %g, expected 0",
                     cais_const_double(&c->axis, 0));
  /* lut_to_dense returns the values: tensor<nnz x f>. */
  MlirType lt = mlirValueGetType(mlirOperationGetResult(o->lut_op, 0));
  if (!mlirTypeIsARankedTensor(lt) || mlirShapedTypeGetRank(lt) != 1 ||
      !mlirTypeEqual(mlirShapedTypeGetElementType(lt), f) ||
      mlirShapedTypeGetDimSize(lt, 0) != c->values.shape[0]) {
    char s[160];
    cais_print_type(lt, s, sizeof s);
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "lut_to_dense returns %s, expected a 1-D tensor of %lld "
                     "elements of the weight's type",
                     s, (long long)c->values.shape[0]);
  }
  c->payload_bytes += c->values.payload_bytes + c->lut.payload_bytes + c->axis.payload_bytes;
  return CAIS_OK;
}

cais_status cais_chain_decode(MlirOperation to_dense, cais_chain *c, cais_error *err) {
  memset(c, 0, sizeof *c);
  cais_chain_trace(to_dense, &c->ops);
  const cais_chain_ops *o = &c->ops;
  c->end = to_dense;
  cais_status st = expect_counts(to_dense, CAIS_OP_SPARSE_TO_DENSE, 1, err);
  if (st) return st;
  MlirType dense = mlirValueGetType(mlirOperationGetResult(to_dense, 0));
  char ds[512];
  cais_print_type(dense, ds, sizeof ds);
  if (!mlirTypeIsARankedTensor(dense) || !mlirShapedTypeHasStaticShape(dense) ||
      mlirShapedTypeGetRank(dense) > CAIS_MAX_RANK)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "sparse_with_bitmask_to_dense returns %s, not a statically "
                     "shaped tensor of rank <= %d",
                     ds, CAIS_MAX_RANK);
  c->rank = (int)mlirShapedTypeGetRank(dense);
  c->numel = 1;
  for (int d = 0; d < c->rank; d++) {
    c->shape[d] = mlirShapedTypeGetDimSize(dense, d);
    c->numel *= c->shape[d];
  }
  MlirType elem = mlirShapedTypeGetElementType(dense);

  if (mlirOperationIsNull(o->build))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "the operand of sparse_with_bitmask_to_dense is not produced by "
                     "coreai.build_sparse_with_bitmask");
  if ((st = expect_counts(o->build, CAIS_OP_BUILD_SPARSE, 2, err))) return st;
  if (!mlirTypeEqual(mlirValueGetType(mlirOperationGetOperand(to_dense, 0)),
                     mlirValueGetType(mlirOperationGetResult(o->build, 0))))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "sparse_with_bitmask_to_dense's operand type differs from "
                     "build_sparse_with_bitmask's result type");

  /* mask */
  if ((st = read_role(o->mask, "mask", &c->mask, err))) return st;
  if (c->mask.elem.kind != CAIS_ELEM_UINT || c->mask.elem.bits != 1) {
    char s[64];
    cais_print_type(mlirShapedTypeGetElementType(c->mask.type), s, sizeof s);
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "mask constant has element type %s, expected ui1", s);
  }
  if ((st = expect_shape(&c->mask, "mask", c->rank, c->shape, err))) return st;
  c->nnz = popcount_mask(&c->mask);
  c->payload_bytes = c->mask.payload_bytes;
  /* The sparse type must be the real dialect's, with the number of values
   * as numNonZero (the dialect's verifier does not check it; that count
   * against the mask's popcount is checked last, with its own message). */
  MlirType sparse = mlirValueGetType(mlirOperationGetResult(o->build, 0));
  MlirType vals_type = mlirValueGetType(mlirOperationGetOperand(o->build, 0));
  int64_t nvals = mlirTypeIsARankedTensor(vals_type) && mlirShapedTypeGetRank(vals_type) == 1
                      ? mlirShapedTypeGetDimSize(vals_type, 0)
                      : c->nnz;
  MlirType want = cais_sparse_tensor_type(mlirTypeGetContext(dense), c->rank,
                                          c->shape, elem, nvals);
  if (!mlirTypeEqual(sparse, want)) {
    char have_s[600], want_s[600];
    cais_print_type(sparse, have_s, sizeof have_s);
    cais_print_type(want, want_s, sizeof want_s);
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "build_sparse_with_bitmask returns %s, expected %s", have_s,
                     want_s);
  }

  if (is_weight_float(elem)) {
    cais_elem_type fe;
    cais_elem_type_of(elem, &fe);
    c->ftype = fe.ftype;
    c->dense_type = dense;
    c->joint = CAIS_JOINT_NONE;
    if (!mlirOperationIsNull(o->lut_op)) {
      st = decode_palettized(c, elem, err);
    } else if (!mlirOperationIsNull(o->shift)) {
      st = decode_values_first(c, elem, err);
    } else {
      c->kind = CAIS_CHAIN_SPARSE;
      if ((st = read_role(o->values, "values", &c->values, err))) return st;
      if (c->values.rank != 1) {
        int64_t n1[1] = {c->nnz};
        return expect_shape(&c->values, "values", 1, n1, err);
      }
      if ((st = expect_elem(&c->values, "values", elem, err))) return st;
      c->value_bits = c->values.elem.bits;
      c->payload_bytes += c->values.payload_bytes;
    }
  } else {
    st = decode_quantized(c, elem, err);
  }
  if (st) return st;

  /* The build's values operand type must be the values' (or lut_to_dense's)
   * result type, and their count the mask's popcount. */
  MlirValue vals = mlirOperationGetOperand(o->build, 0);
  MlirType vt = mlirValueGetType(vals);
  if (!mlirTypeIsARankedTensor(vt) || mlirShapedTypeGetRank(vt) != 1 ||
      !mlirTypeEqual(mlirShapedTypeGetElementType(vt), elem))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "build_sparse_with_bitmask's values are not a 1-D tensor of the "
                     "sparse element type");
  if (c->values.shape[0] != c->nnz)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "the mask has %lld bits set but there are %lld values",
                     (long long)c->nnz, (long long)c->values.shape[0]);
  return CAIS_OK;
}

void cais_chain_kind_describe(const cais_chain *c, char *buf, size_t size) {
  if (c->kind == CAIS_CHAIN_SPARSE)
    snprintf(buf, size, "sparse");
  else
    cais_joint_mode_describe(c->joint, c->nbits, buf, size);
}
