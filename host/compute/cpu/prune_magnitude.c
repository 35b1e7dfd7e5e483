/* prune_magnitude.c -- see prune_magnitude.h. */
#include "compute/cpu/prune_magnitude.h"

#include <stdlib.h>
#include <string.h>

#include "compute/cpu/cpu_parallel.h"
#include "compute/cpu/elem_access.h"
#include "compute/cpu/nonfinite_scan.h"

#define BINS16 65536u   /* 16-bit types: full bit patterns */
#define HI_BINS 32768u  /* f32: abs key >> 16 */
#define LO_BINS 65536u  /* f32: abs key & 0xFFFF */
#define SUM_BLOCK 4096u /* bins per task when summing histograms */

typedef struct mag_ctx {
  const cais_tensor_view *w;
  size_t numel, chunks;
  bool is16;
  uint32_t *hist;      /* per chunk: BINS16 (16-bit) or HI_BINS (f32) */
  uint32_t *lo;        /* f32, per chunk: LO_BINS, for high bin `high` */
  int64_t *zeros;      /* f32, per chunk: elements with key 0 */
  uint32_t *chunk_max; /* f32, per chunk: largest key */
  uint32_t high;       /* f32: the high bin holding the threshold */
  uint32_t threshold;
  int64_t *less, *eq;  /* per chunk: keys < threshold, == threshold */
  /* summing per-chunk histograms into `sum` */
  const uint32_t *sum_src;
  size_t sum_bins;
  uint64_t *sum;
} mag_ctx;

/* ---- histogram passes -------------------------------------------------- */

static void hist16_chunk(void *vctx, size_t c) {
  mag_ctx *ctx = vctx;
  uint32_t *h = ctx->hist + c * BINS16;
  memset(h, 0, BINS16 * sizeof *h);
  size_t b, e;
  cais_cpu_chunk_range(ctx->numel, c, &b, &e);
  const uint16_t *src = (const uint16_t *)ctx->w->data;
  for (size_t i = b; i < e; i++) {
    uint16_t v;
    memcpy(&v, src + i, 2);
    h[v]++;
  }
}

static void hist32_high_chunk(void *vctx, size_t c) {
  mag_ctx *ctx = vctx;
  uint32_t *h = ctx->hist + c * HI_BINS;
  memset(h, 0, HI_BINS * sizeof *h);
  size_t b, e;
  cais_cpu_chunk_range(ctx->numel, c, &b, &e);
  int64_t zeros = 0;
  uint32_t mx = 0;
  for (size_t i = b; i < e; i++) {
    uint32_t key = cais_elem_bits(ctx->w->data, i, false) & 0x7FFFFFFFu;
    h[key >> 16]++;
    zeros += key == 0;
    mx = key > mx ? key : mx;
  }
  ctx->zeros[c] = zeros;
  ctx->chunk_max[c] = mx;
}

static void hist32_low_chunk(void *vctx, size_t c) {
  mag_ctx *ctx = vctx;
  uint32_t *h = ctx->lo + c * LO_BINS;
  memset(h, 0, LO_BINS * sizeof *h);
  if (ctx->hist[c * HI_BINS + ctx->high] == 0) return;
  size_t b, e;
  cais_cpu_chunk_range(ctx->numel, c, &b, &e);
  for (size_t i = b; i < e; i++) {
    uint32_t key = cais_elem_bits(ctx->w->data, i, false) & 0x7FFFFFFFu;
    if ((key >> 16) == ctx->high) h[key & 0xFFFFu]++;
  }
}

/* sum[bin] = sum over chunks of sum_src[chunk * sum_bins + bin], one block
 * of bins per task. */
static void sum_block(void *vctx, size_t block) {
  mag_ctx *ctx = vctx;
  size_t b0 = block * SUM_BLOCK, b1 = b0 + SUM_BLOCK;
  if (b1 > ctx->sum_bins) b1 = ctx->sum_bins;
  for (size_t bin = b0; bin < b1; bin++) ctx->sum[bin] = 0;
  for (size_t c = 0; c < ctx->chunks; c++) {
    const uint32_t *h = ctx->sum_src + c * ctx->sum_bins;
    for (size_t bin = b0; bin < b1; bin++) ctx->sum[bin] += h[bin];
  }
}

static void sum_histograms(mag_ctx *ctx, cais_threadpool *pool,
                           const uint32_t *src, size_t bins, uint64_t *sum) {
  ctx->sum_src = src;
  ctx->sum_bins = bins;
  ctx->sum = sum;
  cais_threadpool_run(pool, (bins + SUM_BLOCK - 1) / SUM_BLOCK, sum_block, ctx);
}

/* ---- per-chunk counts at the threshold -------------------------------- */

