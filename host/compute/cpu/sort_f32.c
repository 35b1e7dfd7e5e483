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

bool cais_sort_f32_distinct(const uint32_t *bits, size_t n, double **x,
                            uint64_t **count, size_t *d) {
  *x = NULL;
  *count = NULL;
  *d = 0;
  if (n == 0) return true;
  uint32_t *a = malloc(n * sizeof *a);
  uint32_t *b = malloc(n * sizeof *b);
  size_t *hist = malloc(2048 * sizeof *hist);
  bool ok = a && b && hist;
  if (ok) {
    for (size_t i = 0; i < n; i++) a[i] = cais_value_order_key(bits[i], false);
    radix_pass(a, b, n, 0, 11, hist);
    radix_pass(b, a, n, 11, 11, hist);
    radix_pass(a, b, n, 22, 10, hist);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) distinct += i == 0 || b[i] != b[i - 1];
    *x = malloc((distinct ? distinct : 1) * sizeof **x);
    *count = malloc((distinct ? distinct : 1) * sizeof **count);
    ok = *x && *count;
    if (ok) {
      size_t j = 0;
      for (size_t i = 0; i < n; i++) {
        if (i == 0 || b[i] != b[i - 1]) {
          uint32_t v = cais_value_order_bits(b[i], false);
          (*x)[j] = cais_elem_value(v, false, NULL);
          (*count)[j++] = 0;
        }
        (*count)[j - 1]++;
      }
      *d = distinct;
    } else {
      free(*x);
      free(*count);
      *x = NULL;
      *count = NULL;
    }
  }
  free(a);
  free(b);
  free(hist);
  return ok;
}
