/* const_data.c -- see const_data.h. */
#include "inspect/const_data.h"

#include <stdio.h>
#include <string.h>

#include <mlir-c/BuiltinAttributes.h>
#include <mlir-c/BuiltinTypes.h>

#include "common/error.h"
#include "read_ir/mlir_capi_ext.h"
#include "read_ir/mlir_print.h"
#include "select_weights/op_names.h"

bool cais_elem_type_of(MlirType t, cais_elem_type *out) {
  memset(out, 0, sizeof *out);
  if (mlirTypeIsAF16(t)) {
    out->kind = CAIS_ELEM_FLOAT;
    out->ftype = CAIS_FLOAT_F16;
    out->bits = 16;
  } else if (mlirTypeIsABF16(t)) {
    out->kind = CAIS_ELEM_FLOAT;
    out->ftype = CAIS_FLOAT_BF16;
    out->bits = 16;
  } else if (mlirTypeIsAF32(t)) {
    out->kind = CAIS_ELEM_FLOAT;
    out->ftype = CAIS_FLOAT_F32;
    out->bits = 32;
  } else if (mlirTypeIsAFloat8E4M3FN(t)) {
    out->kind = CAIS_ELEM_FP8;
    out->fp8 = CAIS_FP8_E4M3FN;
    out->bits = 8;
  } else if (mlirTypeIsAFloat8E5M2(t)) {
    out->kind = CAIS_ELEM_FP8;
    out->fp8 = CAIS_FP8_E5M2;
    out->bits = 8;
  } else if (mlirTypeIsAInteger(t)) {
    unsigned w = mlirIntegerTypeGetWidth(t);
    if (w == 0 || w > 64) return false;
    out->bits = (int)w;
    if (mlirIntegerTypeIsUnsigned(t)) {
      out->kind = CAIS_ELEM_UINT;
    } else {
      out->kind = CAIS_ELEM_SINT;
      out->signless = mlirIntegerTypeIsSignless(t);
    }
  } else {
    return false;
  }
  return true;
}

/* Storage bits of one element in MLIR's dense attribute memory. */
static int dense_storage_bits(int bits) {
  if (bits == 1) return 1;
  return (bits + 7) / 8 * 8;
}

