/* bitpack.c -- see bitpack.h.  A 64-bit accumulator collects elements LSB
 * first and is drained a byte at a time; width 8 is a plain copy. */
#include "common/bitpack.h"

#include <string.h>

void cais_pack_bits(const uint8_t *values, size_t count, int width,
                    uint8_t *out) {
  if (width == 8) {
    memcpy(out, values, count);
    return;
  }
  const uint64_t mask = (1u << width) - 1;
  uint64_t acc = 0;
  int nacc = 0;
  size_t o = 0;
  for (size_t i = 0; i < count; i++) {
    acc |= (values[i] & mask) << nacc;
    nacc += width;
    if (nacc >= 32) { /* drain whole bytes; at most 39 bits are pending */
      for (; nacc >= 8; nacc -= 8) {
        out[o++] = (uint8_t)acc;
        acc >>= 8;
      }
    }
  }
  for (; nacc > 0; nacc -= 8) { /* the tail, padding bits zero */
    out[o++] = (uint8_t)acc;
    acc >>= 8;
  }
}

uint8_t cais_unpack_bits_at(const uint8_t *packed, size_t index, int width) {
  size_t bit = index * (size_t)width;
  size_t byte = bit / 8;
  unsigned off = (unsigned)(bit % 8);
  unsigned v = packed[byte] >> off;
  if (off + (unsigned)width > 8) /* the element spills into the next byte */
    v |= (unsigned)packed[byte + 1] << (8 - off);
  return (uint8_t)(v & ((1u << width) - 1));
}

void cais_unpack_bits(const uint8_t *packed, size_t count, int width,
                      uint8_t *out) {
  if (width == 8) {
    memcpy(out, packed, count);
    return;
  }
  for (size_t i = 0; i < count; i++)
    out[i] = cais_unpack_bits_at(packed, i, width);
}
