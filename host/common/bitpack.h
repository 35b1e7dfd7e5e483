/*
 * bitpack.h -- dense packing of sub-byte integers (spec section 1).
 *
 * Element i of a `width`-bit array occupies bits [i*width, (i+1)*width) of
 * the little-endian bit stream: bit b of the stream is bit (b % 8) of byte
 * b / 8, least-significant bit first.  A packed array of `count` elements
 * takes ceil(count * width / 8) bytes; the padding bits after the last
 * element are zero.  Widths 1..8 work (the format uses 1, 2, 3, 4, 6, 8).
 */
#ifndef CAIS_COMMON_BITPACK_H
#define CAIS_COMMON_BITPACK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes a packed array of `count` elements of `width` bits takes. */
static inline size_t cais_packed_bytes(size_t count, int width) {
  return (count * (size_t)width + 7) / 8;
}

/** Packs `count` values (only their low `width` bits are used) into `out`,
 *  which receives exactly cais_packed_bytes(count, width) bytes, padding
 *  bits included (zero).  Bytes past that are not touched. */
void cais_pack_bits(const uint8_t *values, size_t count, int width,
                    uint8_t *out);

/** Element `index` of a packed array. */
uint8_t cais_unpack_bits_at(const uint8_t *packed, size_t index, int width);

/** Unpacks `count` elements into `out` (one byte each). */
void cais_unpack_bits(const uint8_t *packed, size_t count, int width,
                      uint8_t *out);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_COMMON_BITPACK_H */
