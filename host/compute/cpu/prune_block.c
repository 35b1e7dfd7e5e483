/* prune_block.c -- see prune_block.h.
 *
 * Blocks are stored as ROWS: row r = (o, cb) holds the `inner` blocks
 * (o, cb, i), i = 0..inner-1, so block index = r * inner + i and a block's
 * length depends on its row only (the last row of each line, cb = nb - 1,
 * is the short tail when b does not divide C).  Every loop walks rows with
 * an incrementing cb, so no per-block division is needed. */
#include "compute/cpu/prune_block.h"

#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/cpu/axis_geometry.h"
#include "compute/cpu/cpu_parallel.h"
#include "compute/cpu/elem_access.h"
#include "compute/cpu/nonfinite_scan.h"
#include "compute/cpu/structured_shape.h"

#define DIGIT_BINS 65536u
#define ROW_TASK_ELEMENTS 65536u /* elements per scoring / histogram task */

typedef struct block_ctx {
  const cais_tensor_view *w;
  cais_axis_geometry g;
  size_t b, nb;               /* block size, blocks per line */
  size_t rows, rows_per_task; /* rows = outer * nb, each of `inner` blocks */
  int64_t tail;               /* length of the last block of a line */
  double *scores;             /* per block */
  atomic_bool nonfinite;      /* some score is not finite */
  uint8_t *pruned;            /* per block */
  uint8_t *mask;
  int64_t *chunk_nnz;
  /* weighted histogram of one radix round */
  uint64_t *slot_hist;        /* slots x DIGIT_BINS weights */
  uint64_t *slot_count;       /* slots x DIGIT_BINS block counts */
} block_ctx;

static inline int64_t row_weight(const block_ctx *ctx, size_t cb) {
  return cb + 1 == ctx->nb ? ctx->tail : (int64_t)ctx->b;
}

/* The bit pattern of a non-negative double: orders like the value. */
static inline uint64_t score_key(double s) {
  uint64_t u;
  memcpy(&u, &s, sizeof u);
  return u;
}

/* Scores of the blocks of rows [t * rows_per_task, ...), side by side along
 * `inner`, each summed in increasing index along the axis. */
static CAIS_ALWAYS_INLINE void score_task_body(block_ctx *ctx, size_t t,
                                               const bool is16) {
  const cais_tensor_view *w = ctx->w;
  const float *half = is16 ? cais_half_table(w->type) : NULL;
  size_t r0 = t * ctx->rows_per_task, r1 = r0 + ctx->rows_per_task;
  if (r1 > ctx->rows) r1 = ctx->rows;
  size_t inner = ctx->g.inner, len = ctx->g.len;
  bool finite = true;
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
    /* Squares of finite elements are finite, and so are their sums: a
     * non-finite score means a non-finite element. */
    for (size_t i = 0; i < inner; i++) finite &= isfinite(s[i]) != 0;
  }
  if (!finite) atomic_store(&ctx->nonfinite, true);
}

static void score_task(void *vctx, size_t t) {
  block_ctx *ctx = vctx;
  if (cais_is16(ctx->w->type))
    score_task_body(ctx, t, true);
  else
    score_task_body(ctx, t, false);
}

/* Round-1 histogram task: top 16 bits of the score keys of a row range,
 * weighted by block length, into the slot's histograms. */
static void hist_task(void *vctx, size_t t, size_t slot) {
  block_ctx *ctx = vctx;
  uint64_t *hist = ctx->slot_hist + slot * DIGIT_BINS;
  uint64_t *count = ctx->slot_count + slot * DIGIT_BINS;
  size_t r0 = t * ctx->rows_per_task, r1 = r0 + ctx->rows_per_task;
  if (r1 > ctx->rows) r1 = ctx->rows;
  size_t inner = ctx->g.inner;
  for (size_t r = r0; r < r1; r++) {
    uint64_t wgt = (uint64_t)row_weight(ctx, r % ctx->nb);
    const double *s = ctx->scores + r * inner;
    for (size_t i = 0; i < inner; i++) {
      size_t digit = (size_t)(score_key(s[i]) >> 48);
      hist[digit] += wgt;
      count[digit]++;
    }
  }
}

typedef struct candidate {
  uint64_t key;
  int64_t weight;
} candidate;

