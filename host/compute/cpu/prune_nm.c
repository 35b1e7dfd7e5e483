/* prune_nm.c -- see prune_nm.h.  When the input axis is innermost and m <= 16
 * (the common case), chunk tasks decide runs and write mask bits directly.
 * Otherwise runs are decided into a per-element "pruned" byte array (each run
 * writes only its own bytes, so runs are independent tasks), which
 * mask_bits.c then packs with the zero rule. */
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
  uint8_t *pruned;             /* general path only */
  uint8_t *mask;               /* fast path only: sel->mask */
  int64_t *chunk_nnz;          /* fast path only: sel->chunk_nnz */
  atomic_bool nomem;
  atomic_bool nonfinite;
} nm_ctx;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Bit j set when element j of a run of len <= 16 abs keys is among the k
 * first in (abs key, position) order.  Its rank counts, branch-free, the
 * keys before it that are <= its own and those after it that are smaller. */
static CAIS_ALWAYS_INLINE unsigned run_pruned_bits(const uint32_t *key, size_t len,
                                                   size_t k) {
  unsigned bits = 0;
  for (size_t j = 0; j < len; j++) {
    size_t rank = 0;
    for (size_t q = 0; q < j; q++) rank += key[q] <= key[j];
    for (size_t q = j + 1; q < len; q++) rank += key[q] < key[j];
    bits |= (unsigned)(rank < k) << j;
  }
  return bits;
}

/* Marks the k first of the run's elements in (abs key, position) order.
 * `order` holds abs key << 32 | position (unique).  Short runs count ranks;
 * long ones sort. */
