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

typedef struct nm_ctx {
  const cais_tensor_view *w;
  cais_axis_geometry g;
  size_t n, m, runs;           /* runs per line */
  size_t rows, rows_per_task;  /* rows = outer * runs, each `inner` runs */
  uint8_t *pruned;
  atomic_bool nomem;
} nm_ctx;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Sorts the run's (abs key << 32 | position) pairs; the pairs are unique,
 * so the order is exactly (abs key, index). */
static void sort_pairs(uint64_t *v, size_t len) {
  if (len > 32) {
    qsort(v, len, sizeof *v, cmp_u64);
    return;
  }
  for (size_t a = 1; a < len; a++) {
    uint64_t x = v[a];
    size_t b = a;
    for (; b > 0 && v[b - 1] > x; b--) v[b] = v[b - 1];
    v[b] = x;
  }
}

static void run_task(void *vctx, size_t t) {
  nm_ctx *ctx = vctx;
  const cais_tensor_view *w = ctx->w;
  bool is16 = cais_is16(w->type);
  uint32_t km = cais_key_mask(is16);
  size_t inner = ctx->g.inner, len = ctx->g.len, m = ctx->m;
  uint64_t local[64];
  uint64_t *pairs = m <= 64 ? local : malloc(m * sizeof *pairs);
  if (!pairs) {
    atomic_store(&ctx->nomem, true);
    return;
  }
  size_t r0 = t * ctx->rows_per_task, r1 = r0 + ctx->rows_per_task;
  if (r1 > ctx->rows) r1 = ctx->rows;
  for (size_t r = r0; r < r1; r++) {
    size_t o = r / ctx->runs, run = r % ctx->runs;
    size_t c0 = run * m, rlen = len - c0 < m ? len - c0 : m;
    size_t padding = m - rlen; /* virtual zeros, pruned first */
    size_t k = ctx->n > padding ? ctx->n - padding : 0;
    if (k == 0) continue;
    for (size_t i = 0; i < inner; i++) {
      size_t base = (o * len + c0) * inner + i; /* flat index of position 0 */
      if (k >= rlen) {
        for (size_t p = 0; p < rlen; p++) ctx->pruned[base + p * inner] = 1;
        continue;
      }
      for (size_t p = 0; p < rlen; p++)
        pairs[p] = (uint64_t)(cais_elem_bits(w->data, base + p * inner, is16) & km) << 32 | p;
      sort_pairs(pairs, rlen);
      for (size_t q = 0; q < k; q++)
        ctx->pruned[base + (size_t)(uint32_t)pairs[q] * inner] = 1;
    }
  }
  if (pairs != local) free(pairs);
}

cais_cpu_status cais_cpu_nm_select(const cais_tensor_view *w, int axis,
                                   int64_t n, int64_t m, cais_threadpool *pool,
                                   cais_cpu_selection *sel, char *msg,
                                   size_t msg_size) {
  memset(sel, 0, sizeof *sel);
  int64_t bad, first;
  cais_cpu_scan_nonfinite(w, pool, &bad, &first);
  if (bad) {
    cais_cpu_nonfinite_message(msg, msg_size, bad, first);
    return CAIS_CPU_SKIP;
  }
  if (w->rank < 2) {
    snprintf(msg, msg_size,
             "n:m sparsity needs a weight of rank >= 2 (this one has rank %d); "
             "left uncompressed", w->rank);
    return CAIS_CPU_SKIP;
  }
  if (axis < 0 || axis >= w->rank) {
    snprintf(msg, msg_size, "invalid channel axis %d for a rank-%d weight; left uncompressed",
             axis, w->rank);
    return CAIS_CPU_SKIP;
  }
  int64_t channels = w->shape[axis];
  if (m > channels || 2 * m > channels) { /* m > C/2, overflow-safe */
    snprintf(msg, msg_size,
             "n:m group size m = %" PRId64 " is more than half of the %" PRId64
             " input channels (axis %d); left uncompressed", m, channels, axis);
    return CAIS_CPU_SKIP;
  }

  nm_ctx ctx = {0};
  atomic_init(&ctx.nomem, false);
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
  if (n > 0) {
    cais_threadpool_run(pool, (ctx.rows + ctx.rows_per_task - 1) / ctx.rows_per_task,
                        run_task, &ctx);
    if (atomic_load(&ctx.nomem)) goto out;
  }
  sel->nnz = cais_cpu_mask_from_pruned(w, ctx.pruned, sel->mask, sel->chunk_nnz, pool);
  status = CAIS_CPU_OK;
out:
  free(ctx.pruned);
  if (status != CAIS_CPU_OK) cais_cpu_selection_free(sel, false);
  return status;
}
