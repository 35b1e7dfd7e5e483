/* error_stats.c -- see error_stats.h. */
#include "compute/cpu/error_stats.h"

double cais_stats_total(const double *partials, size_t count) {
  double total = 0.0;
  for (size_t i = 0; i < count; i++) total += partials[i];
  return total;
}

void cais_error_stats_dense(const double *w, const double *decoded, size_t n,
                            double *sq_error, double *sq_norm) {
  double err = 0.0, norm = 0.0;
  for (size_t c0 = 0; c0 < n; c0 += CAIS_STATS_CHUNK) {
    size_t c1 = c0 + CAIS_STATS_CHUNK < n ? c0 + CAIS_STATS_CHUNK : n;
    double e = 0.0, s = 0.0;
    for (size_t i = c0; i < c1; i++) {
      double d = w[i] - decoded[i];
      e += d * d;
      s += w[i] * w[i];
    }
    err += e;
    norm += s;
  }
  *sq_error = err;
  *sq_norm = norm;
}
