/* cpu_backend.c -- see cpu_backend.h.  Orchestrates one job:
 *
 *  1. pruning (each method checks for non-finite values first, then its own
 *     shape conditions) -> a selection (selection.h);
 *  2. for by-mask selections, the survivors' largest key and 16-bit
 *     histogram when the joint compression needs them;
 *  3. joint-compression setup: nothing left -> plain values with a warning;
 *     quantization scale (underflow -> plain values with a warning);
 *     palette (f32: a first output pass gathers the survivors to sort);
 *  4. the output pass: mask, payload and error statistics together.
 *
 * Timing: select = steps 1-2; joint = step 3; compact = step 4, which also
 * computes the statistics (so `stats` stays 0: they are not a separate
 * pass). */
#include "compute/cpu/cpu_backend.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bitpack.h"
#include "common/error.h"
#include "common/float_formats.h"
#include "compute/cpu/compact.h"
#include "compute/cpu/cpu_parallel.h"
#include "compute/cpu/elem_access.h"
#include "compute/cpu/kept_scan.h"
#include "compute/cpu/palettize.h"
#include "compute/cpu/prune_block.h"
#include "compute/cpu/prune_magnitude.h"
#include "compute/cpu/prune_nm.h"
#include "compute/cpu/quantize.h"

static void set_skipped(cais_job_result *r, const char *msg) {
  r->outcome = CAIS_JOB_SKIPPED;
  snprintf(r->message, sizeof r->message, "%s", msg);
}

static void set_failed(cais_job_result *r, const cais_tensor_view *w) {
  cais_job_result_release(r);
  r->outcome = CAIS_JOB_FAILED;
  snprintf(r->message, sizeof r->message,
           "out of memory compressing a %s weight of %" PRId64 " elements",
           cais_float_type_name(w->type), w->numel);
}

/* Parameters the engine validates already (spec section 6); checked again
 * so that a bad job is skipped instead of crashing the backend. */
static bool params_usable(const cais_compress_params *p, char *msg, size_t size) {
  if (p->prune == CAIS_PRUNE_BLOCK && p->block_size < 1) {
    snprintf(msg, size, "invalid block_size %" PRId64 "; left uncompressed", p->block_size);
    return false;
  }
  if (p->prune == CAIS_PRUNE_NM && (p->nm_m < 1 || p->nm_n < 0 || p->nm_n > p->nm_m)) {
    snprintf(msg, size, "invalid n:m ratio %" PRId64 ":%" PRId64 "; left uncompressed",
             p->nm_n, p->nm_m);
    return false;
  }
  if (p->joint == CAIS_JOINT_PALETTIZE && (p->palettize_nbits < 1 || p->palettize_nbits > 8)) {
    snprintf(msg, size, "invalid palettize_nbits %d; left uncompressed", p->palettize_nbits);
    return false;
  }
  if ((unsigned)p->joint > CAIS_JOINT_PALETTIZE) {
    snprintf(msg, size, "unknown joint compression %d; left uncompressed", (int)p->joint);
    return false;
  }
  return true;
}

/* Step 1: the pruning method's selection. */
static cais_cpu_status select_elements(const cais_job *job, bool want_hist,
                                       cais_threadpool *pool,
                                       cais_cpu_selection *sel, char *msg,
                                       size_t size) {
  const cais_tensor_view *w = &job->weight;
  const cais_compress_params *p = job->params;
  switch (p->prune) {
  case CAIS_PRUNE_MAGNITUDE:
    return cais_cpu_magnitude_select(
        w, cais_prune_target_count(w->numel, p->target_sparsity), want_hist,
        pool, sel, msg, size);
  case CAIS_PRUNE_BLOCK:
    return cais_cpu_block_select(w, job->out_axis, p->block_size,
                                 cais_prune_target_count(w->numel, p->target_sparsity),
                                 pool, sel, msg, size);
  case CAIS_PRUNE_NM:
    return cais_cpu_nm_select(w, job->in_axis, p->nm_n, p->nm_m, pool, sel, msg, size);
  }
  snprintf(msg, size, "unknown pruning mode %d; left uncompressed", (int)p->prune);
  return CAIS_CPU_SKIP;
}

/* Everything step 3 prepares for the output pass. */
typedef struct joint_setup {
  cais_joint_mode joint;
  cais_quant quant;
  cais_palette palette;
  uint8_t *code_table; /* 16-bit palettes: index of every kept pattern */
  double decoded[256];
} joint_setup;

/* f32 palettization: gathers the survivors with a first output pass (no
 * statistics), after which the mask is materialised. */