cais_status cais_const_read(MlirOperation op, cais_const_data *out,
                            cais_error *err) {
  memset(out, 0, sizeof *out);
  out->op = op;
  if (!cais_op_is(op, CAIS_OP_CONSTANT))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT, "not a coreai.constant");
  if (mlirOperationGetNumResults(op) != 1)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "coreai.constant has %td results, expected 1",
                     mlirOperationGetNumResults(op));
  MlirType type = mlirValueGetType(mlirOperationGetResult(op, 0));
  out->type = type;
  char ts[160];
  cais_print_type(type, ts, sizeof ts);
  if (!mlirTypeIsARankedTensor(type) || !mlirShapedTypeHasStaticShape(type))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "type %s is not a statically shaped tensor", ts);
  int64_t rank = mlirShapedTypeGetRank(type);
  if (rank > CAIS_MAX_RANK)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "type %s has rank %lld, above the supported %d", ts,
                     (long long)rank, CAIS_MAX_RANK);
  out->rank = (int)rank;
  int64_t numel = 1;
  for (int d = 0; d < out->rank; d++) {
    out->shape[d] = mlirShapedTypeGetDimSize(type, d);
    if (__builtin_mul_overflow(numel, out->shape[d], &numel) || numel > (INT64_C(1) << 56))
      return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                       "type %s has too many elements", ts);
  }
  out->numel = numel;
  if (!cais_elem_type_of(mlirShapedTypeGetElementType(type), &out->elem))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "element type of %s is not supported", ts);

  MlirAttribute value =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value"));
  if (mlirAttributeIsNull(value))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "coreai.constant has no `value` attribute");
  out->value = value;
  MlirType vt = mlirAttributeGetType(value);
  if (mlirTypeIsNull(vt) || !mlirTypeEqual(vt, type)) {
    char vs[160];
    if (mlirTypeIsNull(vt))
      snprintf(vs, sizeof vs, "(none)");
    else
      cais_print_type(vt, vs, sizeof vs);
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "the value's type %s differs from the result type %s", vs, ts);
  }
  int bits = out->elem.bits;
  uint64_t packed = ((uint64_t)numel * (uint64_t)bits + 7) / 8;

  if (mlirAttributeIsADenseResourceElements(value)) {
    out->storage = CAIS_CONST_RESOURCE;
    caisMlirBlob blob = caisMlirDenseResourceElementsAttrGetBlob(value);
    MlirStringRef key = caisMlirDenseResourceElementsAttrGetKey(value);
    if (bits > 8 && bits % 8 != 0)
      return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                       "dense_resource<%.*s> of %d-bit elements is not supported",
                       (int)key.length, key.data, bits);
    if (!blob.present)
      return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                       "dense_resource<%.*s> has no data: the blob is missing from "
                       "the file's dialect_resources section",
                       (int)key.length, key.data);
    if ((uint64_t)blob.size != packed)
      return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                       "dense_resource<%.*s> holds %zu bytes but %s needs %llu",
                       (int)key.length, key.data, blob.size, ts,
                       (unsigned long long)packed);
    out->data = numel ? blob.data : NULL;
    out->stride_bits = bits;
    out->payload_bytes = packed;
    return CAIS_OK;
  }

  if (mlirAttributeIsADenseIntElements(value) || mlirAttributeIsADenseFPElements(value)) {
    out->storage = CAIS_CONST_DENSE;
    int storage = dense_storage_bits(bits);
    if (storage != 1 && storage != 8 && storage != 16 && storage != 32 && storage != 64)
      return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                       "dense elements of %d bits are not supported", bits);
    if (numel == 0) {
      out->data = NULL;
      out->stride_bits = storage == 1 ? 8 : storage;
      out->payload_bytes = 0;
      return CAIS_OK;
    }
    out->data = mlirDenseElementsAttrGetRawData(value);
    if (!out->data)
      return cais_fail(err, CAIS_ERROR_INVALID_INPUT, "dense value of %s has no data", ts);
    out->splat = mlirDenseElementsAttrIsSplat(value);
    if (out->splat) {
      /* One element; an i1 splat is a byte 0x00 / 0xFF (bit 0 read). */
      out->stride_bits = storage == 1 ? 8 : storage;
      out->payload_bytes = (uint64_t)(storage == 1 ? 8 : storage) / 8;
    } else {
      out->stride_bits = storage; /* i1: packed bits; 2..7 bits: a byte each */
      out->payload_bytes = packed;
    }
    return CAIS_OK;
  }

  char as[128];
  cais_print_attribute(value, as, sizeof as);
  return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                   "the value is neither dense nor dense_resource data: %s", as);
}

double cais_const_double(const cais_const_data *c, int64_t i) {
  uint64_t v = cais_const_bits(c, i);
  switch (c->elem.kind) {
    case CAIS_ELEM_FLOAT: return cais_float_bits_to_double((uint32_t)v, c->elem.ftype);
    case CAIS_ELEM_FP8: return cais_fp8_to_double((uint8_t)v, c->elem.fp8);
    case CAIS_ELEM_UINT: return (double)v;
    case CAIS_ELEM_SINT:
      if (c->elem.bits < 64 && (v >> (c->elem.bits - 1)) & 1)
        return (double)(int64_t)(v | ~(((uint64_t)1 << c->elem.bits) - 1));
      return (double)(int64_t)v;
  }
  return 0.0;
}

void cais_shape_describe(int rank, const int64_t *shape, char *buf, size_t size) {
  if (size == 0) return;
  if (rank == 0) {
    snprintf(buf, size, "scalar");
    return;
  }
  size_t n = 0;
  buf[0] = '\0';
  for (int d = 0; d < rank && n < size; d++) {
    int k = snprintf(buf + n, size - n, d ? "x%lld" : "%lld", (long long)shape[d]);
    if (k < 0) break;
    n += (size_t)k;
  }
}