static void count16_chunk(void *vctx, size_t c) {
  mag_ctx *ctx = vctx;
  const uint32_t *h = ctx->hist + c * BINS16;
  uint32_t t = ctx->threshold;
  int64_t less = 0;
  for (uint32_t k = 0; k < t; k++) less += (int64_t)h[k] + h[k | 0x8000u];
  ctx->less[c] = less;
  ctx->eq[c] = (int64_t)h[t] + h[t | 0x8000u];
}

static void count32_chunk(void *vctx, size_t c) {
  mag_ctx *ctx = vctx;
  const uint32_t *h = ctx->hist + c * HI_BINS;
  const uint32_t *lo = ctx->lo + c * LO_BINS;
  uint32_t hb = ctx->threshold >> 16, lb = ctx->threshold & 0xFFFFu;
  int64_t less = 0;
  for (uint32_t k = 0; k < hb; k++) less += h[k];
  for (uint32_t k = 0; k < lb; k++) less += lo[k];
  ctx->less[c] = less;
  ctx->eq[c] = lo[lb];
}

/* Smallest index t with counts[0] + ... + counts[t] >= target (target >= 1
 * and <= the total); *before gets counts[0] + ... + counts[t-1]. */
static uint32_t find_rank(const uint64_t *counts, size_t bins, int64_t target,
                          int64_t *before) {
  int64_t cum = 0;
  for (size_t t = 0; t < bins; t++) {
    if (cum + (int64_t)counts[t] >= target) {
      *before = cum;
      return (uint32_t)t;
    }
    cum += (int64_t)counts[t];
  }
  *before = cum; /* unreachable for a valid target */
  return (uint32_t)(bins - 1);
}

/* ---- the kept-value histogram (16-bit palettization) ------------------- */

/* kept_hist = patterns with key > T in full, plus the ties at T that
 * survive: all of a chunk's ties when its quota is 0, none when its quota is
 * all of them, and for the (at most one) chunk in between a scan that skips
 * its first `quota` ties. */
static void build_kept_hist16(const mag_ctx *ctx, const uint64_t *global,
                              const cais_cpu_selection *sel, uint64_t *kept) {
  uint32_t t = sel->threshold;
  for (uint32_t p = 0; p < BINS16; p++) kept[p] = (p & 0x7FFFu) > t ? global[p] : 0;
  if (t == 0) return; /* ties are zeros: never kept in the mask */
  for (size_t c = 0; c < ctx->chunks; c++) {
    const uint32_t *h = ctx->hist + c * BINS16;
    int64_t quota = sel->tie_quota[c];
    if (quota == 0) {
      kept[t] += h[t];
      kept[t | 0x8000u] += h[t | 0x8000u];
    } else if (quota < ctx->eq[c]) {
      size_t b, e;
      cais_cpu_chunk_range(ctx->numel, c, &b, &e);
      int64_t seen = 0;
      for (size_t i = b; i < e; i++) {
        uint32_t bits = cais_elem_bits(ctx->w->data, i, true);
        if ((bits & 0x7FFFu) != t) continue;
        if (seen++ >= quota) kept[bits]++;
      }
    }
  }
}

/* ---- driver ------------------------------------------------------------ */

/* After less/eq are known: tie quotas in chunk order, per-chunk nnz. */
static void finish_counts(mag_ctx *ctx, int64_t n, cais_cpu_selection *sel) {
  int64_t total_less = 0;
  for (size_t c = 0; c < ctx->chunks; c++) total_less += ctx->less[c];
  int64_t ties_left = n > 0 ? n - total_less : 0;
  sel->nnz = 0;
  for (size_t c = 0; c < ctx->chunks; c++) {
    int64_t q = ties_left < ctx->eq[c] ? ties_left : ctx->eq[c];
    ties_left -= q;
    size_t b, e;
    cais_cpu_chunk_range(ctx->numel, c, &b, &e);
    int64_t above = (int64_t)(e - b) - ctx->less[c] - ctx->eq[c];
    sel->tie_quota[c] = q;
    sel->chunk_nnz[c] = above + (sel->threshold > 0 ? ctx->eq[c] - q : 0);
    sel->nnz += sel->chunk_nnz[c];
  }
}

