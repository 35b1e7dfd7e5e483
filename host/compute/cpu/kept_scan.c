/* kept_scan.c -- see kept_scan.h. */
#include "compute/cpu/kept_scan.h"

#include <stdlib.h>

#include "compute/cpu/cpu_parallel.h"
#include "compute/cpu/elem_access.h"

typedef struct scan_ctx {
  const cais_tensor_view *w;
  const uint8_t *mask;
  uint32_t *slot_max;
  uint64_t *slot_hist; /* slots x 65536, or NULL */
} scan_ctx;

/* Branch-free over the mask bits (they are unpredictable): every element
 * adds its mask bit to its pattern's count, and takes part in the maximum
 * with its key, or 0 when not in the mask. */
static CAIS_ALWAYS_INLINE void scan_chunk_body(scan_ctx *ctx, size_t c, size_t slot,
                                               const bool is16) {
  uint32_t km = cais_key_mask(is16);
  uint64_t *hist = ctx->slot_hist ? ctx->slot_hist + slot * 65536u : NULL;
  uint32_t mx = ctx->slot_max[slot];
  size_t b, e;
  cais_cpu_chunk_range((size_t)ctx->w->numel, c, &b, &e);
  for (size_t i = b; i < e; i++) {
    uint32_t m = (ctx->mask[i / 8] >> (i % 8)) & 1u;
    uint32_t bits = cais_elem_bits(ctx->w->data, i, is16);
    uint32_t key = (bits & km) & (0u - m);
    mx = key > mx ? key : mx;
    if (hist) hist[bits] += m;
  }
  ctx->slot_max[slot] = mx;
}

static void scan_chunk(void *vctx, size_t c, size_t slot) {
  scan_ctx *ctx = vctx;
  if (cais_is16(ctx->w->type))
    scan_chunk_body(ctx, c, slot, true);
  else
    scan_chunk_body(ctx, c, slot, false);
}

bool cais_cpu_kept_scan(const cais_tensor_view *w, cais_cpu_selection *sel,
                        bool want_hist, cais_threadpool *pool) {
  want_hist = want_hist && cais_is16(w->type);
  size_t chunks = cais_cpu_chunk_count((size_t)w->numel);
  size_t slots = cais_cpu_slot_count(pool, chunks);
  scan_ctx ctx = {w, sel->mask, calloc(slots, sizeof(uint32_t)), NULL};
  if (want_hist) ctx.slot_hist = calloc(slots * 65536u, sizeof(uint64_t));
  if (!ctx.slot_max || (want_hist && !ctx.slot_hist)) {
    free(ctx.slot_max);
    free(ctx.slot_hist);
    return false;
  }
  cais_cpu_run_slots(pool, slots, chunks, scan_chunk, &ctx);
  sel->max_kept_key = 0;
  for (size_t s = 0; s < slots; s++)
    if (ctx.slot_max[s] > sel->max_kept_key) sel->max_kept_key = ctx.slot_max[s];
  if (want_hist) {
    for (size_t s = 1; s < slots; s++)
      for (size_t p = 0; p < 65536u; p++) ctx.slot_hist[p] += ctx.slot_hist[s * 65536u + p];
    /* Keep slot 0's histogram as the result. */
    uint64_t *shrunk = realloc(ctx.slot_hist, 65536u * sizeof(uint64_t));
    sel->kept_hist = shrunk ? shrunk : ctx.slot_hist;
  }
  free(ctx.slot_max);
  return true;
}
