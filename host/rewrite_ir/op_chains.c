/* op_chains.c -- see op_chains.h. */
#include "rewrite_ir/op_chains.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mlir-c/BuiltinAttributes.h>
#include <mlir-c/BuiltinTypes.h>

#include "common/bitpack.h"
#include "common/error.h"
#include "read_ir/mlir_capi_ext.h"
#include "rewrite_ir/coreai_types.h"
#include "select_weights/op_names.h"

/* Where new ops go and what they carry. */
typedef struct chain_builder {
  const cais_weight *weight;
  MlirContext ctx;
  MlirLocation loc;
  MlirBlock block;
  bool value_is_inherent;
  uint64_t bytes;
} chain_builder;

static void free_blob(void *user, const void *data, size_t size, size_t align) {
  (void)user;
  (void)size;
  (void)align;
  free((void *)data);
}

/* True when the `count` logical elements of `bits` width in `data` are all
 * equal (sub-byte elements packed LSB first). */
static bool all_equal(const uint8_t *data, size_t count, int bits) {
  if (count <= 1) return true;
  if (bits >= 8) {
    size_t size = (size_t)bits / 8;
    for (size_t i = 1; i < count; i++)
      if (memcmp(data, data + i * size, size) != 0) return false;
    return true;
  }
  uint8_t first = cais_unpack_bits_at(data, 0, bits);
  for (size_t i = 1; i < count; i++)
    if (cais_unpack_bits_at(data, i, bits) != first) return false;
  return true;
}

/* The value attribute for `count` elements of `bits` width held in `data`
 * (malloc'd; ownership taken).  `uniform` may be -1 (unknown: checked), 0
 * or 1. */
static MlirAttribute payload_attr(chain_builder *b, MlirType type,
                                  const char *suffix, void *data, size_t bytes,
                                  size_t count, int bits, int uniform) {
  if (count == 0) {
    free(data);
    return mlirDenseElementsAttrRawBufferGet(type, 0, NULL);
  }
  if (uniform < 0) uniform = all_equal(data, count, bits);
  if (uniform) {
    /* One element's raw storage makes MLIR build a splat; booleans use
     * 0x00 / 0xFF and narrow integers one byte each. */
    uint8_t one[4] = {0};
    size_t one_size;
    if (bits == 1) {
      one[0] = cais_unpack_bits_at(data, 0, 1) ? 0xFF : 0x00;
      one_size = 1;
    } else if (bits < 8) {
      one[0] = cais_unpack_bits_at(data, 0, bits);
      one_size = 1;
    } else {
      one_size = (size_t)bits / 8;
      memcpy(one, data, one_size);
    }
    free(data);
    b->bytes += one_size;
    return mlirDenseElementsAttrRawBufferGet(type, one_size, one);
  }
  char name[256];
  snprintf(name, sizeof name, "%s_%s", b->weight->base_name, suffix);
  b->bytes += bytes;
  return mlirUnmanagedDenseResourceElementsAttrGet(
      type, mlirStringRefCreateFromCString(name), data, bytes,
      CAIS_BLOB_ALIGNMENT, /*dataIsMutable=*/false, free_blob, NULL);
}

/* A small constant from bytes the caller keeps (scale, offsets, LUT). */
static MlirAttribute copied_attr(chain_builder *b, MlirType type,
                                 const char *suffix, const void *src,
                                 size_t bytes, size_t count, int bits) {
  void *copy = malloc(bytes ? bytes : 1);
  if (!copy) return mlirAttributeGetNull();
  memcpy(copy, src, bytes);
  return payload_attr(b, type, suffix, copy, bytes, count, bits, -1);
}

static void insert(chain_builder *b, MlirOperation op) {
  mlirBlockInsertOwnedOperationBefore(b->block, b->weight->op, op);
}