static bool palette_f32(const cais_tensor_view *w, cais_cpu_selection *sel,
                        int nbits, cais_threadpool *pool, cais_palette *pal) {
  uint32_t *values = malloc((size_t)(sel->nnz ? sel->nnz : 1) * sizeof *values);
  if (!values) return false;
  cais_emit gather = {0};
  gather.w = w;
  gather.sel = sel;
  gather.kind = CAIS_PAYLOAD_RAW;
  gather.out = values;
  bool ok = cais_cpu_emit(&gather, pool);
  sel->by_threshold = false; /* the mask is written now */
  ok = ok && cais_palette_from_values32(values, (size_t)sel->nnz, nbits, pal);
  free(values);
  return ok;
}

/* Step 3.  Returns false when out of memory; may downgrade js->joint to
 * NONE with a warning in `msg`. */
static bool setup_joint(const cais_job *job, cais_cpu_selection *sel,
                        cais_threadpool *pool, joint_setup *js, char *msg,
                        size_t size) {
  const cais_tensor_view *w = &job->weight;
  bool is16 = cais_is16(w->type);
  js->joint = job->params->joint;
  if (js->joint == CAIS_JOINT_NONE) return true;
  if (sel->nnz == 0) {
    snprintf(msg, size, "no non-zero values left; %s skipped", cais_joint_name(js->joint));
    js->joint = CAIS_JOINT_NONE;
    return true;
  }
  if (cais_joint_is_quant(js->joint)) {
    double max_abs = cais_float_bits_to_double(sel->max_kept_key, w->type);
    if (!cais_quant_setup(js->joint, w->type, max_abs, &js->quant)) {
      snprintf(msg, size, "quantization scale underflows %s; values kept unquantized",
               cais_float_type_name(w->type));
      js->joint = CAIS_JOINT_NONE;
      return true;
    }
    cais_quant_decode_table(&js->quant, js->decoded);
    return true;
  }
  /* Palettization. */
  int nbits = job->params->palettize_nbits;
  if (is16) {
    js->code_table = malloc(65536);
    if (!js->code_table ||
        !cais_palette_from_hist16(sel->kept_hist, w->type, nbits, &js->palette,
                                  js->code_table))
      return false;
  } else if (!palette_f32(w, sel, nbits, pool, &js->palette)) {
    return false;
  }
  for (int i = 0; i < 256; i++) js->decoded[i] = js->palette.lut[i];
  return true;
}

void cais_cpu_run_job(cais_job *job, cais_threadpool *pool) {
  cais_job_result *r = &job->result;
  const cais_tensor_view *w = &job->weight;
  const cais_compress_params *p = job->params;
  cais_job_result_release(r);
  if (w->numel <= 0) {
    set_skipped(r, "empty weight; left uncompressed");
    return;
  }
  bool is16 = cais_is16(w->type);
  bool pal16 = p->joint == CAIS_JOINT_PALETTIZE && is16;
  char msg[sizeof r->message] = "";
  if (!params_usable(p, msg, sizeof msg)) {
    set_skipped(r, msg);
    return;
  }
  double t0 = cais_cpu_now();

  cais_cpu_selection sel;
  cais_cpu_status st = select_elements(job, pal16, pool, &sel, msg, sizeof msg);
  if (st == CAIS_CPU_SKIP) {
    set_skipped(r, msg);
    return;
  }
  if (st == CAIS_CPU_NOMEM) {
    set_failed(r, w);
    return;
  }
  bool need_scan = cais_joint_is_quant(p->joint) || pal16;
  if (!sel.by_threshold && need_scan && sel.nnz > 0 &&
      !cais_cpu_kept_scan(w, &sel, pal16, pool)) {
    cais_cpu_selection_free(&sel, false);
    set_failed(r, w);
    return;
  }
  double t1 = cais_cpu_now();

  joint_setup js;
  memset(&js, 0, sizeof js);
  bool ok = setup_joint(job, &sel, pool, &js, msg, sizeof msg);
  double t2 = cais_cpu_now();

  cais_emit e = {0};
  size_t nnz = (size_t)sel.nnz;
  if (ok) {
    e.w = w;
    e.sel = &sel;
    e.stats = true;
    e.code_table = js.code_table;
    e.decoded = js.decoded;
    if (js.joint == CAIS_JOINT_NONE) {
      e.kind = CAIS_PAYLOAD_RAW;
      r->values_bytes = nnz * cais_float_type_size(w->type);
      e.out = malloc(r->values_bytes ? r->values_bytes : 1);
    } else if (js.joint == CAIS_JOINT_PALETTIZE) {
      e.kind = CAIS_PAYLOAD_PACKED;
      e.width = p->palettize_nbits;
      e.palette = &js.palette;
      r->values_bytes = cais_packed_bytes(nnz, e.width);
      e.out = calloc(r->values_bytes ? r->values_bytes : 1, 1);
    } else {
      e.kind = CAIS_PAYLOAD_BYTES;
      e.quant = &js.quant;
      r->values_bytes = nnz;
      e.out = malloc(nnz ? nnz : 1);
    }
    ok = e.out && cais_cpu_emit(&e, pool);
  }
  double t3 = cais_cpu_now();
  free(js.code_table);
  if (!ok) {
    free(e.out);
    cais_cpu_selection_free(&sel, false);
    set_failed(r, w);
    return;
  }

  r->outcome = CAIS_JOB_DONE;
  snprintf(r->message, sizeof r->message, "%s", msg);
  r->mask = sel.mask;
  r->mask_bytes = ((size_t)w->numel + 7) / 8;
  r->nnz = sel.nnz;
  r->joint = js.joint;
  r->values = e.out;
  if (cais_joint_is_quant(js.joint)) {
    r->scale_bits = js.quant.scale_bits;
    r->offset1 = js.quant.offset1;
  }
  if (js.joint == CAIS_JOINT_PALETTIZE) {
    r->lut_entries = js.palette.entries;
    memcpy(r->lut_bits, js.palette.lut_bits, sizeof r->lut_bits);
  }
  r->sq_error = e.sq_error;
  r->sq_norm = e.sq_norm;
  r->timing.select = t1 - t0;
  r->timing.joint = t2 - t1;
  r->timing.compact = t3 - t2;
  r->timing.stats = 0.0;
  cais_cpu_selection_free(&sel, true);
}

