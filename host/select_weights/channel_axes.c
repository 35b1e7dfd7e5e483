/* channel_axes.c -- see channel_axes.h. */
#include "select_weights/channel_axes.h"

#include <stdio.h>
#include <string.h>

#include <mlir-c/BuiltinAttributes.h>
#include <mlir-c/BuiltinTypes.h>

#include "select_weights/op_names.h"

static const cais_axes kDefaultAxes = {0, 1};

/* Axes a matmul sees for its operand `operand` of rank r. */
static cais_axes matmul_axes(unsigned operand, int r) {
  cais_axes a;
  if (operand == 1) { /* y */
    a.out_axis = r - 1;
    a.in_axis = r - 2;
  } else { /* x */
    a.out_axis = r - 2;
    a.in_axis = r - 1;
  }
  return a;
}

/* Reads the permutation of a transpose when its operand 1 comes from a
 * coreai.constant holding integers; returns false otherwise. */
static bool read_permutation(MlirOperation transpose, int rank, int *perm) {
  if (mlirOperationGetNumOperands(transpose) < 2) return false;
  MlirValue p = mlirOperationGetOperand(transpose, 1);
  if (!mlirValueIsAOpResult(p)) return false;
  MlirOperation def = mlirOpResultGetOwner(p);
  if (!cais_op_is(def, CAIS_OP_CONSTANT)) return false;
  MlirAttribute v =
      mlirOperationGetAttributeByName(def, mlirStringRefCreateFromCString("value"));
  if (mlirAttributeIsNull(v) || !mlirAttributeIsADenseElements(v)) return false;
  MlirType et = mlirShapedTypeGetElementType(mlirAttributeGetType(v));
  if (!mlirTypeIsAInteger(et)) return false;
  if (mlirElementsAttrGetNumElements(v) != rank) return false;
  unsigned width = mlirIntegerTypeGetWidth(et);
  bool is_unsigned = mlirIntegerTypeIsUnsigned(et);
  bool seen[64] = {false};
  for (int i = 0; i < rank; i++) {
    long long x;
    switch (width) {
      case 8: x = is_unsigned ? mlirDenseElementsAttrGetUInt8Value(v, i)
                              : mlirDenseElementsAttrGetInt8Value(v, i); break;
      case 16: x = is_unsigned ? mlirDenseElementsAttrGetUInt16Value(v, i)
                               : mlirDenseElementsAttrGetInt16Value(v, i); break;
      case 32: x = is_unsigned ? (long long)mlirDenseElementsAttrGetUInt32Value(v, i)
                               : mlirDenseElementsAttrGetInt32Value(v, i); break;
      case 64: x = is_unsigned ? (long long)mlirDenseElementsAttrGetUInt64Value(v, i)
                               : mlirDenseElementsAttrGetInt64Value(v, i); break;
      default: return false;
    }
    if (x < 0 || x >= rank || x >= 64 || seen[x]) return false;
    seen[x] = true;
    perm[i] = (int)x;
  }
  return true;
}

/* Axes implied by a transpose of the weight: defined only when every user
 * of the transpose is a matmul and they agree. */
static bool transpose_axes(MlirOperation transpose, int r, cais_axes *out) {
  if (mlirOperationGetNumResults(transpose) < 1) return false;
  MlirValue t = mlirOperationGetResult(transpose, 0);
  bool any = false;
  cais_axes agreed = kDefaultAxes;
  for (MlirOpOperand use = mlirValueGetFirstUse(t); !mlirOpOperandIsNull(use);
       use = mlirOpOperandGetNextUse(use)) {
    MlirOperation user = mlirOpOperandGetOwner(use);
    if (!cais_op_is_matmul(user)) return false;
    cais_axes a = matmul_axes(mlirOpOperandGetOperandNumber(use), r);
    if (any && (a.out_axis != agreed.out_axis || a.in_axis != agreed.in_axis))
      return false;
    agreed = a;
    any = true;
  }
  if (!any) return false;
  int perm[64];
  if (r <= 64 && read_permutation(transpose, r, perm)) {
    out->out_axis = perm[agreed.out_axis];
    out->in_axis = perm[agreed.in_axis];
  } else {
    /* The spec's rule: the matmul's axes with the last two swapped. */
    out->out_axis = agreed.out_axis == r - 1 ? r - 2 : r - 1;
    out->in_axis = agreed.in_axis == r - 1 ? r - 2 : r - 1;
  }
  return true;
}

static cais_axes use_axes(MlirOperation user, unsigned operand, int r) {
  cais_axes a = kDefaultAxes;
  if (r >= 2 && cais_op_is_matmul(user) && operand <= 1) {
    a = matmul_axes(operand, r);
  } else if (r >= 2 && cais_op_is(user, CAIS_OP_TRANSPOSE) && operand == 0) {
    if (!transpose_axes(user, r, &a)) a = kDefaultAxes;
  }
  return a;
}

cais_axes cais_channel_axes(MlirValue weight, int rank, bool *disagree,
                            char *detail, size_t detail_size) {
  cais_axes result = kDefaultAxes;
  bool any = false, differ = false;
  size_t len = 0;
  if (detail_size) detail[0] = '\0';
  for (MlirOpOperand use = mlirValueGetFirstUse(weight); !mlirOpOperandIsNull(use);
       use = mlirOpOperandGetNextUse(use)) {
    MlirOperation user = mlirOpOperandGetOwner(use);
    unsigned operand = mlirOpOperandGetOperandNumber(use);
    cais_axes a = use_axes(user, operand, rank);
    if (any && (a.out_axis != result.out_axis || a.in_axis != result.in_axis))
      differ = true;
    if (!any) result = a;
    any = true;
    if (len < detail_size) {
      MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(user));
      int n = snprintf(detail + len, detail_size - len,
                       "%s%.*s operand %u: output %d/input %d", len ? "; " : "",
                       (int)name.length, name.data, operand, a.out_axis, a.in_axis);
      if (n > 0) len += (size_t)n;
    }
  }
  if (differ) result = kDefaultAxes;
  if (disagree) *disagree = differ;
  if (rank < 2) { /* rank 1 (or 0): there is only axis 0 */
    result.out_axis = 0;
    result.in_axis = 0;
  }
  return result;
}
