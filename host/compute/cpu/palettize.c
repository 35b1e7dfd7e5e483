/* palettize.c -- see palettize.h. */
#include "compute/cpu/palettize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/float_formats.h"
#include "compute/cpu/elem_access.h"
#include "compute/cpu/kmeans1d.h"
#include "compute/cpu/sort_f32.h"

/* The header of a palette of 2^nbits entries (LUT entries zeroed). */
static void palette_init(cais_palette *pal, int nbits, cais_float_type type) {
  memset(pal, 0, sizeof *pal);
  pal->type = type;
  pal->nbits = nbits;
  pal->entries = 1 << nbits;
}

/* LUT entry t from its cluster's centroid (rounded to the weight's type). */
static void palette_set(cais_palette *pal, int t, double mean) {
  pal->lut_bits[t] = cais_double_to_float_bits(mean, pal->type);
  pal->lut[t] = cais_float_bits_to_double(pal->lut_bits[t], pal->type);
}

bool cais_palette_build(const double *x, const uint64_t *count, size_t d,
                        int nbits, cais_float_type type, cais_palette *pal) {
  palette_init(pal, nbits, type);
  size_t bounds[257];
  if (!cais_kmeans1d_partition(x, count, d, pal->entries, cais_is16(type), bounds,
                               &pal->used))
    return false;
  for (int t = 0; t < pal->used; t++)
    palette_set(pal, t, cais_kmeans1d_centroid(x, count, bounds[t], bounds[t + 1]));
  return true; /* entries past `used` stay +0.0 (palette_init) */
}

uint8_t cais_palette_nearest(const cais_palette *pal, double x) {
  const double *lut = pal->lut;
  /* Lower bound (first entry >= x, or `used`), branch-free: the trip count
   * depends only on `used`, the steps on conditional moves. */
  const double *base = lut;
  int n = pal->used;
  while (n > 1) {
    int half = n / 2;
    base = base[half] < x ? base + half : base;
    n -= half;
  }
  int lo = (int)(base - lut) + (*base < x);
  /* Entries right of `lo` are no closer (ties there have higher indices).
   * The two neighbours of x decide branch-free; then walk left while the
   * distance does not grow (duplicates, rounding ties: lower index wins). */
  int best;
  double dist;
  if (lo == 0 || lo == pal->used) {
    best = lo == 0 ? 0 : pal->used - 1;
    dist = fabs(x - lut[best]);
  } else {
    double dl = fabs(x - lut[lo - 1]), dr = fabs(x - lut[lo]);
    best = dl <= dr ? lo - 1 : lo;
    dist = dl <= dr ? dl : dr;
  }
  while (best > 0) {
    double di = fabs(x - lut[best - 1]);
    if (di > dist) break;
    best--;
    dist = di;
  }
  return (uint8_t)best;
}

bool cais_palette_from_hist16(const uint64_t *kept_hist, cais_float_type type,
                              int nbits, cais_palette *pal,
                              uint8_t *code_table) {
  size_t d = 0;
  for (uint32_t p = 0; p < 65536u; p++) d += kept_hist[p] != 0;
  double *x = malloc(d * sizeof *x);
  uint64_t *count = malloc(d * sizeof *count);
  uint16_t *pattern = malloc(d * sizeof *pattern);
  bool ok = x && count && pattern;
  if (ok) {
    const float *half = cais_half_table(type);
    size_t j = 0;
    for (uint32_t key = 0; key < 65536u; key++) { /* ascending value order */
      uint32_t bits = cais_value_order_bits(key, true);
      if (!kept_hist[bits]) continue;
      x[j] = (double)half[bits];
      count[j] = kept_hist[bits];
      pattern[j++] = (uint16_t)bits;
    }
    ok = cais_palette_build(x, count, d, nbits, type, pal);
  }
  if (ok) {
    memset(code_table, 0, 65536u);
    for (size_t j = 0; j < d; j++) code_table[pattern[j]] = cais_palette_nearest(pal, x[j]);
  }
  free(x);
  free(count);
  free(pattern);
  return ok;
}

bool cais_palette_from_values32(uint32_t *values, size_t nnz, int nbits,
                                cais_palette *pal) {
  uint32_t *count;
  size_t d;
  if (!cais_sort_f32_distinct_inplace(values, nnz, &count, &d)) return false;
  palette_init(pal, nbits, CAIS_FLOAT_F32);
  size_t bounds[257];
  bool ok = cais_kmeans1d_partition_f32(values, count, d, pal->entries, bounds, &pal->used);
  for (int t = 0; ok && t < pal->used; t++)
    palette_set(pal, t, cais_kmeans1d_centroid_f32(values, count, bounds[t], bounds[t + 1]));
  free(count);
  return ok;
}
