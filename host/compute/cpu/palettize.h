/*
 * palettize.h -- k-means palettization of the surviving values (spec
 * section 5.3): the LUT and each value's LUT index.
 *
 * LUT (2^nbits entries, the weight's float type): the centroids of the
 * clusters of kmeans1d.h, each rounded to nearest-even into the weight's
 * type, in ascending order (rounding is monotone, so the order survives;
 * equal neighbours are possible), then the unused entries as +0.0 bits.
 *
 * Index of a value x: the nearest stored entry by |x - lut[i]| computed in
 * double, ties to the lower index, over the USED entries (the unused +0.0
 * entries can never win: when entries are unused every distinct value is
 * its own centroid at distance 0, and x != 0).  Implemented as a lower-bound
 * binary search followed by a walk to the left while the distance does not
 * grow, which returns exactly what a linear scan with "strictly smaller
 * wins" returns (distances computed the same way).
 */
#ifndef CAIS_CPU_PALETTIZE_H
#define CAIS_CPU_PALETTIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compute/compute_job.h"

typedef struct cais_palette {
  cais_float_type type;
  int nbits;
  int entries;           /**< 2^nbits */
  int used;              /**< min(2^nbits, distinct values) */
  uint32_t lut_bits[256];
  double lut[256];       /**< stored entries as doubles (+0.0 past used) */
} cais_palette;

/** Builds the palette for d > 0 sorted distinct values with counts.
 *  Returns false when out of memory. */
bool cais_palette_build(const double *x, const uint64_t *count, size_t d,
                        int nbits, cais_float_type type, cais_palette *pal);

/** Index of the nearest used entry to x (file comment). */
uint8_t cais_palette_nearest(const cais_palette *pal, double x);

/** 16-bit types: builds the palette from the histogram of kept bit patterns
 *  (65536 counts, at least one non-zero, no zeros or non-finite patterns
 *  counted) and fills code_table[bits] with the index of every pattern
 *  that occurs (0 for the others).  Returns false when out of memory. */
bool cais_palette_from_hist16(const uint64_t *kept_hist, cais_float_type type,
                              int nbits, cais_palette *pal,
                              uint8_t *code_table);

/** f32: builds the palette from the nnz > 0 kept values (bit patterns, in
 *  any order), the same palette cais_palette_build gives on their distinct
 *  values.  Sorts `values` in place (its contents are unspecified after the
 *  call) and needs about 4 more bytes per value at the peak.  Returns false
 *  when out of memory. */
bool cais_palette_from_values32(uint32_t *values, size_t nnz, int nbits,
                                cais_palette *pal);

#endif /* CAIS_CPU_PALETTIZE_H */
