/* mask_bits.c -- see mask_bits.h. */
#include "compute/cpu/mask_bits.h"

#include "compute/cpu/cpu_parallel.h"
#include "compute/cpu/elem_access.h"

typedef struct from_pruned_ctx {
  const cais_tensor_view *w;
  const uint8_t *pruned;
  uint8_t *mask;
  int64_t *chunk_nnz;
} from_pruned_ctx;

static CAIS_ALWAYS_INLINE void from_pruned_chunk_body(from_pruned_ctx *ctx,
                                                      size_t c, const bool is16) {
  uint32_t km = cais_key_mask(is16);
  size_t b, e;
  cais_cpu_chunk_range((size_t)ctx->w->numel, c, &b, &e);
  int64_t nnz = 0;
  for (size_t g = b; g < e; g += 8) { /* b is a multiple of 8 */
    unsigned byte = 0;
    size_t lim = e - g < 8 ? e - g : 8;
    for (size_t j = 0; j < lim; j++) {
      unsigned keep = (ctx->pruned[g + j] == 0) &
                      ((cais_elem_bits(ctx->w->data, g + j, is16) & km) != 0);
      byte |= keep << j;
      nnz += keep;
    }
    ctx->mask[g / 8] = (uint8_t)byte;
  }
  ctx->chunk_nnz[c] = nnz;
}

static void from_pruned_chunk(void *vctx, size_t c) {
  from_pruned_ctx *ctx = vctx;
  if (cais_is16(ctx->w->type))
    from_pruned_chunk_body(ctx, c, true);
  else
    from_pruned_chunk_body(ctx, c, false);
}

int64_t cais_cpu_mask_from_pruned(const cais_tensor_view *w,
                                  const uint8_t *pruned, uint8_t *mask,
                                  int64_t *chunk_nnz, cais_threadpool *pool) {
  from_pruned_ctx ctx = {w, pruned, mask, chunk_nnz};
  size_t chunks = cais_cpu_chunk_count((size_t)w->numel);
  cais_threadpool_run(pool, chunks, from_pruned_chunk, &ctx);
  int64_t total = 0;
  for (size_t c = 0; c < chunks; c++) total += chunk_nnz[c];
  return total;
}