/* The weighted radix select of prune_block.h over all blocks: round 1
 * (top 16 bits) in parallel, rounds 2-4 over the blocks that match the
 * chosen top digit.  Returns false when out of memory. */
static bool select_threshold(block_ctx *ctx, int64_t n, cais_threadpool *pool,
                             uint64_t *threshold, int64_t *rest) {
  size_t tasks = (ctx->rows + ctx->rows_per_task - 1) / ctx->rows_per_task;
  size_t slots = cais_cpu_slot_count(pool, tasks);
  ctx->slot_hist = calloc(slots * DIGIT_BINS, sizeof *ctx->slot_hist);
  ctx->slot_count = calloc(slots * DIGIT_BINS, sizeof *ctx->slot_count);
  if (!ctx->slot_hist || !ctx->slot_count) return false;
  cais_cpu_run_slots(pool, slots, tasks, hist_task, ctx);
  for (size_t s = 1; s < slots; s++)
    for (size_t d = 0; d < DIGIT_BINS; d++) {
      ctx->slot_hist[d] += ctx->slot_hist[s * DIGIT_BINS + d];
      ctx->slot_count[d] += ctx->slot_count[s * DIGIT_BINS + d];
    }
  int64_t want = n;
  uint64_t top = 0;
  for (; top < DIGIT_BINS - 1; top++) {
    if ((int64_t)ctx->slot_hist[top] >= want) break;
    want -= (int64_t)ctx->slot_hist[top];
  }
  size_t ncand = (size_t)ctx->slot_count[top];
  candidate *cand = malloc((ncand ? ncand : 1) * sizeof *cand);
  if (!cand) return false;
  size_t k = 0;
  for (size_t r = 0; r < ctx->rows; r++) {
    int64_t wgt = row_weight(ctx, r % ctx->nb);
    const double *s = ctx->scores + r * ctx->g.inner;
    for (size_t i = 0; i < ctx->g.inner; i++) {
      uint64_t key = score_key(s[i]);
      if ((key >> 48) == top) cand[k++] = (candidate){key, wgt};
    }
  }
  uint64_t prefix = top << 48;
  uint64_t *hist = ctx->slot_hist; /* reused for rounds 2-4 */
  for (int shift = 32; shift >= 0; shift -= 16) {
    memset(hist, 0, DIGIT_BINS * sizeof *hist);
    for (size_t j = 0; j < ncand; j++)
      if ((cand[j].key >> (shift + 16)) == (prefix >> (shift + 16)))
        hist[(cand[j].key >> shift) & 0xFFFFu] += (uint64_t)cand[j].weight;
    uint64_t digit = 0;
    for (; digit < DIGIT_BINS - 1; digit++) {
      if ((int64_t)hist[digit] >= want) break;
      want -= (int64_t)hist[digit];
    }
    prefix |= digit << shift;
  }
  free(cand);
  *threshold = prefix;
  *rest = want;
  return true;
}

/* Mask bits of one chunk: in the mask when the element's block is not
 * pruned and its abs key is not 0.  Walks row segments: within a row the
 * element's block flag is pruned_row[i]. */
static CAIS_ALWAYS_INLINE void mask_chunk_body(block_ctx *ctx, size_t c,
                                               const bool is16) {
  const cais_tensor_view *w = ctx->w;
  uint32_t km = cais_key_mask(is16);
  size_t b0, e0;
  cais_cpu_chunk_range((size_t)w->numel, c, &b0, &e0);
  size_t inner = ctx->g.inner, len = ctx->g.len, bs = ctx->b;
  size_t o = b0 / (len * inner), rem = b0 % (len * inner);
  size_t ch = rem / inner, i = rem % inner, cb = ch / bs, cin = ch % bs;
  const uint8_t *row = ctx->pruned + (o * ctx->nb + cb) * inner;
  int64_t nnz = 0;
  unsigned acc = 0;
  for (size_t e = b0; e < e0;) {
    size_t seg = inner - i < e0 - e ? inner - i : e0 - e;
    for (size_t t = 0; t < seg; t++, e++) {
      unsigned keep = (row[i + t] == 0) & ((cais_elem_bits(w->data, e, is16) & km) != 0);
      acc |= keep << (e & 7);
      nnz += keep;
      if ((e & 7) == 7) {
        ctx->mask[e >> 3] = (uint8_t)acc;
        acc = 0;
      }
    }
    i += seg;
    if (i == inner) { /* next (o, ch) */
      i = 0;
      if (++cin == bs) {
        cin = 0;
        cb++;
      }
      if (++ch == len) {
        ch = cin = cb = 0;
        o++;
      }
      row = ctx->pruned + (o * ctx->nb + cb) * inner;
    }
  }
  if (e0 & 7) ctx->mask[e0 >> 3] = (uint8_t)acc; /* the tensor's last byte */
  ctx->chunk_nnz[c] = nnz;
}