/* ---- several jobs ------------------------------------------------------ */

/* A small job, for ordering: largest first, then by position. */
typedef struct small_job {
  int64_t numel;
  size_t index;
} small_job;

typedef struct small_jobs {
  cais_job *jobs;
  const small_job *order;
} small_jobs;

static void small_job_task(void *vctx, size_t i) {
  small_jobs *ctx = vctx;
  cais_cpu_run_job(&ctx->jobs[ctx->order[i].index], NULL);
}

static int larger_first(const void *a, const void *b) {
  const small_job *x = a, *y = b;
  if (x->numel != y->numel) return x->numel > y->numel ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* A job runs alone with the whole pool when it has enough chunks to keep
 * every thread busy (and at least two); smaller jobs run side by side, one
 * thread each. */
static bool is_large(const cais_job *job, size_t threads) {
  size_t chunks = cais_cpu_chunk_count((size_t)(job->weight.numel > 0 ? job->weight.numel : 0));
  return chunks >= 2 && chunks >= threads;
}

void cais_cpu_run_jobs(cais_job *jobs, size_t count, cais_threadpool *pool) {
  size_t threads = (size_t)cais_threadpool_size(pool);
  small_job *order = malloc((count ? count : 1) * sizeof *order);
  if (!order) { /* no room to plan: one at a time */
    for (size_t i = 0; i < count; i++) cais_cpu_run_job(&jobs[i], pool);
    return;
  }
  size_t small = 0;
  for (size_t i = 0; i < count; i++)
    if (!is_large(&jobs[i], threads)) order[small++] = (small_job){jobs[i].weight.numel, i};
  /* Largest first balances the threads; which thread runs a job does not
   * change its result. */
  qsort(order, small, sizeof *order, larger_first);
  small_jobs ctx = {jobs, order};
  cais_threadpool_run(pool, small, small_job_task, &ctx);
  for (size_t i = 0; i < count; i++)
    if (is_large(&jobs[i], threads)) cais_cpu_run_job(&jobs[i], pool);
  free(order);
}

/* ---- the backend object ------------------------------------------------ */

typedef struct cpu_backend {
  cais_backend base;
  cais_threadpool *pool;
  size_t batches;
} cpu_backend;

static cais_status cpu_run_batch(cais_backend *self, cais_job *jobs,
                                 size_t count, cais_error *err) {
  cpu_backend *b = (cpu_backend *)self;
  cais_cpu_run_jobs(jobs, count, b->pool);
  b->batches++;
  cais_error_clear(err);
  return CAIS_OK;
}

static uint64_t cpu_batch_byte_limit(const cais_backend *self) {
  (void)self;
  /* The weights are already in host memory, but the engine drops a batch's
   * input pages (mapped bytecode) and hands its results to MLIR only after
   * the batch: modest batches keep the resident set near one batch of input
   * plus the compressed output, whatever the program's size.  256 MiB still
   * holds many small weights for the pool to run side by side. */
  return (uint64_t)256 << 20;
}

static size_t cpu_batches_run(const cais_backend *self) {
  return ((const cpu_backend *)self)->batches;
}

static void cpu_destroy(cais_backend *self) { free(self); }

static const cais_backend_ops cpu_ops = {cpu_run_batch, cpu_batch_byte_limit,
                                         cpu_batches_run, cpu_destroy};

cais_backend *cais_cpu_backend_create(cais_threadpool *pool, cais_error *err) {
  cpu_backend *b = calloc(1, sizeof *b);
  if (!b) {
    cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "out of memory creating the CPU backend");
    return NULL;
  }
  b->base.ops = &cpu_ops;
  b->pool = pool;
  int threads = cais_threadpool_size(pool);
  snprintf(b->base.name, sizeof b->base.name, "CPU (%d thread%s)", threads,
           threads == 1 ? "" : "s");
  return &b->base;
}