/* A coreai.constant like the original, holding `value` of type `type`. */
static MlirValue add_constant(chain_builder *b, MlirAttribute value,
                              MlirType type) {
  MlirOperation c = caisMlirOperationCloneWithProperties(b->weight->op);
  MlirStringRef key = mlirStringRefCreateFromCString("value");
  if (b->value_is_inherent)
    mlirOperationSetInherentAttributeByName(c, key, value);
  else
    mlirOperationSetDiscardableAttributeByName(c, key, value);
  MlirValue result = mlirOperationGetResult(c, 0);
  mlirValueSetType(result, type);
  insert(b, c);
  return result;
}

static MlirValue add_op(chain_builder *b, const char *name, MlirValue *operands,
                        int num_operands, MlirType result_type) {
  MlirOperationState st =
      mlirOperationStateGet(mlirStringRefCreateFromCString(name), b->loc);
  mlirOperationStateAddOperands(&st, num_operands, operands);
  mlirOperationStateAddResults(&st, 1, &result_type);
  MlirOperation op = mlirOperationCreate(&st);
  insert(b, op);
  return mlirOperationGetResult(op, 0);
}

/* The weight's float type's bytes of `bits` (f16/bf16 in the low half). */
static void float_bytes(cais_float_type t, uint32_t bits, uint8_t *out) {
  size_t n = cais_float_type_size(t);
  for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(bits >> (8 * i));
}

/* (data - offset1) * scale + offset2 over `data` of shape `shape`, with
 * the scale, offset1 (in the quantized type) and offset2 (zero) as splats of
 * shape [1]*rank. */
static MlirValue add_dequantize(chain_builder *b, const cais_job_result *r,
                                MlirValue data, int rank, const int64_t *shape,
                                MlirType q_elem, MlirType float_type) {
  cais_float_type ft = b->weight->view.type;
  size_t elem = cais_float_type_size(ft);
  int64_t ones[CAIS_MAX_RANK];
  for (int d = 0; d < CAIS_MAX_RANK; d++) ones[d] = 1;
  MlirType scale_type = cais_tensor_type(rank, ones, float_type);
  MlirType offset1_type = cais_tensor_type(rank, ones, q_elem);
  uint8_t scale_bytes[4], zero_bytes[4] = {0};
  float_bytes(ft, r->scale_bits, scale_bytes);
  uint8_t offset1 = (uint8_t)r->offset1;
  MlirValue scale = add_constant(
      b, copied_attr(b, scale_type, "scale", scale_bytes, elem, 1, (int)elem * 8),
      scale_type);
  MlirValue off1 = add_constant(
      b, copied_attr(b, offset1_type, "offset1", &offset1, 1, 1, 8), offset1_type);
  MlirValue off2 = add_constant(
      b, copied_attr(b, scale_type, "offset2", zero_bytes, elem, 1, (int)elem * 8),
      scale_type);
  MlirValue operands[4] = {data, scale, off1, off2};
  return add_op(b, CAIS_OP_SHIFT_SCALE, operands, 4,
                cais_tensor_type(rank, shape, float_type));
}