static void mask_chunk(void *vctx, size_t c) {
  block_ctx *ctx = vctx;
  if (cais_is16(ctx->w->type))
    mask_chunk_body(ctx, c, true);
  else
    mask_chunk_body(ctx, c, false);
}

static const cais_structured_words kWords = {"block sparsity", "block_size", "output"};

cais_cpu_status cais_cpu_block_select(const cais_tensor_view *w, int axis,
                                      int64_t block, int64_t n,
                                      cais_threadpool *pool,
                                      cais_cpu_selection *sel, char *msg,
                                      size_t msg_size) {
  memset(sel, 0, sizeof *sel);
  char reason[256];
  if (cais_cpu_structured_unusable(w, axis, block, &kWords, reason, sizeof reason)) {
    if (!cais_cpu_skip_nonfinite(w, pool, msg, msg_size)) snprintf(msg, msg_size, "%s", reason);
    return CAIS_CPU_SKIP;
  }

  block_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  atomic_init(&ctx.nonfinite, false);
  ctx.w = w;
  ctx.g = cais_axis_geometry_of(w, axis);
  ctx.b = (size_t)block;
  ctx.nb = (ctx.g.len + ctx.b - 1) / ctx.b;
  ctx.tail = (int64_t)(ctx.g.len - (ctx.nb - 1) * ctx.b);
  ctx.rows = ctx.g.outer * ctx.nb;
  size_t per_row = ctx.b * ctx.g.inner;
  ctx.rows_per_task = per_row >= ROW_TASK_ELEMENTS ? 1 : ROW_TASK_ELEMENTS / per_row;
  size_t nblocks = ctx.rows * ctx.g.inner;
  size_t chunks = cais_cpu_chunk_count((size_t)w->numel);
  cais_cpu_status status = CAIS_CPU_NOMEM;
  ctx.pruned = calloc(nblocks, 1);
  sel->chunks = chunks;
  sel->chunk_nnz = malloc(chunks * sizeof *sel->chunk_nnz);
  sel->mask = malloc(((size_t)w->numel + 7) / 8);
  if (!ctx.pruned || !sel->chunk_nnz || !sel->mask) goto out;

  if (n == 0) {
    if (cais_cpu_skip_nonfinite(w, pool, msg, msg_size)) {
      status = CAIS_CPU_SKIP;
      goto out;
    }
  } else {
    ctx.scores = malloc(nblocks * sizeof *ctx.scores);
    if (!ctx.scores) goto out;
    cais_threadpool_run(pool, (ctx.rows + ctx.rows_per_task - 1) / ctx.rows_per_task,
                        score_task, &ctx);
    if (atomic_load(&ctx.nonfinite) && cais_cpu_skip_nonfinite(w, pool, msg, msg_size)) {
      status = CAIS_CPU_SKIP;
      goto out;
    }
    uint64_t t;
    int64_t rest;
    if (!select_threshold(&ctx, n, pool, &t, &rest)) goto out;
    /* Blocks below the threshold score go; of those at it, the lowest
     * block indices go until at least n elements are pruned. */
    size_t cb = 0;
    for (size_t r = 0; r < ctx.rows; r++) {
      int64_t wgt = row_weight(&ctx, cb);
      const double *s = ctx.scores + r * ctx.g.inner;
      uint8_t *p = ctx.pruned + r * ctx.g.inner;
      for (size_t i = 0; i < ctx.g.inner; i++) {
        uint64_t key = score_key(s[i]);
        uint8_t go = key < t; /* unpredictable: kept branch-free */
        if (__builtin_expect(key == t, 0) && rest > 0) {
          go = 1;
          rest -= wgt;
        }
        p[i] = go;
      }
      cb = cb + 1 == ctx.nb ? 0 : cb + 1;
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
  free(ctx.slot_hist);
  free(ctx.slot_count);
  if (status != CAIS_CPU_OK) cais_cpu_selection_free(sel, false);
  return status;
}
