/* nonfinite_scan.c -- see nonfinite_scan.h.  Per-chunk counts and first
 * indices, combined in chunk order. */
#include "compute/cpu/nonfinite_scan.h"

#include <stdlib.h>

#include "compute/cpu/cpu_parallel.h"
#include "compute/cpu/elem_access.h"
#include "compute/cpu/selection.h"

int64_t cais_cpu_first_nonfinite(const cais_tensor_view *w, size_t begin,
                                 size_t end) {
  bool is16 = cais_is16(w->type);
  uint32_t km = cais_key_mask(is16), bad = cais_nonfinite_key(w->type);
  for (size_t i = begin; i < end; i++)
    if ((cais_elem_bits(w->data, i, is16) & km) >= bad) return (int64_t)i;
  return -1;
}

typedef struct scan_ctx {
  const cais_tensor_view *w;
  int64_t *counts;
} scan_ctx;

static CAIS_ALWAYS_INLINE void scan_chunk_body(scan_ctx *ctx, size_t c,
                                               const bool is16) {
  const cais_tensor_view *w = ctx->w;
  uint32_t km = cais_key_mask(is16), bad = cais_nonfinite_key(w->type);
  size_t b, e;
  cais_cpu_chunk_range((size_t)w->numel, c, &b, &e);
  int64_t n = 0;
  for (size_t i = b; i < e; i++)
    n += (cais_elem_bits(w->data, i, is16) & km) >= bad;
  ctx->counts[c] = n;
}

static void scan_chunk(void *vctx, size_t c) {
  scan_ctx *ctx = vctx;
  if (cais_is16(ctx->w->type))
    scan_chunk_body(ctx, c, true);
  else
    scan_chunk_body(ctx, c, false);
}

void cais_cpu_scan_nonfinite(const cais_tensor_view *w, cais_threadpool *pool,
                             int64_t *count, int64_t *first) {
  size_t chunks = cais_cpu_chunk_count((size_t)w->numel);
  int64_t local[16];
  int64_t *counts = chunks <= 16 ? local : malloc(chunks * sizeof *counts);
  *count = 0;
  *first = -1;
  if (!counts) { /* no memory for the per-chunk counts: scan serially */
    for (size_t c = 0; c < chunks; c++) {
      size_t b, e;
      cais_cpu_chunk_range((size_t)w->numel, c, &b, &e);
      for (int64_t i = cais_cpu_first_nonfinite(w, b, e); i >= 0;
           i = cais_cpu_first_nonfinite(w, (size_t)i + 1, e)) {
        if (*first < 0) *first = i;
        ++*count;
      }
    }
    return;
  }
  scan_ctx ctx = {w, counts};
  cais_threadpool_run(pool, chunks, scan_chunk, &ctx);
  for (size_t c = 0; c < chunks; c++) {
    if (counts[c] && *first < 0) {
      size_t b, e;
      cais_cpu_chunk_range((size_t)w->numel, c, &b, &e);
      *first = cais_cpu_first_nonfinite(w, b, e);
    }
    *count += counts[c];
  }
  if (counts != local) free(counts);
}

bool cais_cpu_skip_nonfinite(const cais_tensor_view *w, cais_threadpool *pool,
                             char *msg, size_t msg_size) {
  int64_t bad, first;
  cais_cpu_scan_nonfinite(w, pool, &bad, &first);
  if (bad) cais_cpu_nonfinite_message(msg, msg_size, bad, first);
  return bad != 0;
}
