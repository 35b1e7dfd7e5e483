/* selection.c -- see selection.h. */
#include "compute/cpu/selection.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cais_cpu_selection_free(cais_cpu_selection *sel, bool keep_mask) {
  free(sel->tie_quota);
  free(sel->chunk_nnz);
  free(sel->kept_hist);
  if (!keep_mask) free(sel->mask);
  memset(sel, 0, sizeof *sel);
}

void cais_cpu_nonfinite_message(char *msg, size_t size, int64_t count,
                                int64_t first) {
  snprintf(msg, size,
           "contains %" PRId64 " non-finite value%s (first at flat index %" PRId64
           "); left uncompressed",
           count, count == 1 ? "" : "s", first);
}
