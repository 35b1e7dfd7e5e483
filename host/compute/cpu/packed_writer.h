/*
 * packed_writer.h -- appending sub-byte indices to a shared packed array
 * (bitpack.h layout) from several threads at once.
 *
 * Each chunk of the output pass owns the bit range [bit_begin, bit_end) of
 * the packed index array.  Bytes wholly inside the range are written with
 * plain stores; the (at most two) bytes the range shares with its neighbours
 * are OR-ed in atomically.  The array must start zeroed (calloc), so the
 * result is the same whichever chunk finishes first and equals
 * cais_pack_bits() of all the indices.
 */
#ifndef CAIS_CPU_PACKED_WRITER_H
#define CAIS_CPU_PACKED_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct cais_packed_writer {
  uint8_t *out;
  uint64_t acc;        /* pending bits, LSB first; bit 0 = bit 0 of `byte` */
  unsigned nacc;       /* pending bit count */
  size_t byte;         /* byte the pending bits start in */
  size_t shared_first; /* byte shared with the previous range, or SIZE_MAX */
  size_t shared_last;  /* byte shared with the next range, or SIZE_MAX */
} cais_packed_writer;

/** Starts writing the bit range [bit_begin, bit_end) of `out`. */
static inline void cais_packed_writer_init(cais_packed_writer *w, uint8_t *out,
                                           uint64_t bit_begin,
                                           uint64_t bit_end) {
  w->out = out;
  w->acc = 0;
  w->nacc = (unsigned)(bit_begin % 8);
  w->byte = (size_t)(bit_begin / 8);
  w->shared_first = bit_begin % 8 ? (size_t)(bit_begin / 8) : SIZE_MAX;
  w->shared_last = bit_end % 8 ? (size_t)(bit_end / 8) : SIZE_MAX;
}

static inline void cais_packed_writer_store(cais_packed_writer *w, uint8_t v) {
  size_t b = w->byte++;
  if (b == w->shared_first || b == w->shared_last)
    __atomic_fetch_or(&w->out[b], v, __ATOMIC_RELAXED);
  else
    w->out[b] = v;
}

/** Appends the low `width` (1..8) bits of `value` (higher bits must be 0). */
static inline void cais_packed_writer_put(cais_packed_writer *w, unsigned value,
                                          unsigned width) {
  w->acc |= (uint64_t)value << w->nacc;
  w->nacc += width;
  if (w->nacc >= 32) {
    for (int i = 0; i < 4; i++) {
      cais_packed_writer_store(w, (uint8_t)w->acc);
      w->acc >>= 8;
    }
    w->nacc -= 32;
  }
}

/** Writes the pending bits (the last, partial byte included). */
static inline void cais_packed_writer_finish(cais_packed_writer *w) {
  while (w->nacc > 0) {
    cais_packed_writer_store(w, (uint8_t)w->acc);
    w->acc >>= 8;
    w->nacc = w->nacc > 8 ? w->nacc - 8 : 0;
  }
}

#endif /* CAIS_CPU_PACKED_WRITER_H */
