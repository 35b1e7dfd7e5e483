/* memory_budget.c -- see memory_budget.h. */
#include "engine/memory_budget.h"

#include "common/error.h"
#include "common/memory_limit.h"
#include "compute/cpu/kmeans1d.h"

/* Fixed working memory of a run: histograms, tables, per-chunk arrays. */
#define FIXED_WORK_BYTES ((uint64_t)32 << 20)
/* Per worker thread: the small jobs' buffers (a job of at most 2^20
 * elements needs about 5 bytes per element) and the 16-bit histograms. */
#define PER_THREAD_WORK_BYTES ((uint64_t)8 << 20)
/* The new ops and attributes of one op chain. */
#define CHAIN_OVERHEAD_BYTES 4096

/* An upper bound of the non-zeros left in `w`. */
static uint64_t max_kept(const cais_weight *w, const cais_compress_params *p) {
  uint64_t n = (uint64_t)w->view.numel;
  if (p->prune != CAIS_PRUNE_NM)
    return n - (uint64_t)cais_prune_target_count(w->view.numel, p->target_sparsity);
  /* n:m prunes n of every full run of m along the input axis. */
  int64_t channels = w->view.shape[w->axes.in_axis];
  if (channels <= 0 || p->nm_m <= 0) return n;
  uint64_t lines = n / (uint64_t)channels;
  uint64_t pruned = lines * (uint64_t)(channels / p->nm_m) * (uint64_t)p->nm_n;
  return pruned < n ? n - pruned : 0;
}

static uint64_t payload_bytes(uint64_t kept, size_t elem,
                              const cais_compress_params *p) {
  switch (p->joint) {
    case CAIS_JOINT_NONE: return kept * elem;
    case CAIS_JOINT_PALETTIZE:
      return (kept * (uint64_t)p->palettize_nbits + 7) / 8 + 256 * elem;
    default: return kept; /* one byte per quantized value */
  }
}

/* The buffers one weight needs while it is computed, beyond its output
 * and its k-means solve (dp_bytes). */
static uint64_t work_bytes(const cais_weight *w, uint64_t kept,
                           const cais_compress_params *p) {
  uint64_t n = (uint64_t)w->view.numel, b = 0;
  if (p->prune == CAIS_PRUNE_NM) b += n;               /* a byte per element */
  if (p->prune == CAIS_PRUNE_BLOCK)                    /* block scores, flags */
    b += (n / (uint64_t)p->block_size + 1) * 9;
  if (p->joint == CAIS_JOINT_PALETTIZE && w->view.type == CAIS_FLOAT_F32)
    b += kept * 8 + kept / 2; /* survivors, sort scratch / counts, checkpoints */
  return b;
}

/* The k-means solve of one palettized weight, whatever its size (every
 * worker thread may hold one): 16-bit types run the DP over at most 65,536
 * distinct values with 16-bit argmins ((k - 1) * 65,536 * 2 bytes) plus
 * ~4 MiB of histogram, prefix sums and rows; f32 stays within
 * CAIS_KMEANS_EXACT_MEMORY plus ~2 MiB of group arrays (kmeans1d.h). */
static uint64_t dp_bytes(const cais_compress_params *p) {
  if (p->joint != CAIS_JOINT_PALETTIZE) return 0;
  uint64_t k = (uint64_t)1 << p->palettize_nbits;
  uint64_t dp16 = (k - 1) * 65536 * 2 + ((uint64_t)4 << 20);
  uint64_t dp32 = CAIS_KMEANS_EXACT_MEMORY + ((uint64_t)2 << 20);
  return dp16 > dp32 ? dp16 : dp32;
}

uint64_t cais_run_memory_estimate(const cais_weight_set *set,
                                  const cais_compress_params *p,
                                  bool text_source, int threads,
                                  uint64_t device_batch_bytes) {
  uint64_t outputs = 0, largest_work = 0, largest_constant = 0, dense = 0;
  for (size_t i = 0; i < set->count; i++) {
    const cais_weight *w = &set->items[i];
    uint64_t bytes = (uint64_t)w->view.numel * cais_float_type_size(w->view.type);
    if (bytes > largest_constant) largest_constant = bytes;
    if (!w->eligible) continue;
    uint64_t kept = max_kept(w, p);
    outputs += ((uint64_t)w->view.numel + 7) / 8 +
               payload_bytes(kept, cais_float_type_size(w->view.type), p) +
               CHAIN_OVERHEAD_BYTES;
    if (w->splat_value) outputs += bytes;
    uint64_t work = work_bytes(w, kept, p);
    if (work > largest_work) largest_work = work;
    dense += bytes;
  }
  uint64_t work = largest_work + FIXED_WORK_BYTES +
                  (uint64_t)(threads > 0 ? threads : 1) * (PER_THREAD_WORK_BYTES + dp_bytes(p));
  if (device_batch_bytes)
    work += 2 * (device_batch_bytes < dense ? device_batch_bytes : dense);
  /* The text printer holds a hex copy (2 characters a byte) of one
   * constant at a time, after the compute buffers are gone. */
  uint64_t write = text_source ? 2 * largest_constant : 0;
  return outputs + (work > write ? work : write);
}

cais_status cais_check_run_memory(const cais_weight_set *set,
                                  const cais_compress_params *params,
                                  bool text_source, int threads,
                                  uint64_t device_batch_bytes,
                                  const char *source_name, cais_error *err) {
  if (set->eligible_count == 0) return CAIS_OK;
  uint64_t need = cais_run_memory_estimate(set, params, text_source, threads,
                                           device_batch_bytes);
  cais_memory_headroom room = cais_memory_headroom_now(false);
  if (need <= room.bytes) return CAIS_OK;
  char need_text[32], room_text[32], weights_text[32];
  cais_format_bytes(need, need_text, sizeof need_text);
  cais_format_bytes(room.bytes, room_text, sizeof room_text);
  cais_format_bytes(set->eligible_bytes, weights_text, sizeof weights_text);
  return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY,
                   "%s: compressing %zu weight%s (%s) needs about %s of memory, "
                   "but only %s is available (%s); nothing was changed",
                   source_name, set->eligible_count,
                   set->eligible_count == 1 ? "" : "s", weights_text, need_text,
                   room_text, room.limited_by);
}