cais_status cais_rewrite_weight(const cais_weight *w, cais_job_result *r,
                                int palettize_nbits, uint64_t *bytes_after,
                                cais_error *err) {
  chain_builder b = {0};
  b.weight = w;
  b.ctx = mlirOperationGetContext(w->op);
  b.loc = mlirOperationGetLocation(w->op);
  b.block = mlirOperationGetBlock(w->op);
  b.value_is_inherent = mlirOperationHasInherentAttributeByName(
      w->op, mlirStringRefCreateFromCString("value"));

  const cais_tensor_view *v = &w->view;
  cais_float_type ft = v->type;
  size_t elem = cais_float_type_size(ft);
  MlirType float_type = cais_mlir_float_type(b.ctx, ft);
  int64_t nnz = r->nnz;

  /* The values' element type decides the sparse and dense types.  A uint8
   * chain dequantizes the 1-D values before the sparse tensor is built
   * (spec section 5): dequantizing the dense tensor would decode every
   * pruned element to (0 - 127) * scale.  int8 and fp8 (zero point 0)
   * dequantize the dense tensor, as upstream does. */
  bool quantized = r->joint >= CAIS_JOINT_INT8 && r->joint <= CAIS_JOINT_FP8_E5M2;
  bool values_first = r->joint == CAIS_JOINT_UINT8;
  bool palettized = r->joint == CAIS_JOINT_PALETTIZE;
  MlirType q_elem = cais_mlir_quantized_type(b.ctx, r->joint);
  MlirType value_elem = quantized && !values_first ? q_elem : float_type;
  MlirType sparse_type =
      cais_sparse_tensor_type(b.ctx, v->rank, v->shape, value_elem, nnz);
  if (mlirTypeIsNull(sparse_type))
    return cais_fail(err, CAIS_ERROR_INTERNAL,
                     "%s: cannot build the sparse tensor type", w->name);

  /* 1. mask */
  MlirType mask_type = cais_tensor_type(
      v->rank, v->shape, mlirIntegerTypeUnsignedGet(b.ctx, 1));
  int mask_uniform = (nnz == 0 || nnz == v->numel) ? 1 : 0;
  MlirValue mask = add_constant(
      &b,
      payload_attr(&b, mask_type, "mask", r->mask, r->mask_bytes,
                   (size_t)v->numel, 1, mask_uniform),
      mask_type);
  r->mask = NULL;

  /* 2. values */
  int64_t nnz_shape[1] = {nnz};
  MlirValue values;
  if (palettized) {
    int k = palettize_nbits;
    MlirType idx_type =
        cais_tensor_type(1, nnz_shape, mlirIntegerTypeUnsignedGet(b.ctx, (unsigned)k));
    MlirValue idx = add_constant(
        &b,
        payload_attr(&b, idx_type, "idx", r->values, r->values_bytes,
                     (size_t)nnz, k, -1),
        idx_type);
    r->values = NULL;
    int64_t lut_shape[3] = {1, r->lut_entries, 1};
    MlirType lut_type = cais_tensor_type(3, lut_shape, float_type);
    uint8_t lut_bytes[256 * 4];
    for (int i = 0; i < r->lut_entries; i++)
      float_bytes(ft, r->lut_bits[i], lut_bytes + (size_t)i * elem);
    MlirValue lut = add_constant(
        &b,
        copied_attr(&b, lut_type, "lut", lut_bytes, (size_t)r->lut_entries * elem,
                    (size_t)r->lut_entries, (int)elem * 8),
        lut_type);
    MlirType axis_type = cais_tensor_type(0, NULL, mlirIntegerTypeSignedGet(b.ctx, 16));
    int16_t zero16 = 0;
    MlirValue axis = add_constant(
        &b, copied_attr(&b, axis_type, "axis", &zero16, 2, 1, 16), axis_type);
    MlirValue lut_operands[3] = {idx, lut, axis};
    values = add_op(&b, CAIS_OP_LUT_TO_DENSE, lut_operands, 3,
                    cais_tensor_type(1, nnz_shape, float_type));
  } else {
    MlirType stored_elem = quantized ? q_elem : float_type;
    MlirType values_type = cais_tensor_type(1, nnz_shape, stored_elem);
    size_t bits = quantized ? 8 : elem * 8;
    values = add_constant(
        &b,
        payload_attr(&b, values_type, quantized ? "q" : "vals", r->values,
                     r->values_bytes, (size_t)nnz, (int)bits, -1),
        values_type);
    r->values = NULL;
    if (values_first)
      values = add_dequantize(&b, r, values, 1, nnz_shape, q_elem, float_type);
  }

  /* 3. sparse -> dense */
  MlirValue build_operands[2] = {values, mask};
  MlirValue sparse = add_op(&b, CAIS_OP_BUILD_SPARSE, build_operands, 2, sparse_type);
  MlirValue dense = add_op(&b, CAIS_OP_SPARSE_TO_DENSE, &sparse, 1,
                           cais_tensor_type(v->rank, v->shape, value_elem));

  /* 4. dequantize the dense tensor (int8, fp8) */
  if (quantized && !values_first)
    dense = add_dequantize(&b, r, dense, v->rank, v->shape, q_elem, float_type);

  /* 5. swap the chain in for the constant */
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(w->op, 0), dense);
  mlirOperationDestroy(w->op);
  if (bytes_after) *bytes_after = b.bytes;
  return CAIS_OK;
}
