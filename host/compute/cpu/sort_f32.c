/* sort_f32.c -- see sort_f32.h. */
#include "compute/cpu/sort_f32.h"

#include <stdlib.h>
#include <string.h>

#include "compute/cpu/elem_access.h"

/* One stable counting-sort pass on bits [shift, shift + width) of the keys. */
static void radix_pass(const uint32_t *src, uint32_t *dst, size_t n, int shift,
                       int width, size_t *hist) {
  size_t bins = (size_t)1 << width;
  uint32_t mask = (uint32_t)bins - 1;
  memset(hist, 0, bins * sizeof *hist);
  for (size_t i = 0; i < n; i++) hist[(src[i] >> shift) & mask]++;
  size_t sum = 0;
  for (size_t b = 0; b < bins; b++) {
    size_t h = hist[b];
    hist[b] = sum;
    sum += h;
  }
  for (size_t i = 0; i < n; i++) dst[hist[(src[i] >> shift) & mask]++] = src[i];
}

bool cais_sort_f32_distinct_inplace(uint32_t *bits, size_t n, uint32_t **count,
                                    size_t *d) {
  *count = NULL;
  *d = 0;
  if (n == 0) return true;
  if ((uint64_t)n > UINT32_MAX) return false; /* counts are 32-bit */
  uint32_t *tmp = malloc(n * sizeof *tmp);
  size_t *hist = malloc(2048 * sizeof *hist);
  if (!tmp || !hist) {
    free(tmp);
    free(hist);
    return false;
  }
  for (size_t i = 0; i < n; i++) bits[i] = cais_value_order_key(bits[i], false);
  radix_pass(bits, tmp, n, 0, 11, hist);
  radix_pass(tmp, bits, n, 11, 11, hist);
  radix_pass(bits, tmp, n, 22, 10, hist);
  free(hist);
  /* Sorted keys are in tmp.  Compact: distinct patterns to bits[j], their
   * counts to tmp[j].  j never passes i, so tmp[j] is read before it is
   * overwritten. */
  size_t j = 0;
  uint32_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t key = tmp[i];
    if (i == 0 || key != prev) {
      bits[j] = cais_value_order_bits(key, false);
      tmp[j++] = 1;
      prev = key;
    } else {
      tmp[j - 1]++;
    }
  }
  uint32_t *shrunk = realloc(tmp, j * sizeof *tmp);
  *count = shrunk ? shrunk : tmp;
  *d = j;
  return true;
}

bool cais_sort_f32_distinct(const uint32_t *bits, size_t n, double **x,
                            uint64_t **count, size_t *d) {
  *x = NULL;
  *count = NULL;
  *d = 0;
  if (n == 0) return true;
  uint32_t *copy = malloc(n * sizeof *copy);
  if (!copy) return false;
  memcpy(copy, bits, n * sizeof *copy);
  uint32_t *c32;
  size_t m;
  bool ok = cais_sort_f32_distinct_inplace(copy, n, &c32, &m);
  if (ok) {
    *x = malloc(m * sizeof **x);
    *count = malloc(m * sizeof **count);
    ok = *x && *count;
    if (ok) {
      for (size_t j = 0; j < m; j++) {
        (*x)[j] = cais_elem_value(copy[j], false, NULL);
        (*count)[j] = c32[j];
      }
      *d = m;
    } else {
      free(*x);
      free(*count);
      *x = NULL;
      *count = NULL;
    }
    free(c32);
  }
  free(copy);
  return ok;
}