cais_cpu_status cais_cpu_magnitude_select(const cais_tensor_view *w, int64_t n,
                                          bool want_kept_hist,
                                          cais_threadpool *pool,
                                          cais_cpu_selection *sel, char *msg,
                                          size_t msg_size) {
  memset(sel, 0, sizeof *sel);
  mag_ctx ctx = {0};
  ctx.w = w;
  ctx.numel = (size_t)w->numel;
  ctx.chunks = cais_cpu_chunk_count(ctx.numel);
  ctx.is16 = cais_is16(w->type);
  size_t chunks = ctx.chunks;
  size_t bins = ctx.is16 ? BINS16 : HI_BINS;
  cais_cpu_status status = CAIS_CPU_NOMEM;
  uint64_t *global = malloc(bins * sizeof *global);
  uint64_t *global_lo = NULL;
  ctx.hist = malloc(chunks * bins * sizeof *ctx.hist);
  ctx.less = malloc(chunks * sizeof *ctx.less);
  ctx.eq = malloc(chunks * sizeof *ctx.eq);
  sel->chunks = chunks;
  sel->by_threshold = true;
  sel->tie_quota = malloc(chunks * sizeof *sel->tie_quota);
  sel->chunk_nnz = malloc(chunks * sizeof *sel->chunk_nnz);
  sel->mask = malloc((ctx.numel + 7) / 8);
  if (!ctx.is16) {
    ctx.zeros = malloc(chunks * sizeof *ctx.zeros);
    ctx.chunk_max = malloc(chunks * sizeof *ctx.chunk_max);
  }
  if (!global || !ctx.hist || !ctx.less || !ctx.eq || !sel->tie_quota ||
      !sel->chunk_nnz || !sel->mask ||
      (!ctx.is16 && (!ctx.zeros || !ctx.chunk_max)))
    goto out;

  /* Pass 1: histograms (non-finite values land in the top bins). */
  cais_threadpool_run(pool, chunks, ctx.is16 ? hist16_chunk : hist32_high_chunk,
                      &ctx);
  sum_histograms(&ctx, pool, ctx.hist, bins, global);
  uint32_t bad = cais_nonfinite_key(w->type);
  uint32_t bad_bin = ctx.is16 ? bad : bad >> 16;
  int64_t nonfinite = 0;
  for (uint32_t k = bad_bin; k < (ctx.is16 ? 0x8000u : HI_BINS); k++)
    nonfinite += (int64_t)global[k] + (ctx.is16 ? (int64_t)global[k | 0x8000u] : 0);
  if (nonfinite > 0) {
    cais_cpu_nonfinite_message(msg, msg_size, nonfinite,
                               cais_cpu_first_nonfinite(w, 0, ctx.numel));
    status = CAIS_CPU_SKIP;
    goto out;
  }

  /* The threshold: the abs key of the n-th element (0 when n == 0). */
  if (ctx.is16) {
    uint64_t *keys = malloc(0x8000u * sizeof *keys);
    if (!keys) goto out;
    for (uint32_t k = 0; k < 0x8000u; k++) keys[k] = global[k] + global[k | 0x8000u];
    int64_t before;
    sel->threshold = n > 0 ? find_rank(keys, 0x8000u, n, &before) : 0;
    ctx.threshold = sel->threshold;
    cais_threadpool_run(pool, chunks, count16_chunk, &ctx);
    uint32_t mx = 0x7FFFu;
    while (mx > 0 && keys[mx] == 0) mx--;
    sel->max_kept_key = mx;
    free(keys);
  } else if (n > 0) {
    int64_t before;
    ctx.high = find_rank(global, HI_BINS, n, &before);
    ctx.lo = malloc(chunks * LO_BINS * sizeof *ctx.lo);
    global_lo = malloc(LO_BINS * sizeof *global_lo);
    if (!ctx.lo || !global_lo) goto out;
    cais_threadpool_run(pool, chunks, hist32_low_chunk, &ctx);
    sum_histograms(&ctx, pool, ctx.lo, LO_BINS, global_lo);
    int64_t before_lo;
    uint32_t low = find_rank(global_lo, LO_BINS, n - before, &before_lo);
    sel->threshold = ctx.high << 16 | low;
    ctx.threshold = sel->threshold;
    cais_threadpool_run(pool, chunks, count32_chunk, &ctx);
  } else {
    sel->threshold = 0; /* prune nothing: zeros are the "ties", all kept */
    for (size_t c = 0; c < chunks; c++) {
      ctx.less[c] = 0;
      ctx.eq[c] = ctx.zeros[c];
    }
  }
  if (!ctx.is16) {
    sel->max_kept_key = 0;
    for (size_t c = 0; c < chunks; c++)
      if (ctx.chunk_max[c] > sel->max_kept_key) sel->max_kept_key = ctx.chunk_max[c];
  }
  sel->tie_key = sel->threshold > 0 ? sel->threshold : UINT32_MAX;
  finish_counts(&ctx, n, sel);

  if (want_kept_hist && ctx.is16) {
    sel->kept_hist = malloc(BINS16 * sizeof *sel->kept_hist);
    if (!sel->kept_hist) goto out;
    build_kept_hist16(&ctx, global, sel, sel->kept_hist);
  }
  status = CAIS_CPU_OK;

out:
  free(global);
  free(global_lo);
  free(ctx.hist);
  free(ctx.lo);
  free(ctx.less);
  free(ctx.eq);
  free(ctx.zeros);
  free(ctx.chunk_max);
  if (status != CAIS_CPU_OK) cais_cpu_selection_free(sel, false);
  return status;
}
