/* prune_block.c -- see prune_block.h. */
#include "compute/cpu/prune_block.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/cpu/axis_geometry.h"
#include "compute/cpu/cpu_parallel.h"
#include "compute/cpu/elem_access.h"
#include "compute/cpu/nonfinite_scan.h"

#define DIGIT_BINS 65536u

typedef struct block_ctx {
  const cais_tensor_view *w;
  cais_axis_geometry g;
  size_t b, nb;            /* block size, blocks per line */
  size_t rows, rows_per_task; /* rows = outer * nb block rows of `inner` */
  double *scores;          /* per block */
  uint8_t *pruned;         /* per block */
  uint8_t *mask;
  int64_t *chunk_nnz;
} block_ctx;

/* Scores of the blocks in rows [t * rows_per_task, ...): a row is one
 * (o, block along the axis) and holds `inner` blocks, which are scored side
 * by side (each still summed in increasing index along the axis). */
static void score_task(void *vctx, size_t t) {
  block_ctx *ctx = vctx;
  const cais_tensor_view *w = ctx->w;
  bool is16 = cais_is16(w->type);
  const float *half = is16 ? cais_half_table(w->type) : NULL;
  size_t r0 = t * ctx->rows_per_task, r1 = r0 + ctx->rows_per_task;
  if (r1 > ctx->rows) r1 = ctx->rows;
  size_t inner = ctx->g.inner, len = ctx->g.len;
  for (size_t r = r0; r < r1; r++) {
    size_t o = r / ctx->nb, cb = r % ctx->nb;
    double *s = ctx->scores + r * inner;
    for (size_t i = 0; i < inner; i++) s[i] = 0.0;
    size_t c1 = (cb + 1) * ctx->b < len ? (cb + 1) * ctx->b : len;
    for (size_t c = cb * ctx->b; c < c1; c++) {
      size_t base = (o * len + c) * inner;
      for (size_t i = 0; i < inner; i++) {
        double x = cais_elem_value(cais_elem_bits(w->data, base + i, is16), is16, half);
        s[i] += x * x;
      }
    }
  }
}

static int64_t block_weight(const void *vctx, size_t blk) {
  const block_ctx *ctx = vctx;
  size_t cb = (blk / ctx->g.inner) % ctx->nb;
  return cb + 1 == ctx->nb ? (int64_t)(ctx->g.len - cb * ctx->b) : (int64_t)ctx->b;
}

/* Mask bits of one chunk: an element is in the mask when its block is not
 * pruned and its abs key is not 0. */
static void mask_chunk(void *vctx, size_t c) {
  block_ctx *ctx = vctx;
  const cais_tensor_view *w = ctx->w;
  bool is16 = cais_is16(w->type);
  uint32_t km = cais_key_mask(is16);
  size_t b0, e0;
  cais_cpu_chunk_range((size_t)w->numel, c, &b0, &e0);
  size_t inner = ctx->g.inner, len = ctx->g.len, bs = ctx->b;
  size_t o = b0 / (len * inner), rem = b0 % (len * inner);
  size_t ch = rem / inner, i = rem % inner, cb = ch / bs, cin = ch % bs;
  int64_t nnz = 0;
  for (size_t g = b0; g < e0; g += 8) {
    unsigned byte = 0;
    size_t lim = e0 - g < 8 ? e0 - g : 8;
    for (size_t j = 0; j < lim; j++) {
      size_t blk = (o * ctx->nb + cb) * inner + i;
      unsigned keep = !ctx->pruned[blk] &&
                      (cais_elem_bits(w->data, g + j, is16) & km) != 0;
      byte |= keep << j;
      if (++i == inner) { /* advance (o, ch, i) in row-major order */
        i = 0;
        if (++cin == bs) {
          cin = 0;
          cb++;
        }
        if (++ch == len) {
          ch = cin = cb = 0;
          o++;
        }
      }
    }
    ctx->mask[g / 8] = (uint8_t)byte;
    nnz += __builtin_popcount(byte);
  }
  ctx->chunk_nnz[c] = nnz;
}

/* The bit pattern of a non-negative double: orders like the value. */
static inline uint64_t score_key(double s) {
  uint64_t u;
  memcpy(&u, &s, sizeof u);
  return u;
}

