/* prune_nm.c -- see prune_nm.h.  Runs are decided into a per-element
 * "pruned" byte array (each run writes only its own bytes, so runs are
 * independent tasks), which mask_bits.c then packs with the zero rule. */
#include "compute/cpu/prune_nm.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/cpu/axis_geometry.h"
#include "compute/cpu/cpu_parallel.h"
#include "compute/cpu/elem_access.h"
#include "compute/cpu/mask_bits.h"
#include "compute/cpu/nonfinite_scan.h"
#include "compute/cpu/structured_shape.h"

typedef struct nm_ctx {
  const cais_tensor_view *w;
  cais_axis_geometry g;
  size_t n, m, runs;           /* runs per line */
  size_t rows, rows_per_task;  /* rows = outer * runs, each `inner` runs */
  uint8_t *pruned;
  atomic_bool nomem;
  atomic_bool nonfinite;
} nm_ctx;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Marks the k first of the run's elements in (abs key, position) order.
 * `order` holds abs key << 32 | position (unique).  Short runs count ranks
 * branch-free; long ones sort. */
static void prune_run(uint64_t *order, size_t len, size_t k, uint8_t *pruned,
                      size_t base, size_t stride) {
  if (len <= 16) {
    for (size_t j = 0; j < len; j++) {
      size_t rank = 0;
      for (size_t i = 0; i < len; i++) rank += order[i] < order[j];
      pruned[base + j * stride] = rank < k;
    }
    return;
  }
  qsort(order, len, sizeof *order, cmp_u64);
  for (size_t q = 0; q < k; q++) pruned[base + (size_t)(uint32_t)order[q] * stride] = 1;
}

static CAIS_ALWAYS_INLINE void run_task_body(nm_ctx *ctx, size_t t,
                                             const bool is16) {
  const cais_tensor_view *w = ctx->w;
  uint32_t km = cais_key_mask(is16), bad = cais_nonfinite_key(w->type);
  size_t inner = ctx->g.inner, len = ctx->g.len, m = ctx->m;
  uint64_t local[64];
  uint64_t *order = m <= 64 ? local : malloc(m * sizeof *order);
  if (!order) {
    atomic_store(&ctx->nomem, true);
    return;
  }
  uint32_t worst = 0; /* largest abs key seen: non-finite values are largest */
  size_t r0 = t * ctx->rows_per_task, r1 = r0 + ctx->rows_per_task;
  if (r1 > ctx->rows) r1 = ctx->rows;
  for (size_t r = r0; r < r1; r++) {
    size_t o = r / ctx->runs, run = r % ctx->runs;
    size_t c0 = run * m, rlen = len - c0 < m ? len - c0 : m;
    size_t padding = m - rlen; /* virtual zeros, pruned first */
    size_t k = ctx->n > padding ? ctx->n - padding : 0;
    for (size_t i = 0; i < inner; i++) {
      size_t base = (o * len + c0) * inner + i; /* flat index of position 0 */
      for (size_t p = 0; p < rlen; p++) {
        uint32_t key = cais_elem_bits(w->data, base + p * inner, is16) & km;
        worst = key > worst ? key : worst;
        order[p] = (uint64_t)key << 32 | p;
      }
      if (k > 0) prune_run(order, rlen, k, ctx->pruned, base, inner);
    }
  }
  if (worst >= bad) atomic_store(&ctx->nonfinite, true);
  if (order != local) free(order);
}

static void run_task(void *vctx, size_t t) {
  nm_ctx *ctx = vctx;
  if (cais_is16(ctx->w->type))
    run_task_body(ctx, t, true);
  else
    run_task_body(ctx, t, false);
}

static const cais_structured_words kWords = {"n:m sparsity", "n:m group size m =", "input"};

cais_cpu_status cais_cpu_nm_select(const cais_tensor_view *w, int axis,
                                   int64_t n, int64_t m, cais_threadpool *pool,
                                   cais_cpu_selection *sel, char *msg,
                                   size_t msg_size) {
  memset(sel, 0, sizeof *sel);
  char reason[256];
  if (cais_cpu_structured_unusable(w, axis, m, &kWords, reason, sizeof reason)) {
    /* non-finite values take precedence (they are checked first) */
    if (!cais_cpu_skip_nonfinite(w, pool, msg, msg_size)) snprintf(msg, msg_size, "%s", reason);
    return CAIS_CPU_SKIP;
  }

  nm_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  atomic_init(&ctx.nomem, false);
  atomic_init(&ctx.nonfinite, false);
  ctx.w = w;
  ctx.g = cais_axis_geometry_of(w, axis);
  ctx.n = (size_t)n;
  ctx.m = (size_t)m;
  ctx.runs = (ctx.g.len + ctx.m - 1) / ctx.m;
  ctx.rows = ctx.g.outer * ctx.runs;
  size_t per_row = ctx.m * ctx.g.inner;
  ctx.rows_per_task = per_row >= 65536 ? 1 : 65536 / per_row;
  size_t chunks = cais_cpu_chunk_count((size_t)w->numel);
  ctx.pruned = calloc((size_t)w->numel, 1);
  sel->chunks = chunks;
  sel->chunk_nnz = malloc(chunks * sizeof *sel->chunk_nnz);
  sel->mask = malloc(((size_t)w->numel + 7) / 8);
  cais_cpu_status status = CAIS_CPU_NOMEM;
  if (!ctx.pruned || !sel->chunk_nnz || !sel->mask) goto out;
  /* The run pass also watches for non-finite keys (they are the largest). */
  cais_threadpool_run(pool, (ctx.rows + ctx.rows_per_task - 1) / ctx.rows_per_task,
                      run_task, &ctx);
  if (atomic_load(&ctx.nomem)) goto out;
  if (atomic_load(&ctx.nonfinite) && cais_cpu_skip_nonfinite(w, pool, msg, msg_size)) {
    status = CAIS_CPU_SKIP;
    goto out;
  }
  sel->nnz = cais_cpu_mask_from_pruned(w, ctx.pruned, sel->mask, sel->chunk_nnz, pool);
  status = CAIS_CPU_OK;
out:
  free(ctx.pruned);
  if (status != CAIS_CPU_OK) cais_cpu_selection_free(sel, false);
  return status;
}