static void prune_run(uint64_t *order, size_t len, size_t k, uint8_t *pruned,
                      size_t base, size_t stride) {
  if (len <= 16) {
    uint32_t key[16];
    for (size_t j = 0; j < len; j++) key[j] = (uint32_t)(order[j] >> 32);
    unsigned bits = run_pruned_bits(key, len, k);
    for (size_t j = 0; j < len; j++) pruned[base + j * stride] = (bits >> j) & 1u;
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

/* Loads the abs keys of the `len` contiguous elements from `start`, raises
 * *worst to their largest, and returns the bits of the non-zero ones. */
static CAIS_ALWAYS_INLINE unsigned load_run_keys(const void *data, size_t start,
                                                 size_t len, const bool is16,
                                                 uint32_t km, uint32_t *key,
                                                 uint32_t *worst) {
  unsigned nonzero = 0;
  uint32_t most = *worst; /* a local: key[] stores cannot alias it */
  for (size_t p = 0; p < len; p++) {
    uint32_t v = cais_elem_bits(data, start + p, is16) & km;
    key[p] = v;
    most = v > most ? v : most;
    nonzero |= (unsigned)(v != 0) << p;
  }
  *worst = most;
  return nonzero;
}

/* Fast path: the input axis is innermost (inner == 1, the usual layout of
 * linear weights) and runs are short (m <= 16).  Each task is one mask chunk:
 * it decides every run that overlaps the chunk (a run straddling a chunk
 * border is decided by both chunks, identically, from the same read-only
 * keys) and writes the chunk's mask bits and count directly, so there is no
 * per-element "pruned" array and no second pass.  The decision is
 * prune_run()'s (run_pruned_bits), bit for bit. */
static CAIS_ALWAYS_INLINE void inner_chunk_body(nm_ctx *ctx, size_t c,
                                                const bool is16, const size_t M) {
  const cais_tensor_view *w = ctx->w;
  uint32_t km = cais_key_mask(is16), bad = cais_nonfinite_key(w->type);
  size_t len = ctx->g.len, n = ctx->n, m = M ? M : ctx->m;
  size_t b, e;
  cais_cpu_chunk_range((size_t)w->numel, c, &b, &e);
  uint8_t *out = ctx->mask + b / 8; /* b is a multiple of 8 */
  uint64_t acc = 0;                 /* bits not yet stored, LSB first */
  unsigned nacc = 0;
  uint32_t worst = 0;
  int64_t nnz = 0;
  size_t pos = b;
  while (pos < e) {
    /* One line (or the part of it inside the chunk) at a time. */
    size_t line_start = pos / len * len;
    size_t seg_end = line_start + len < e ? line_start + len : e;
    size_t start = line_start + (pos - line_start) / m * m;
    for (; start < seg_end; start += m) {
      size_t c0 = start - line_start;
      size_t rlen = len - c0 < m ? len - c0 : m;
      size_t padding = m - rlen; /* virtual zeros, pruned first */
      size_t k = n > padding ? n - padding : 0;
      uint32_t key[16];
      unsigned bits;
      if (rlen == m) { /* full run: constant trip counts when M != 0 */
        bits = load_run_keys(w->data, start, m, is16, km, key, &worst);
        bits &= ~run_pruned_bits(key, m, k);
      } else {
        bits = load_run_keys(w->data, start, rlen, is16, km, key, &worst);
        bits &= ~run_pruned_bits(key, rlen, k);
      }
      /* Only the run's elements inside [pos, e) belong to this chunk. */
      size_t lo = start < pos ? pos - start : 0;
      size_t hi = start + rlen < e ? rlen : e - start;
      bits = (bits >> lo) & ((1u << (hi - lo)) - 1u);
      for (unsigned v = bits; v; v &= v - 1) nnz++;
      acc |= (uint64_t)bits << nacc;
      nacc += (unsigned)(hi - lo);
      while (nacc >= 8) {
        *out++ = (uint8_t)acc;
        acc >>= 8;
        nacc -= 8;
      }
    }
    pos = seg_end;
  }
  if (nacc) *out = (uint8_t)acc;
  ctx->chunk_nnz[c] = nnz;
  if (worst >= bad) atomic_store(&ctx->nonfinite, true);
}

static void inner_chunk_task(void *vctx, size_t c) {
  nm_ctx *ctx = vctx;
  bool is16 = cais_is16(ctx->w->type);
  /* 2:4 and 4:8 are the common patterns: a constant m lets the compiler
   * unroll the rank count. */
  if (ctx->m == 4)
    is16 ? inner_chunk_body(ctx, c, true, 4) : inner_chunk_body(ctx, c, false, 4);
  else if (ctx->m == 8)
    is16 ? inner_chunk_body(ctx, c, true, 8) : inner_chunk_body(ctx, c, false, 8);
  else
    is16 ? inner_chunk_body(ctx, c, true, 0) : inner_chunk_body(ctx, c, false, 0);
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
  bool fast = ctx.g.inner == 1 && ctx.m <= 16;
  ctx.pruned = fast ? NULL : calloc((size_t)w->numel, 1);
  sel->chunks = chunks;
  sel->chunk_nnz = malloc(chunks * sizeof *sel->chunk_nnz);
  sel->mask = malloc(((size_t)w->numel + 7) / 8);
  cais_cpu_status status = CAIS_CPU_NOMEM;
  if ((!fast && !ctx.pruned) || !sel->chunk_nnz || !sel->mask) goto out;
  /* Both passes also watch for non-finite keys (they are the largest). */
  if (fast) {
    ctx.mask = sel->mask;
    ctx.chunk_nnz = sel->chunk_nnz;
    cais_threadpool_run(pool, chunks, inner_chunk_task, &ctx);
  } else {
    cais_threadpool_run(pool, (ctx.rows + ctx.rows_per_task - 1) / ctx.rows_per_task,
                        run_task, &ctx);
  }
  if (atomic_load(&ctx.nomem)) goto out;
  if (atomic_load(&ctx.nonfinite) && cais_cpu_skip_nonfinite(w, pool, msg, msg_size)) {
    status = CAIS_CPU_SKIP;
    goto out;
  }
  if (fast) {
    sel->nnz = 0;
    for (size_t c = 0; c < chunks; c++) sel->nnz += sel->chunk_nnz[c];
  } else {
    sel->nnz = cais_cpu_mask_from_pruned(w, ctx.pruned, sel->mask, sel->chunk_nnz, pool);
  }
  status = CAIS_CPU_OK;
out:
  free(ctx.pruned);
  if (status != CAIS_CPU_OK) cais_cpu_selection_free(sel, false);
  return status;
}
