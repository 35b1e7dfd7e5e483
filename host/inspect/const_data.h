/*
 * const_data.h -- random access to the elements of a coreai.constant's
 * `value`, whatever its storage, for decoding op chains and comparing
 * weights.
 *
 * Storage rules (spec section 1, and what MLIR 19 keeps in memory):
 *  - dense_resource<NAME>: the blob, which must exist and hold exactly the
 *    bytes the type needs: sub-byte types (bit width 1..7) packed LSB first,
 *    ceil(N * k / 8) bytes; wider types N * (bits / 8) bytes, little endian.
 *  - dense<...> (DenseIntOrFPElementsAttr), read through
 *    mlirDenseElementsAttrGetRawData:
 *      i1 / ui1 / si1, not a splat: bit-packed LSB first, ceil(N / 8) bytes;
 *      i1 splat: one byte, 0x00 or 0xFF (bit 0 read);
 *      2..7-bit integers: one byte per element (a splat: one byte);
 *      8 bits and wider: natural little-endian storage (a splat: one
 *      element);
 *      dense<> (no elements): no data (the raw pointer is NULL).
 *  Anything else (dense string elements, sparse<...>, opaque attributes) is
 *  not readable here.
 */
#ifndef CAIS_INSPECT_CONST_DATA_H
#define CAIS_INSPECT_CONST_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mlir-c/IR.h>

#include "caisparse.h"
#include "common/float_formats.h"
#include "compute/compute_job.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cais_elem_kind {
  CAIS_ELEM_FLOAT = 0, /**< f16, bf16, f32 (weight types) */
  CAIS_ELEM_FP8 = 1,   /**< f8E4M3FN, f8E5M2 */
  CAIS_ELEM_SINT = 2,  /**< si<k>, and signless i<k> */
  CAIS_ELEM_UINT = 3,  /**< ui<k> */
} cais_elem_kind;

typedef struct cais_elem_type {
  cais_elem_kind kind;
  int bits;              /**< logical bit width */
  bool signless;         /**< SINT: i<k> rather than si<k> */
  cais_float_type ftype; /**< FLOAT only */
  cais_fp8_format fp8;   /**< FP8 only */
} cais_elem_type;

/** Classifies an element type; false for types this module cannot read
 *  (f64, index, complex, integers wider than 64 bits, ...). */
bool cais_elem_type_of(MlirType type, cais_elem_type *out);

typedef enum cais_const_storage {
  CAIS_CONST_DENSE = 0,    /**< dense<...> list, splat or hex */
  CAIS_CONST_RESOURCE = 1, /**< dense_resource<NAME> */
} cais_const_storage;

/** A readable constant.  `data` is borrowed from the IR. */
typedef struct cais_const_data {
  MlirOperation op;
  MlirAttribute value;
  MlirType type;  /**< the result type, a static ranked tensor */
  cais_elem_type elem;
  int rank;
  int64_t shape[CAIS_MAX_RANK];
  int64_t numel;
  cais_const_storage storage;
  bool splat;            /**< data holds one element, standing for all */
  int stride_bits;       /**< bits per element in data: 1..7 packed, or 8/16/32/64 */
  const uint8_t *data;   /**< NULL when numel == 0 */
  /** The payload as the format counts it (and as the compressor reports
   *  bytes_after): a blob's size, one element's storage for a splat (1 byte
   *  for sub-byte types), the packed size ceil(N * bits / 8) for a dense
   *  list, 0 when empty. */
  uint64_t payload_bytes;
} cais_const_data;

/** Reads `op` (a coreai.constant) into `out`.  On failure returns
 *  CAIS_ERROR_INVALID_INPUT with a message (no weight name: callers add
 *  it): not a constant, no `value`, value type differs from the result
 *  type, not a static ranked tensor, unsupported element type, unreadable
 *  attribute kind, missing blob, blob of the wrong size. */
cais_status cais_const_read(MlirOperation op, cais_const_data *out,
                            cais_error *err);

/** Element `i`'s raw bits (zero-extended, masked to the element width). */
static inline uint64_t cais_const_bits(const cais_const_data *c, int64_t i) {
  size_t k = c->splat ? 0 : (size_t)i;
  const uint8_t *d = c->data;
  uint64_t v;
  switch (c->stride_bits) {
    case 8: v = d[k]; break;
    case 16: v = (uint64_t)d[2 * k] | (uint64_t)d[2 * k + 1] << 8; break;
    case 32:
      v = (uint64_t)d[4 * k] | (uint64_t)d[4 * k + 1] << 8 |
          (uint64_t)d[4 * k + 2] << 16 | (uint64_t)d[4 * k + 3] << 24;
      break;
    case 64:
      v = 0;
      for (int b = 7; b >= 0; b--) v = v << 8 | d[8 * k + (size_t)b];
      break;
    default: { /* 1..7 bits, packed LSB first */
      size_t bit = k * (size_t)c->stride_bits;
      unsigned w = (unsigned)d[bit / 8];
      if (bit % 8 + (size_t)c->stride_bits > 8) w |= (unsigned)d[bit / 8 + 1] << 8;
      v = (w >> (bit % 8)) & ((1u << c->stride_bits) - 1u);
      break;
    }
  }
  if (c->elem.bits < 64) v &= ((uint64_t)1 << c->elem.bits) - 1;
  return v;
}

/** Element `i` as a double: the float / fp8 value, or the integer (sign
 *  extended for SINT). */
double cais_const_double(const cais_const_data *c, int64_t i);

/** "8x16" into buf ("scalar" for rank 0). */
void cais_shape_describe(int rank, const int64_t *shape, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_INSPECT_CONST_DATA_H */