bool cais_cpu_weighted_select(const double *scores, size_t count,
                              int64_t (*weight_fn)(const void *ctx, size_t i),
                              const void *ctx, int64_t n, uint64_t *threshold,
                              int64_t *rest) {
  uint64_t *hist = malloc(DIGIT_BINS * sizeof *hist);
  size_t *cand = NULL;
  size_t ncand = 0;
  if (!hist) return false;
  uint64_t prefix = 0;
  int64_t want = n; /* weight still to find among keys matching `prefix` */
  /* Four rounds of 16-bit digits, most significant first.  Round 1 sees
   * every item; the items matching the chosen digit become the candidates
   * of the later rounds. */
  for (int round = 0; round < 4; round++) {
    int shift = 48 - 16 * round;
    memset(hist, 0, DIGIT_BINS * sizeof *hist);
    size_t items = round == 0 ? count : ncand;
    for (size_t k = 0; k < items; k++) {
      size_t i = round == 0 ? k : cand[k];
      uint64_t key = score_key(scores[i]);
      if (round > 0 && (key >> (shift + 16)) != (prefix >> (shift + 16))) continue;
      hist[(key >> shift) & 0xFFFFu] += (uint64_t)weight_fn(ctx, i);
    }
    uint64_t digit = 0;
    for (; digit < DIGIT_BINS - 1; digit++) {
      if ((int64_t)hist[digit] >= want) break;
      want -= (int64_t)hist[digit];
    }
    prefix |= digit << shift;
    if (round == 0) {
      size_t matching = 0;
      for (size_t i = 0; i < count; i++) matching += (score_key(scores[i]) >> 48) == digit;
      cand = malloc((matching ? matching : 1) * sizeof *cand);
      if (!cand) {
        free(hist);
        return false;
      }
      for (size_t i = 0; i < count; i++)
        if ((score_key(scores[i]) >> 48) == digit) cand[ncand++] = i;
    }
  }
  free(hist);
  free(cand);
  *threshold = prefix;
  *rest = want;
  return true;
}

cais_cpu_status cais_cpu_block_select(const cais_tensor_view *w, int axis,
                                      int64_t block, int64_t n,
                                      cais_threadpool *pool,
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
             "block sparsity needs a weight of rank >= 2 (this one has rank %d); "
             "left uncompressed", w->rank);
    return CAIS_CPU_SKIP;
  }
  if (axis < 0 || axis >= w->rank) {
    snprintf(msg, msg_size, "invalid channel axis %d for a rank-%d weight; left uncompressed",
             axis, w->rank);
    return CAIS_CPU_SKIP;
  }
  int64_t channels = w->shape[axis];
  if (block > channels || 2 * block > channels) { /* b > C/2, overflow-safe */
    snprintf(msg, msg_size,
             "block_size %" PRId64 " is more than half of the %" PRId64
             " output channels (axis %d); left uncompressed", block, channels, axis);
    return CAIS_CPU_SKIP;
  }

  block_ctx ctx = {0};
  ctx.w = w;
  ctx.g = cais_axis_geometry_of(w, axis);
  ctx.b = (size_t)block;
  ctx.nb = (ctx.g.len + ctx.b - 1) / ctx.b;
  ctx.rows = ctx.g.outer * ctx.nb;
  size_t per_row = ctx.b * ctx.g.inner;
  ctx.rows_per_task = per_row >= 65536 ? 1 : 65536 / per_row;
  size_t nblocks = ctx.rows * ctx.g.inner;
  size_t chunks = cais_cpu_chunk_count((size_t)w->numel);
  ctx.scores = malloc(nblocks * sizeof *ctx.scores);
  ctx.pruned = calloc(nblocks, 1);
  sel->chunks = chunks;
  sel->chunk_nnz = malloc(chunks * sizeof *sel->chunk_nnz);
  sel->mask = malloc(((size_t)w->numel + 7) / 8);
  cais_cpu_status status = CAIS_CPU_NOMEM;
  if (!ctx.scores || !ctx.pruned || !sel->chunk_nnz || !sel->mask) goto out;

  if (n > 0) {
    cais_threadpool_run(pool, (ctx.rows + ctx.rows_per_task - 1) / ctx.rows_per_task,
                        score_task, &ctx);
    uint64_t t;
    int64_t rest;
    if (!cais_cpu_weighted_select(ctx.scores, nblocks, block_weight, &ctx, n, &t, &rest))
      goto out;
    /* Blocks below the threshold score go; of those at it, the lowest
     * block indices go until at least n elements are pruned. */
    for (size_t k = 0; k < nblocks; k++) {
      uint64_t key = score_key(ctx.scores[k]);
      if (key < t) {
        ctx.pruned[k] = 1;
      } else if (key == t && rest > 0) {
        ctx.pruned[k] = 1;
        rest -= block_weight(&ctx, k);
      }
    }
  }
  ctx.mask = sel->mask;
  ctx.chunk_nnz = sel->chunk_nnz;
  cais_threadpool_run(pool, chunks, mask_chunk, &ctx);
  for (size_t c = 0; c < chunks; c++) sel->nnz += sel->chunk_nnz[c];
  status = CAIS_CPU_OK;
out:
  free(ctx.scores);
  free(ctx.pruned);
  if (status != CAIS_CPU_OK) cais_cpu_selection_free(sel, false);
  return status;
}
