/* ocl_batch.c -- one engine batch on the OpenCL device (ocl_internal.h;
 * docs/ARCHITECTURE.md, "The OpenCL backend").
 *
 *  1. Sort the jobs: those the device cannot take (a shape the CPU skips, a
 *     tensor larger than a sub-batch, n:m with m > 64, ...) are done by the
 *     CPU code at the end; the others are packed, in order, into
 *     SUB-BATCHES of at most b->sub_bytes dense bytes: one buffer per kind
 *     for all their tensors, with a descriptor table (cais_layout.h).
 *  2. Pipeline, double-buffered: the upload of sub-batch i+1 (transfer
 *     queue) runs while the kernels of sub-batch i run (kernel queue); the
 *     download of i runs while the kernels of i+1 run.
 *  3. A tensor the device finished but whose result needs the CPU's wording
 *     (non-finite values, nothing left to quantize, a scale that
 *     underflows) is redone by the CPU code, which gives the skip or the
 *     warning exactly; so are the jobs of step 1.
 *  4. Failures: an allocation failure fails that sub-batch's jobs (the
 *     engine redoes them on the CPU) and the run goes on; any other OpenCL
 *     error fails every unfinished job and returns CAIS_ERROR_DEVICE (the
 *     engine stops using the device).
 */
#include <clblast_c.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cais_layout.h"
#include "common/bitpack.h"
#include "common/error.h"
#include "compute/cpu/cpu_backend.h"
#include "compute/cpu/elem_access.h"
#include "compute/cpu/kmeans1d.h"
#include "compute/cpu/quantize.h"
#include "compute/cpu/sort_f32.h"
#include "compute/opencl/ocl_internal.h"

enum {
  B_DATA, B_MASK, B_VALS, B_CODES, B_PACK, B_SCR, B_HIST, B_CNT, B_AUX, B_PART,
  B_BCNT, B_DESC, B_RES, B_NF, B_AMAX, B_LUTBITS, B_DEC, B_CBASE, B_IBASE,
  B_BBASE, B_WAVE, B_WS, NBUF
};

enum { ST_SELECT, ST_COMPACT, ST_JOINT, ST_STATS, ST_COUNT };

typedef struct prof_event {
  cl_event ev;
  int step;
} prof_event;

typedef struct sub_batch {
  ocl_backend *b;
  const cais_compress_params *p;
  size_t n;
  cais_job **jobs;
  uint64_t *desc;
  uint32_t *cbase, *ibase, *bbase;
  uint64_t *res;    /* zeros to upload, then the results */
  uint32_t *nf;     /* zeros to upload, then the non-finite counts */
  uint32_t *lutbits;
  size_t chunks, items, bchunks;
  uint64_t sz[NBUF];
  bool any16, any32;
  cl_mem m[NBUF];
  cl_event uploaded, computed;
  prof_event *prof;
  size_t nprof, capprof;
  cl_event *reads;
  size_t nreads, capreads;
  uint8_t *delegate; /* per tensor: redo with the CPU code */
  uint8_t **mask_out;
  void **val_out;
  size_t *val_bytes;
  double step_seconds[ST_COUNT];
  cl_int error;     /* first error */
  char what[160];   /* where it happened */
} sub_batch;

/* ---- small helpers ----------------------------------------------------- */

static uint64_t align256(uint64_t n) { return (n + 255) / 256 * 256; }

static size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

/* Records the first error of a sub-batch; returns it. */
static cl_int fail_at(sub_batch *sb, cl_int e, const char *fmt, ...) {
  if (sb->error == CL_SUCCESS) {
    sb->error = e;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sb->what, sizeof sb->what, fmt, ap);
    va_end(ap);
  }
  return e;
}

static bool is_alloc_error(cl_int e) {
  return e == CL_MEM_OBJECT_ALLOCATION_FAILURE || e == CL_INVALID_BUFFER_SIZE;
}

static cl_int sb_alloc(sub_batch *sb, int which, uint64_t size) {
  ocl_backend *b = sb->b;
  if (size < 256) size = 256;
  sb->sz[which] = size;
  if (ocl_fault_hit(&b->fault, OCL_FAULT_ALLOC))
    return fail_at(sb, CL_MEM_OBJECT_ALLOCATION_FAILURE,
                   "allocating %" PRIu64 " bytes (injected by CAIS_OPENCL_FAULT)", size);
  if (size > b->dev.max_alloc)
    return fail_at(sb, CL_MEM_OBJECT_ALLOCATION_FAILURE,
                   "allocating %" PRIu64 " bytes (largest allocation %" PRIu64 ")", size,
                   b->dev.max_alloc);
  cl_int e = CL_SUCCESS;
  sb->m[which] = clCreateBuffer(b->ctx, CL_MEM_READ_WRITE, (size_t)size, NULL, &e);
  if (!sb->m[which] || e != CL_SUCCESS) {
    sb->m[which] = NULL;
    return fail_at(sb, e != CL_SUCCESS ? e : CL_MEM_OBJECT_ALLOCATION_FAILURE,
                   "allocating %" PRIu64 " bytes", size);
  }
  return CL_SUCCESS;
}

static cl_int enqueue_check(sub_batch *sb, const char *what) {
  if (ocl_fault_hit(&sb->b->fault, OCL_FAULT_ENQUEUE))
    return fail_at(sb, CL_OUT_OF_RESOURCES, "%s (injected by CAIS_OPENCL_FAULT)", what);
  return CL_SUCCESS;
}

static void add_prof(sub_batch *sb, cl_event ev, int step) {
  if (!ev) return;
  if (sb->nprof == sb->capprof) {
    size_t cap = sb->capprof ? 2 * sb->capprof : 64;
    prof_event *grown = realloc(sb->prof, cap * sizeof *grown);
    if (!grown) {
      clReleaseEvent(ev);
      return;
    }
    sb->prof = grown;
    sb->capprof = cap;
  }
  sb->prof[sb->nprof++] = (prof_event){ev, step};
}

static void add_read(sub_batch *sb, cl_event ev) {
  if (sb->nreads == sb->capreads) {
    size_t cap = sb->capreads ? 2 * sb->capreads : 64;
    cl_event *grown = realloc(sb->reads, cap * sizeof *grown);
    if (!grown) {
      clWaitForEvents(1, &ev);
      clReleaseEvent(ev);
      return;
    }
    sb->reads = grown;
    sb->capreads = cap;
  }
  sb->reads[sb->nreads++] = ev;
}

/* Kernel arguments: 'm' a buffer of the sub-batch (int index), 'u' a cl_uint,
 * 'i' a cl_int. */
static cl_int set_args(sub_batch *sb, cl_kernel k, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cl_int e = CL_SUCCESS;
  for (cl_uint i = 0; fmt[i] && e == CL_SUCCESS; i++) {
    if (fmt[i] == 'm') {
      cl_mem mem = sb->m[va_arg(ap, int)];
      e = clSetKernelArg(k, i, sizeof mem, &mem);
    } else if (fmt[i] == 'u') {
      cl_uint v = va_arg(ap, unsigned);
      e = clSetKernelArg(k, i, sizeof v, &v);
    } else {
      cl_int v = va_arg(ap, int);
      e = clSetKernelArg(k, i, sizeof v, &v);
    }
  }
  va_end(ap);
  return e;
}

static cl_int launch(sub_batch *sb, ocl_kernel_id id, int step, size_t global, size_t local) {
  if (sb->error) return sb->error;
  if (global == 0) return CL_SUCCESS;
  cl_int e = enqueue_check(sb, ocl_kernel_names[id]);
  if (e) return e;
  cl_event ev = NULL;
  e = clEnqueueNDRangeKernel(sb->b->qc, sb->b->k[id], 1, NULL, &global, &local, 0, NULL, &ev);
  if (e != CL_SUCCESS) return fail_at(sb, e, "running %s", ocl_kernel_names[id]);
  add_prof(sb, ev, step);
  return CL_SUCCESS;
}

/* One work-group per chunk / per tensor / per item (rounded up). */
#define RUN_GROUPS(sb, id, step, groups) launch(sb, id, step, (size_t)(groups) * CAIS_WG, CAIS_WG)
#define RUN_ITEMS(sb, id, step, items) launch(sb, id, step, round_up((size_t)(items), 64), 64)

static cl_int fill_zero(sub_batch *sb, int which, int step) {
  if (sb->error) return sb->error;
  cl_int e = enqueue_check(sb, "clEnqueueFillBuffer");
  if (e) return e;
  cl_uint zero = 0;
  cl_event ev = NULL;
  e = clEnqueueFillBuffer(sb->b->qc, sb->m[which], &zero, sizeof zero, 0, (size_t)sb->sz[which],
                          0, NULL, &ev);
  if (e != CL_SUCCESS) return fail_at(sb, e, "clearing a buffer");
  add_prof(sb, ev, step);
  return CL_SUCCESS;
}

static cl_int write_buf(sub_batch *sb, cl_command_queue q, int which, uint64_t off,
                        uint64_t size, const void *src, bool blocking, cl_event *ev) {
  if (sb->error) return sb->error;
  if (size == 0) return CL_SUCCESS;
  cl_int e = enqueue_check(sb, "clEnqueueWriteBuffer");
  if (e) return e;
  e = clEnqueueWriteBuffer(q, sb->m[which], blocking ? CL_TRUE : CL_FALSE, (size_t)off,
                           (size_t)size, src, 0, NULL, ev);
  if (e != CL_SUCCESS) return fail_at(sb, e, "uploading");
  return CL_SUCCESS;
}

static cl_int read_buf(sub_batch *sb, cl_command_queue q, int which, uint64_t off,
                       uint64_t size, void *dst, bool blocking, const cl_event *wait,
                       cl_event *ev) {
  if (sb->error) return sb->error;
  if (size == 0) return CL_SUCCESS;
  cl_int e = enqueue_check(sb, "clEnqueueReadBuffer");
  if (e) return e;
  e = clEnqueueReadBuffer(q, sb->m[which], blocking ? CL_TRUE : CL_FALSE, (size_t)off,
                          (size_t)size, dst, wait ? 1 : 0, wait, ev);
  if (e != CL_SUCCESS) return fail_at(sb, e, "downloading");
  return CL_SUCCESS;
}

/* ---- which jobs the device takes --------------------------------------- */

static bool geometry(const cais_tensor_view *w, int axis, uint64_t *outer, uint64_t *len,
                     uint64_t *inner) {
  if (w->rank < 2 || axis < 0 || axis >= w->rank) return false;
  *outer = *inner = 1;
  *len = (uint64_t)w->shape[axis];
  for (int d = 0; d < axis; d++) *outer *= (uint64_t)w->shape[d];
  for (int d = axis + 1; d < w->rank; d++) *inner *= (uint64_t)w->shape[d];
  return true;
}

/* Whether the device can compute `job` exactly as the CPU does; everything
 * else (including every case the CPU skips for its shape) goes to the CPU
 * code, which also words the skip. */
static bool device_can(const ocl_backend *b, const cais_job *job) {
  const cais_tensor_view *w = &job->weight;
  const cais_compress_params *p = job->params;
  if (w->numel <= 0 || w->numel >= ((int64_t)1 << 31) - CAIS_CHUNK) return false;
  if (w->type != CAIS_FLOAT_F16 && w->type != CAIS_FLOAT_BF16 && w->type != CAIS_FLOAT_F32)
    return false;
  if ((uint64_t)w->numel * cais_float_type_size(w->type) > b->big_bytes) return false;
  if ((unsigned)p->joint > CAIS_JOINT_PALETTIZE) return false;
  if (p->joint == CAIS_JOINT_PALETTIZE && (p->palettize_nbits < 1 || p->palettize_nbits > 8))
    return false;
  uint64_t outer, len, inner;
  switch (p->prune) {
  case CAIS_PRUNE_MAGNITUDE: return true;
  case CAIS_PRUNE_BLOCK:
    if (p->block_size < 1 || !geometry(w, job->out_axis, &outer, &len, &inner)) return false;
    return !((uint64_t)p->block_size > len || 2 * (uint64_t)p->block_size > len);
  case CAIS_PRUNE_NM:
    if (p->nm_m < 1 || p->nm_n < 0 || p->nm_n > p->nm_m || p->nm_m > CAIS_NM_MAX_M) return false;
    if (!geometry(w, job->in_axis, &outer, &len, &inner)) return false;
    return !((uint64_t)p->nm_m > len || 2 * (uint64_t)p->nm_m > len);
  }
  return false;
}

/* ---- planning one sub-batch ------------------------------------------- */

static void sb_free_host(sub_batch *sb) {
  free(sb->jobs);
  free(sb->desc);
  free(sb->cbase);
  free(sb->ibase);
  free(sb->bbase);
  free(sb->res);
  free(sb->nf);
  free(sb->lutbits);
  free(sb->delegate);
  if (sb->mask_out)
    for (size_t t = 0; t < sb->n; t++) free(sb->mask_out[t]);
  if (sb->val_out)
    for (size_t t = 0; t < sb->n; t++) free(sb->val_out[t]);
  free(sb->mask_out);
  free(sb->val_out);
  free(sb->val_bytes);
}

/* Releases the device side (after waiting for what is in flight). */
static void sb_release(sub_batch *sb) {
  if (sb->nreads) clWaitForEvents((cl_uint)sb->nreads, sb->reads);
  for (size_t i = 0; i < sb->nreads; i++) clReleaseEvent(sb->reads[i]);
  free(sb->reads);
  sb->reads = NULL;
  sb->nreads = 0;
  if (sb->computed) {
    clWaitForEvents(1, &sb->computed);
    clReleaseEvent(sb->computed);
  }
  if (sb->uploaded) {
    clWaitForEvents(1, &sb->uploaded);
    clReleaseEvent(sb->uploaded);
  }
  sb->computed = sb->uploaded = NULL;
  for (size_t i = 0; i < sb->nprof; i++) clReleaseEvent(sb->prof[i].ev);
  free(sb->prof);
  sb->prof = NULL;
  sb->nprof = 0;
  for (int i = 0; i < NBUF; i++)
    if (sb->m[i]) {
      clReleaseMemObject(sb->m[i]);
      sb->m[i] = NULL;
    }
}

static bool needs_hist(const cais_compress_params *p, bool any16) {
  return p->prune == CAIS_PRUNE_MAGNITUDE || p->prune == CAIS_PRUNE_BLOCK ||
         (p->joint == CAIS_JOINT_PALETTIZE && any16);
}

/* Fills the host side of a sub-batch of `n` jobs (descriptors and sizes). */
static bool sb_plan(sub_batch *sb, ocl_backend *b, cais_job **jobs, size_t n) {
  memset(sb, 0, sizeof *sb);
  sb->b = b;
  sb->n = n;
  sb->p = jobs[0]->params;
  const cais_compress_params *p = sb->p;
  sb->jobs = malloc(n * sizeof *sb->jobs);
  sb->desc = calloc(n * CAIS_DESC_WORDS, sizeof *sb->desc);
  sb->cbase = malloc((n + 1) * sizeof *sb->cbase);
  sb->ibase = malloc((n + 1) * sizeof *sb->ibase);
  sb->bbase = malloc((n + 1) * sizeof *sb->bbase);
  sb->res = calloc(n * CAIS_RES_WORDS, sizeof *sb->res);
  sb->nf = calloc(n, sizeof *sb->nf);
  sb->lutbits = calloc(n * 256, sizeof *sb->lutbits);
  sb->delegate = calloc(n, 1);
  sb->mask_out = calloc(n, sizeof *sb->mask_out);
  sb->val_out = calloc(n, sizeof *sb->val_out);
  sb->val_bytes = calloc(n, sizeof *sb->val_bytes);
  if (!sb->jobs || !sb->desc || !sb->cbase || !sb->ibase || !sb->bbase || !sb->res || !sb->nf ||
      !sb->lutbits || !sb->delegate || !sb->mask_out || !sb->val_out || !sb->val_bytes)
    return false;
  memcpy(sb->jobs, jobs, n * sizeof *jobs);
  uint64_t data = 0, mask = 0, vals = 0, codes = 0, pack = 0, scr = 0;
  size_t chunks = 0, items = 0, bchunks = 0;
  for (size_t t = 0; t < n; t++) {
    const cais_job *job = jobs[t];
    const cais_tensor_view *w = &job->weight;
    uint64_t numel = (uint64_t)w->numel, es = cais_float_type_size(w->type);
    uint64_t *d = sb->desc + t * CAIS_DESC_WORDS;
    uint64_t nchunk = (numel + CAIS_CHUNK - 1) / CAIS_CHUNK;
    if (w->type == CAIS_FLOAT_F32)
      sb->any32 = true;
    else
      sb->any16 = true;
    d[CAIS_D_TYPE] = (uint64_t)w->type;
    d[CAIS_D_NUMEL] = numel;
    d[CAIS_D_DATA] = data;
    data += align256(numel * es);
    d[CAIS_D_MASK] = mask;
    mask += nchunk * CAIS_MASK_CHUNK_BYTES;
    d[CAIS_D_VAL] = vals;
    vals += align256(numel * es);
    d[CAIS_D_CODE] = codes;
    codes += align256(numel);
    d[CAIS_D_PACK] = pack;
    if (p->joint == CAIS_JOINT_PALETTIZE) pack += align256(numel);
    d[CAIS_D_HIST] = (uint64_t)t * CAIS_HIST_BINS;
    d[CAIS_D_CHUNK0] = chunks;
    d[CAIS_D_NCHUNK] = nchunk;
    sb->cbase[t] = (uint32_t)chunks;
    chunks += nchunk;
    d[CAIS_D_LOCAL] = t;
    d[CAIS_D_SCR] = scr;
    sb->ibase[t] = (uint32_t)items;
    sb->bbase[t] = (uint32_t)bchunks;
    uint64_t outer = 1, len = 1, inner = 1, scr_need = 0;
    if (p->prune == CAIS_PRUNE_MAGNITUDE || p->prune == CAIS_PRUNE_BLOCK)
      d[CAIS_D_NPRUNE] = (uint64_t)cais_prune_target_count(w->numel, p->target_sparsity);
    if (p->prune == CAIS_PRUNE_BLOCK) {
      geometry(w, job->out_axis, &outer, &len, &inner);
      uint64_t bs = (uint64_t)p->block_size, nb = (len + bs - 1) / bs;
      uint64_t nblocks = outer * nb * inner;
      d[CAIS_D_B] = bs;
      d[CAIS_D_NB] = nb;
      d[CAIS_D_ITEM0] = items;
      d[CAIS_D_NITEMS] = nblocks;
      items += nblocks;
      bchunks += (nblocks + CAIS_CHUNK - 1) / CAIS_CHUNK;
      scr_need = nblocks * 8;
    } else if (p->prune == CAIS_PRUNE_NM) {
      geometry(w, job->in_axis, &outer, &len, &inner);
      uint64_t m = (uint64_t)p->nm_m, runs = (len + m - 1) / m;
      d[CAIS_D_B] = m;
      d[CAIS_D_NB] = runs;
      d[CAIS_D_NMN] = (uint64_t)p->nm_n;
      d[CAIS_D_ITEM0] = items;
      d[CAIS_D_NITEMS] = outer * runs * inner;
      items += outer * runs * inner;
    }
    if (cais_joint_is_quant(p->joint) && numel * 8 > scr_need) scr_need = numel * 8;
    scr += align256(scr_need);
    d[CAIS_D_OUTER] = outer;
    d[CAIS_D_LEN] = len;
    d[CAIS_D_INNER] = inner;
  }
  sb->cbase[n] = (uint32_t)chunks;
  sb->ibase[n] = (uint32_t)items;
  sb->bbase[n] = (uint32_t)bchunks;
  sb->chunks = chunks;
  sb->items = items;
  sb->bchunks = bchunks;
  sb->sz[B_DATA] = data;
  sb->sz[B_MASK] = mask;
  sb->sz[B_VALS] = vals;
  sb->sz[B_CODES] = codes;
  sb->sz[B_PACK] = pack;
  sb->sz[B_SCR] = scr;
  sb->sz[B_HIST] = needs_hist(p, sb->any16) ? (uint64_t)n * CAIS_HIST_BINS * 4 : 0;
  return true;
}

/* ---- upload ------------------------------------------------------------ */

static cl_int sb_upload(sub_batch *sb) {
  ocl_backend *b = sb->b;
  size_t n = sb->n;
  const uint64_t sizes[NBUF] = {
      [B_DATA] = sb->sz[B_DATA], [B_MASK] = sb->sz[B_MASK], [B_VALS] = sb->sz[B_VALS],
      [B_CODES] = sb->sz[B_CODES], [B_PACK] = sb->sz[B_PACK], [B_SCR] = sb->sz[B_SCR],
      [B_HIST] = sb->sz[B_HIST], [B_CNT] = sb->chunks * 4, [B_AUX] = sb->chunks * 4,
      [B_PART] = sb->chunks * 16, [B_BCNT] = sb->bchunks * 4,
      [B_DESC] = n * CAIS_DESC_WORDS * 8, [B_RES] = n * CAIS_RES_WORDS * 8, [B_NF] = n * 4,
      [B_AMAX] = n * 4, [B_LUTBITS] = n * 256 * 4, [B_DEC] = n * 256 * 8,
      [B_CBASE] = (n + 1) * 4, [B_IBASE] = (n + 1) * 4, [B_BBASE] = (n + 1) * 4};
  for (int i = 0; i < B_WAVE; i++)
    if (sb_alloc(sb, i, sizes[i]) != CL_SUCCESS) return sb->error;
  write_buf(sb, b->qx, B_DESC, 0, n * CAIS_DESC_WORDS * 8, sb->desc, false, NULL);
  write_buf(sb, b->qx, B_RES, 0, n * CAIS_RES_WORDS * 8, sb->res, false, NULL);
  write_buf(sb, b->qx, B_NF, 0, n * 4, sb->nf, false, NULL);
  write_buf(sb, b->qx, B_CBASE, 0, (n + 1) * 4, sb->cbase, false, NULL);
  write_buf(sb, b->qx, B_IBASE, 0, (n + 1) * 4, sb->ibase, false, NULL);
  write_buf(sb, b->qx, B_BBASE, 0, (n + 1) * 4, sb->bbase, false, NULL);
  for (size_t t = 0; t < n; t++) {
    const cais_tensor_view *w = &sb->jobs[t]->weight;
    write_buf(sb, b->qx, B_DATA, sb->desc[t * CAIS_DESC_WORDS + CAIS_D_DATA],
              (uint64_t)w->numel * cais_float_type_size(w->type), w->data, false, NULL);
  }
  if (sb->error) return sb->error;
  cl_int e = enqueue_check(sb, "clEnqueueMarkerWithWaitList");
  if (e) return e;
  e = clEnqueueMarkerWithWaitList(b->qx, 0, NULL, &sb->uploaded);
  if (e != CL_SUCCESS) return fail_at(sb, e, "uploading");
  clFlush(b->qx);
  b->batches++;
  return CL_SUCCESS;
}

/* ---- the kernel sequence ----------------------------------------------- */

static cl_int scan_chunks(sub_batch *sb, int base, int in, int out, int field, int step) {
  ocl_backend *b = sb->b;
  cl_int e = set_args(sb, b->k[K_SCAN_CHUNKS], "mmmmi", base, in, out, B_RES, field);
  if (e) return fail_at(sb, e, "k_scan_chunks arguments");
  return RUN_GROUPS(sb, K_SCAN_CHUNKS, step, sb->n);
}

static cl_int select_magnitude(sub_batch *sb) {
  ocl_backend *b = sb->b;
  cl_uint T = (cl_uint)sb->n;
  cl_int e = CL_SUCCESS;
  fill_zero(sb, B_HIST, ST_SELECT);
  e |= set_args(sb, b->k[K_MAG_HIST], "mmmum", B_DATA, B_DESC, B_CBASE, T, B_HIST);
  e |= set_args(sb, b->k[K_MAG_PICK], "mmm", B_DESC, B_RES, B_HIST);
  if (e) return fail_at(sb, e, "magnitude kernel arguments");
  RUN_GROUPS(sb, K_MAG_HIST, ST_SELECT, sb->chunks);
  RUN_GROUPS(sb, K_MAG_PICK, ST_SELECT, sb->n);
  if (sb->any32) {
    fill_zero(sb, B_HIST, ST_SELECT);
    e |= set_args(sb, b->k[K_MAG_HIST_LOW], "mmmmum", B_DATA, B_DESC, B_RES, B_CBASE, T, B_HIST);
    e |= set_args(sb, b->k[K_MAG_PICK_LOW], "mmm", B_DESC, B_RES, B_HIST);
    if (e) return fail_at(sb, e, "magnitude kernel arguments");
    RUN_GROUPS(sb, K_MAG_HIST_LOW, ST_SELECT, sb->chunks);
    RUN_GROUPS(sb, K_MAG_PICK_LOW, ST_SELECT, sb->n);
  }
  e = set_args(sb, b->k[K_MAG_TIES], "mmmmum", B_DATA, B_DESC, B_RES, B_CBASE, T, B_AUX);
  if (e) return fail_at(sb, e, "k_mag_ties arguments");
  RUN_GROUPS(sb, K_MAG_TIES, ST_SELECT, sb->chunks);
  return scan_chunks(sb, B_CBASE, B_AUX, B_AUX, -1, ST_SELECT);
}

static cl_int select_block(sub_batch *sb) {
  ocl_backend *b = sb->b;
  cl_uint T = (cl_uint)sb->n, items = (cl_uint)sb->items;
  cl_int e = CL_SUCCESS;
  fill_zero(sb, B_CODES, ST_SELECT);
  e |= set_args(sb, b->k[K_BLOCK_SCORES], "mmmuum", B_DATA, B_DESC, B_IBASE, T, items, B_SCR);
  if (e) return fail_at(sb, e, "k_block_scores arguments");
  RUN_ITEMS(sb, K_BLOCK_SCORES, ST_SELECT, sb->items);
  for (int round = 0; round < 4; round++) {
    fill_zero(sb, B_HIST, ST_SELECT);
    e |= set_args(sb, b->k[K_BLOCK_HIST], "mmmuummi", B_DESC, B_RES, B_IBASE, T, items, B_SCR,
                  B_HIST, round);
    e |= set_args(sb, b->k[K_BLOCK_DIGIT], "mmmi", B_DESC, B_RES, B_HIST, round);
    if (e) return fail_at(sb, e, "block selection arguments");
    RUN_ITEMS(sb, K_BLOCK_HIST, ST_SELECT, sb->items);
    RUN_GROUPS(sb, K_BLOCK_DIGIT, ST_SELECT, sb->n);
  }
  e |= set_args(sb, b->k[K_BLOCK_TIEW], "mmmumm", B_DESC, B_RES, B_BBASE, T, B_SCR, B_BCNT);
  e |= set_args(sb, b->k[K_BLOCK_PRUNE], "mmmummm", B_DESC, B_RES, B_BBASE, T, B_SCR, B_BCNT,
                B_CODES);
  if (e) return fail_at(sb, e, "block selection arguments");
  RUN_GROUPS(sb, K_BLOCK_TIEW, ST_SELECT, sb->bchunks);
  scan_chunks(sb, B_BBASE, B_BCNT, B_BCNT, -1, ST_SELECT);
  return RUN_GROUPS(sb, K_BLOCK_PRUNE, ST_SELECT, sb->bchunks);
}

static cl_int select_nm(sub_batch *sb) {
  ocl_backend *b = sb->b;
  cl_uint T = (cl_uint)sb->n, items = (cl_uint)sb->items;
  fill_zero(sb, B_CODES, ST_SELECT);
  cl_int e = set_args(sb, b->k[K_NM_RUNS], "mmmuum", B_DATA, B_DESC, B_IBASE, T, items, B_CODES);
  if (e) return fail_at(sb, e, "k_nm_runs arguments");
  return RUN_ITEMS(sb, K_NM_RUNS, ST_SELECT, sb->items);
}

/* ---- palettization ----------------------------------------------------- */

typedef struct f32_palette {
  uint32_t *values; /* the non-zeros' bits, downloaded; then the d distinct
                       patterns in ascending order (sorted in place) */
  size_t nnz;
  int k;
  uint32_t *count;  /* their multiplicities, as the device reads them */
  size_t d;
  bool exact;
  size_t bounds[257];
  bool ok;
} f32_palette;

typedef struct f32_ctx {
  f32_palette *items; /* per tensor */
  const size_t *which; /* the f32 tensors */
} f32_ctx;

/* The host step of f32 palettization: the distinct sorted values (and,
 * beyond the exact budget, kmeans1d.c's near-optimal bounds), in the CPU
 * path's lean form (sort_f32.h). */
static void f32_task(void *vctx, size_t i) {
  f32_ctx *ctx = vctx;
  f32_palette *f = &ctx->items[ctx->which[i]];
  f->ok = true;
  if (f->nnz == 0) return;
  f->ok = cais_sort_f32_distinct_inplace(f->values, f->nnz, &f->count, &f->d);
  if (!f->ok || f->d <= (size_t)f->k) return;
  f->exact = cais_kmeans1d_is_exact(f->d, f->k, false);
  if (!f->exact) {
    int used = 0;
    f->ok = cais_kmeans1d_partition_f32(f->values, f->count, f->d, f->k, f->bounds, &used);
  }
}

/* Runs palettization from the compacted values to the codes. */
static cl_int palettize(sub_batch *sb) {
  ocl_backend *b = sb->b;
  size_t n = sb->n;
  int nbits = sb->p->palettize_nbits, k = 1 << nbits;
  cl_uint T = (cl_uint)n;
  cl_int e = CL_SUCCESS;
  if (sb->any16) {
    fill_zero(sb, B_HIST, ST_JOINT);
    e = set_args(sb, b->k[K_KEPT_HIST16], "mmmumm", B_DESC, B_RES, B_CBASE, T, B_VALS, B_HIST);
    if (e) return fail_at(sb, e, "k_kept_hist16 arguments");
    RUN_GROUPS(sb, K_KEPT_HIST16, ST_JOINT, sb->chunks);
  }
  if (sb->error) return sb->error;

  /* f32: bring the non-zeros to the host, sort them there. */
  f32_palette *f32 = sb->any32 ? calloc(n, sizeof *f32) : NULL;
  size_t *which = sb->any32 ? calloc(n, sizeof *which) : NULL;
  uint64_t *ws_off = calloc(n, sizeof *ws_off);
  uint32_t *wave_list = malloc((n ? n : 1) * sizeof *wave_list);
  size_t *wave_start = malloc((n + 1) * sizeof *wave_start);
  if ((sb->any32 && (!f32 || !which)) || !ws_off || !wave_list || !wave_start) {
    e = fail_at(sb, CL_OUT_OF_HOST_MEMORY, "palettization (host memory)");
    goto out;
  }
  if (sb->any32) {
    if (read_buf(sb, b->qc, B_RES, 0, n * CAIS_RES_WORDS * 8, sb->res, true, NULL, NULL))
      goto out;
    size_t todo = 0;
    for (size_t t = 0; t < n; t++) {
      if (sb->desc[t * CAIS_DESC_WORDS + CAIS_D_TYPE] != CAIS_T_F32) continue;
      uint64_t nnz = sb->res[t * CAIS_RES_WORDS + CAIS_R_NNZ];
      f32_palette *f = &f32[t];
      f->nnz = (size_t)nnz;
      f->k = k;
      f->values = malloc((size_t)(nnz ? nnz : 1) * 4);
      if (!f->values) {
        e = fail_at(sb, CL_OUT_OF_HOST_MEMORY, "palettization (host memory)");
        goto out;
      }
      if (read_buf(sb, b->qc, B_VALS, sb->desc[t * CAIS_DESC_WORDS + CAIS_D_VAL], nnz * 4,
                   f->values, true, NULL, NULL))
        goto out;
      which[todo++] = t;
    }
    f32_ctx ctx = {f32, which};
    cais_threadpool_run(b->pool, todo, f32_task, &ctx);
    for (size_t i = 0; i < todo; i++)
      if (!f32[which[i]].ok) sb->delegate[which[i]] = 1; /* no host memory: CPU retries */
  }

  /* Workspaces and waves (cais_layout.h). */
  uint64_t budget = b->ws_budget, largest = 0;
  size_t nwaves = 0, listed = 0;
  uint64_t used = 0;
  wave_start[0] = 0;
  for (size_t t = 0; t < n; t++) {
    uint64_t *d = sb->desc + t * CAIS_DESC_WORDS;
    uint64_t D, X;
    if (d[CAIS_D_TYPE] != CAIS_T_F32) {
      D = d[CAIS_D_NUMEL] < CAIS_HIST_BINS ? d[CAIS_D_NUMEL] : CAIS_HIST_BINS;
      X = D;
    } else {
      if (sb->delegate[t]) continue;
      D = f32[t].d;
      X = f32[t].d > (size_t)k && f32[t].exact ? D : 0;
    }
    uint64_t size = align256(CAIS_WS_SIZE(D, X, (uint64_t)k));
    if (size > b->dev.max_alloc) {
      sb->delegate[t] = 1;
      continue;
    }
    if (used > 0 && used + size > budget) {
      wave_start[++nwaves] = listed;
      used = 0;
    }
    d[CAIS_D_WS] = used;
    d[CAIS_D_WSD] = D;
    d[CAIS_D_WSX] = X;
    ws_off[t] = used;
    used += size;
    if (used > largest) largest = used;
    wave_list[listed++] = (uint32_t)t;
  }
  if (listed > wave_start[nwaves]) wave_start[++nwaves] = listed;
  if (sb_alloc(sb, B_WAVE, (listed ? listed : 1) * 4) || sb_alloc(sb, B_WS, largest)) goto out;
  /* The descriptors changed (workspace offsets): upload them again, in
   * order on the kernel queue. */
  write_buf(sb, b->qc, B_DESC, 0, n * CAIS_DESC_WORDS * 8, sb->desc, true, NULL);
  write_buf(sb, b->qc, B_WAVE, 0, listed * 4, wave_list, true, NULL);
  e = set_args(sb, b->k[K_DISTINCT16], "mmmmmu", B_DESC, B_RES, B_HIST, B_WS, B_WAVE, 0u);
  e |= set_args(sb, b->k[K_PREFIX], "mmmmuui", B_DESC, B_RES, B_WS, B_WAVE, 0u, 0u, k);
  e |= set_args(sb, b->k[K_DP], "mmmmui", B_DESC, B_RES, B_WS, B_WAVE, 0u, k);
  e |= set_args(sb, b->k[K_CENTROIDS], "mmmmuimm", B_DESC, B_RES, B_WS, B_WAVE, 0u, k,
                B_LUTBITS, B_DEC);
  e |= set_args(sb, b->k[K_CODE_TABLE16], "mmmmumm", B_DESC, B_RES, B_WS, B_WAVE, 0u, B_DEC,
                B_HIST);
  if (e) {
    fail_at(sb, e, "palettization kernel arguments");
    goto out;
  }
  for (size_t wv = 0; wv < nwaves && !sb->error; wv++) {
    cl_uint first = (cl_uint)wave_start[wv], W = (cl_uint)(wave_start[wv + 1] - wave_start[wv]);
    /* f32 tensors of this wave: their distinct values (and host bounds). */
    for (cl_uint i = 0; i < W && sb->any32; i++) {
      size_t t = wave_list[first + i];
      if (sb->desc[t * CAIS_DESC_WORDS + CAIS_D_TYPE] != CAIS_T_F32) continue;
      f32_palette *f = &f32[t];
      uint64_t D = f->d, X = sb->desc[t * CAIS_DESC_WORDS + CAIS_D_WSX];
      /* the device reads the distinct values as doubles: made per wave */
      double *x = malloc((f->d ? f->d : 1) * sizeof *x);
      if (!x) {
        fail_at(sb, CL_OUT_OF_HOST_MEMORY, "palettization (host memory)");
        break;
      }
      for (size_t j = 0; j < f->d; j++) x[j] = cais_elem_value(f->values[j], false, NULL);
      uint64_t words[2] = {f->d, f->d > (size_t)k && !f->exact};
      int64_t bounds[257];
      for (int c = 0; c <= k && words[1]; c++) bounds[c] = (int64_t)f->bounds[c];
      write_buf(sb, b->qc, B_WS, ws_off[t] + CAIS_WS_X(D), 8 * D, x, true, NULL);
      write_buf(sb, b->qc, B_WS, ws_off[t] + CAIS_WS_CNT(D), 4 * D, f->count, true, NULL);
      if (words[1])
        write_buf(sb, b->qc, B_WS, ws_off[t] + CAIS_WS_BOUNDS(D, X, (uint64_t)k),
                  8 * (uint64_t)(k + 1), bounds, true, NULL);
      write_buf(sb, b->qc, B_RES, (t * CAIS_RES_WORDS + CAIS_R_D) * 8, 8, &words[0], true, NULL);
      write_buf(sb, b->qc, B_RES, (t * CAIS_RES_WORDS + CAIS_R_HOSTBOUNDS) * 8, 8, &words[1],
                true, NULL);
      free(x);
    }
    cl_int a = clSetKernelArg(b->k[K_DISTINCT16], 5, sizeof first, &first);
    a |= clSetKernelArg(b->k[K_PREFIX], 4, sizeof first, &first);
    a |= clSetKernelArg(b->k[K_PREFIX], 5, sizeof W, &W);
    a |= clSetKernelArg(b->k[K_DP], 4, sizeof first, &first);
    a |= clSetKernelArg(b->k[K_CENTROIDS], 4, sizeof first, &first);
    a |= clSetKernelArg(b->k[K_CODE_TABLE16], 4, sizeof first, &first);
    if (a) {
      fail_at(sb, a, "palettization kernel arguments");
      break;
    }
    RUN_GROUPS(sb, K_DISTINCT16, ST_JOINT, W);
    RUN_ITEMS(sb, K_PREFIX, ST_JOINT, W);
    RUN_GROUPS(sb, K_DP, ST_JOINT, W);
    RUN_GROUPS(sb, K_CENTROIDS, ST_JOINT, W);
    RUN_GROUPS(sb, K_CODE_TABLE16, ST_JOINT, W);
  }
  e = set_args(sb, b->k[K_PAL_CODES], "mmmummmm", B_DESC, B_RES, B_CBASE, T, B_VALS, B_HIST,
               B_DEC, B_CODES);
  e |= set_args(sb, b->k[K_PACK], "mmmuimm", B_DESC, B_RES, B_CBASE, T, nbits, B_CODES, B_PACK);
  if (e) {
    fail_at(sb, e, "palettization kernel arguments");
    goto out;
  }
  RUN_GROUPS(sb, K_PAL_CODES, ST_JOINT, sb->chunks);
  RUN_GROUPS(sb, K_PACK, ST_JOINT, sb->chunks);

out:
  if (f32)
    for (size_t t = 0; t < n; t++) {
      free(f32[t].values);
      free(f32[t].count);
    }
  free(f32);
  free(which);
  free(ws_off);
  free(wave_list);
  free(wave_start);
  return sb->error;
}

/* ---- the whole compute of a sub-batch ---------------------------------- */

static cl_int quantize(sub_batch *sb) {
  ocl_backend *b = sb->b;
  cl_uint T = (cl_uint)sb->n;
  int joint = (int)sb->p->joint;
  cl_int e = set_args(sb, b->k[K_TO_DOUBLE], "mmmumm", B_DESC, B_RES, B_CBASE, T, B_VALS, B_SCR);
  if (e) return fail_at(sb, e, "k_to_double arguments");
  RUN_GROUPS(sb, K_TO_DOUBLE, ST_JOINT, sb->chunks);
  /* clBLAST: the index of the largest |x| (exact: a comparison, no
   * arithmetic, so every device finds the same maximum). */
  for (size_t t = 0; t < sb->n && !sb->error; t++) {
    const uint64_t *d = sb->desc + t * CAIS_DESC_WORDS;
    if (enqueue_check(sb, "CLBlastiDamax")) break;
    cl_event ev = NULL;
    CLBlastStatusCode s = CLBlastiDamax((size_t)d[CAIS_D_NUMEL], sb->m[B_AMAX], t, sb->m[B_SCR],
                                        (size_t)(d[CAIS_D_SCR] / 8), 1, &b->qc, &ev);
    if (s != CLBlastSuccess) {
      fail_at(sb, s < 0 && s > -100 ? (cl_int)s : CL_OUT_OF_RESOURCES,
              "clBLAST iDamax (status %d)", (int)s);
      break;
    }
    add_prof(sb, ev, ST_JOINT);
  }
  e = set_args(sb, b->k[K_QUANT_SETUP], "mmmmuim", B_DESC, B_RES, B_VALS, B_AMAX, T, joint, B_DEC);
  e |= set_args(sb, b->k[K_QUANT_CODES], "mmmuimm", B_DESC, B_RES, B_CBASE, T, joint, B_VALS,
                B_CODES);
  if (e) return fail_at(sb, e, "quantization kernel arguments");
  RUN_ITEMS(sb, K_QUANT_SETUP, ST_JOINT, sb->n);
  return RUN_GROUPS(sb, K_QUANT_CODES, ST_JOINT, sb->chunks);
}

static cl_int sb_compute(sub_batch *sb) {
  ocl_backend *b = sb->b;
  const cais_compress_params *p = sb->p;
  cl_uint T = (cl_uint)sb->n;
  if (sb->error) return sb->error;
  cl_int e = enqueue_check(sb, "clEnqueueBarrierWithWaitList");
  if (e) return e;
  e = clEnqueueBarrierWithWaitList(b->qc, 1, &sb->uploaded, NULL);
  if (e != CL_SUCCESS) return fail_at(sb, e, "waiting for the upload");
  if (p->prune == CAIS_PRUNE_MAGNITUDE)
    select_magnitude(sb);
  else if (p->prune == CAIS_PRUNE_BLOCK)
    select_block(sb);
  else
    select_nm(sb);
  e = set_args(sb, b->k[K_MASK], "mmmmuimmmmm", B_DATA, B_DESC, B_RES, B_CBASE, T, (int)p->prune,
               B_AUX, B_CODES, B_MASK, B_CNT, B_NF);
  e |= set_args(sb, b->k[K_COMPACT], "mmmummm", B_DATA, B_DESC, B_CBASE, T, B_MASK, B_CNT, B_VALS);
  if (e) return fail_at(sb, e, "mask kernel arguments");
  RUN_GROUPS(sb, K_MASK, ST_SELECT, sb->chunks);
  scan_chunks(sb, B_CBASE, B_CNT, B_CNT, CAIS_R_NNZ, ST_SELECT);
  RUN_GROUPS(sb, K_COMPACT, ST_COMPACT, sb->chunks);
  if (cais_joint_is_quant(p->joint))
    quantize(sb);
  else if (p->joint == CAIS_JOINT_PALETTIZE)
    palettize(sb);
  int kind = p->joint != CAIS_JOINT_NONE;
  e = set_args(sb, b->k[K_STATS], "mmmuummmmim", B_DATA, B_DESC, B_CBASE, T, (cl_uint)sb->chunks,
               B_MASK, B_CNT, B_CODES, B_DEC, kind, B_PART);
  e |= set_args(sb, b->k[K_STATS_TOTAL], "mumm", B_CBASE, T, B_PART, B_RES);
  if (e) return fail_at(sb, e, "statistics kernel arguments");
  RUN_ITEMS(sb, K_STATS, ST_STATS, sb->chunks);
  RUN_ITEMS(sb, K_STATS_TOTAL, ST_STATS, sb->n);
  if (sb->error) return sb->error;
  e = enqueue_check(sb, "clEnqueueMarkerWithWaitList");
  if (e) return e;
  e = clEnqueueMarkerWithWaitList(b->qc, 0, NULL, &sb->computed);
  if (e != CL_SUCCESS) return fail_at(sb, e, "finishing the kernels");
  clFlush(b->qc);
  return CL_SUCCESS;
}

/* ---- download ---------------------------------------------------------- */

/* Reads the results; decides which tensors the CPU code redoes; starts the
 * mask and payload downloads. */
static cl_int sb_download_start(sub_batch *sb) {
  ocl_backend *b = sb->b;
  const cais_compress_params *p = sb->p;
  size_t n = sb->n;
  if (sb->error) return sb->error;
  read_buf(sb, b->qx, B_RES, 0, n * CAIS_RES_WORDS * 8, sb->res, true, &sb->computed, NULL);
  read_buf(sb, b->qx, B_NF, 0, n * 4, sb->nf, true, NULL, NULL);
  if (p->joint == CAIS_JOINT_PALETTIZE)
    read_buf(sb, b->qx, B_LUTBITS, 0, n * 256 * 4, sb->lutbits, true, NULL, NULL);
  if (sb->error) return sb->error;
  /* Device time per step, from the profiling events. */
  for (size_t i = 0; i < sb->nprof; i++) {
    cl_ulong start = 0, end = 0;
    if (clGetEventProfilingInfo(sb->prof[i].ev, CL_PROFILING_COMMAND_START, sizeof start, &start,
                                NULL) == CL_SUCCESS &&
        clGetEventProfilingInfo(sb->prof[i].ev, CL_PROFILING_COMMAND_END, sizeof end, &end,
                                NULL) == CL_SUCCESS &&
        end > start)
      sb->step_seconds[sb->prof[i].step] += 1e-9 * (double)(end - start);
  }
  for (size_t t = 0; t < n && !sb->error; t++) {
    const cais_tensor_view *w = &sb->jobs[t]->weight;
    const uint64_t *d = sb->desc + t * CAIS_DESC_WORDS;
    const uint64_t *r = sb->res + t * CAIS_RES_WORDS;
    uint64_t nnz = r[CAIS_R_NNZ];
    if (sb->nf[t] > 0 || (p->joint != CAIS_JOINT_NONE && nnz == 0) ||
        (cais_joint_is_quant(p->joint) && !r[CAIS_R_QUANT_OK]) ||
        (p->joint == CAIS_JOINT_PALETTIZE && r[CAIS_R_USED] == 0))
      sb->delegate[t] = 1;
    if (sb->delegate[t] && getenv("CAIS_OPENCL_DEBUG"))
      fprintf(stderr, "opencl: tensor %zu redone: nonfinite %u nnz %llu quant_ok %llu used %llu maxkey %llx\n",
              t, sb->nf[t], (unsigned long long)nnz, (unsigned long long)r[CAIS_R_QUANT_OK],
              (unsigned long long)r[CAIS_R_USED], (unsigned long long)r[CAIS_R_MAXKEY]);
    if (sb->delegate[t]) continue;
    size_t mask_bytes = ((size_t)w->numel + 7) / 8;
    size_t bytes;
    int which;
    uint64_t off;
    if (p->joint == CAIS_JOINT_NONE) {
      bytes = (size_t)nnz * cais_float_type_size(w->type);
      which = B_VALS;
      off = d[CAIS_D_VAL];
    } else if (p->joint == CAIS_JOINT_PALETTIZE) {
      bytes = cais_packed_bytes((size_t)nnz, p->palettize_nbits);
      which = B_PACK;
      off = d[CAIS_D_PACK];
    } else {
      bytes = (size_t)nnz;
      which = B_CODES;
      off = d[CAIS_D_CODE];
    }
    sb->mask_out[t] = malloc(mask_bytes ? mask_bytes : 1);
    sb->val_out[t] = malloc(bytes ? bytes : 1);
    sb->val_bytes[t] = bytes;
    if (!sb->mask_out[t] || !sb->val_out[t]) {
      fail_at(sb, CL_OUT_OF_HOST_MEMORY, "downloading (host memory)");
      break;
    }
    cl_event ev = NULL;
    if (read_buf(sb, b->qx, B_MASK, d[CAIS_D_MASK], mask_bytes, sb->mask_out[t], false, NULL, &ev))
      break;
    if (ev) add_read(sb, ev);
    ev = NULL;
    if (read_buf(sb, b->qx, which, off, bytes, sb->val_out[t], false, NULL, &ev)) break;
    if (ev) add_read(sb, ev);
  }
  clFlush(b->qx);
  return sb->error;
}

/* Waits for the downloads and fills the job results (not the delegated). */
static cl_int sb_download_finish(sub_batch *sb) {
  const cais_compress_params *p = sb->p;
  if (sb->error) return sb->error;
  if (sb->nreads) {
    cl_int e = clWaitForEvents((cl_uint)sb->nreads, sb->reads);
    if (e != CL_SUCCESS) return fail_at(sb, e, "downloading");
  }
  double total_numel = 0;
  for (size_t t = 0; t < sb->n; t++) total_numel += (double)sb->jobs[t]->weight.numel;
  for (size_t t = 0; t < sb->n; t++) {
    if (sb->delegate[t]) continue;
    sb->b->jobs_device++;
    cais_job_result *r = &sb->jobs[t]->result;
    const uint64_t *res = sb->res + t * CAIS_RES_WORDS;
    cais_job_result_release(r);
    r->outcome = CAIS_JOB_DONE;
    r->message[0] = '\0';
    r->mask = sb->mask_out[t];
    r->mask_bytes = ((size_t)sb->jobs[t]->weight.numel + 7) / 8;
    sb->mask_out[t] = NULL;
    r->nnz = (int64_t)res[CAIS_R_NNZ];
    r->joint = p->joint;
    r->values = sb->val_out[t];
    r->values_bytes = sb->val_bytes[t];
    sb->val_out[t] = NULL;
    if (cais_joint_is_quant(p->joint)) {
      r->scale_bits = (uint32_t)res[CAIS_R_SCALE_BITS];
      r->offset1 = p->joint == CAIS_JOINT_UINT8 ? 127 : 0;
    }
    if (p->joint == CAIS_JOINT_PALETTIZE) {
      r->lut_entries = 1 << p->palettize_nbits;
      memcpy(r->lut_bits, sb->lutbits + t * 256, sizeof r->lut_bits);
    }
    uint64_t se = res[CAIS_R_SQERR], sn = res[CAIS_R_SQNORM];
    memcpy(&r->sq_error, &se, sizeof se);
    memcpy(&r->sq_norm, &sn, sizeof sn);
    double share = total_numel > 0 ? (double)sb->jobs[t]->weight.numel / total_numel : 0;
    r->timing.select = share * sb->step_seconds[ST_SELECT];
    r->timing.compact = share * sb->step_seconds[ST_COMPACT];
    r->timing.joint = share * sb->step_seconds[ST_JOINT];
    r->timing.stats = share * sb->step_seconds[ST_STATS];
  }
  return CL_SUCCESS;
}

/* ---- the batch --------------------------------------------------------- */

static void fail_jobs(cais_job **jobs, size_t n, const char *why) {
  for (size_t i = 0; i < n; i++) {
    cais_job_result *r = &jobs[i]->result;
    cais_job_result_release(r);
    r->outcome = CAIS_JOB_FAILED;
    snprintf(r->message, sizeof r->message, "%s", why);
  }
}

/* Runs `jobs` (pointers) with the CPU code, in parallel as the CPU backend
 * would. */
static bool run_on_host(ocl_backend *b, cais_job **jobs, size_t n) {
  if (n == 0) return true;
  cais_job *copy = malloc(n * sizeof *copy);
  if (!copy) {
    for (size_t i = 0; i < n; i++) cais_cpu_run_job(jobs[i], b->pool);
    return true;
  }
  for (size_t i = 0; i < n; i++) {
    copy[i] = *jobs[i];
    cais_job_result_release(&copy[i].result);
  }
  cais_cpu_run_jobs(copy, n, b->pool);
  for (size_t i = 0; i < n; i++) jobs[i]->result = copy[i].result;
  free(copy);
  return true;
}

cais_status ocl_run_batch(ocl_backend *b, cais_job *jobs, size_t count, cais_error *err) {
  cais_error_clear(err);
  if (b->broken) {
    for (size_t i = 0; i < count; i++) {
      cais_job_result_release(&jobs[i].result);
      jobs[i].result.outcome = CAIS_JOB_FAILED;
    }
    return cais_fail(err, CAIS_ERROR_DEVICE, "%s", b->broken_msg);
  }
  cais_job **dev = malloc((count ? count : 1) * sizeof *dev);
  cais_job **host = malloc((count ? count : 1) * sizeof *host);
  size_t ndev = 0, nhost = 0;
  if (!dev || !host) {
    free(dev);
    free(host);
    return CAIS_OK; /* nothing done: the engine redoes the batch on the CPU */
  }
  for (size_t i = 0; i < count; i++) {
    cais_job_result_release(&jobs[i].result);
    if (device_can(b, &jobs[i]))
      dev[ndev++] = &jobs[i];
    else
      host[nhost++] = &jobs[i];
  }

  /* Sub-batches: consecutive device jobs up to sub_bytes and max_tensors. */
  size_t nsub = 0;
  size_t *first = malloc((ndev + 1) * sizeof *first);
  if (!first) {
    free(dev);
    free(host);
    return CAIS_OK;
  }
  for (size_t i = 0; i < ndev;) {
    uint64_t bytes = 0;
    size_t j = i;
    while (j < ndev && j - i < b->max_tensors) {
      const cais_tensor_view *w = &dev[j]->weight;
      uint64_t s = align256((uint64_t)w->numel * cais_float_type_size(w->type));
      if (j > i && bytes + s > b->sub_bytes) break; /* (a big one goes alone) */
      bytes += s;
      j++;
    }
    first[nsub++] = i;
    i = j;
  }
  first[nsub] = ndev;

  cais_status status = CAIS_OK;
  char fatal[512] = "";
  sub_batch sbs[2];
  memset(sbs, 0, sizeof sbs);
  bool live[2] = {false, false};
  size_t delegated_cap = ndev, ndelegated = 0;
  cais_job **delegated = malloc((delegated_cap ? delegated_cap : 1) * sizeof *delegated);
  if (!delegated) {
    free(first);
    free(dev);
    free(host);
    return CAIS_OK;
  }

  /* Ends sub-batch `sb`: results, delegated jobs, failures. */
#define CLOSE(sb, idx)                                                                   \
  do {                                                                                   \
    if ((sb)->error == CL_SUCCESS) sb_download_finish(sb);                              \
    if ((sb)->error != CL_SUCCESS) {                                                     \
      char why[256];                                                                     \
      snprintf(why, sizeof why, "OpenCL %s while %s", ocl_error_name((sb)->error),       \
               (sb)->what);                                                              \
      fail_jobs((sb)->jobs, (sb)->n, why);                                               \
      if (!is_alloc_error((sb)->error) && !fatal[0])                                     \
        snprintf(fatal, sizeof fatal, "OpenCL error on %s: %s", b->dev.name, why);       \
    } else {                                                                             \
      for (size_t t_ = 0; t_ < (sb)->n; t_++)                                            \
        if ((sb)->delegate[t_]) delegated[ndelegated++] = (sb)->jobs[t_];                \
    }                                                                                    \
    sb_release(sb);                                                                      \
    sb_free_host(sb);                                                                    \
    live[idx] = false;                                                                   \
  } while (0)

  size_t next = 0; /* next sub-batch to upload */
  /* Upload the first one. */
  if (nsub > 0) {
    sub_batch *sb = &sbs[0];
    if (!sb_plan(sb, b, dev + first[0], first[1] - first[0])) {
      sb_free_host(sb);
      fail_jobs(dev + first[0], first[1] - first[0], "out of host memory");
    } else {
      live[0] = true;
      if (sb_upload(sb) != CL_SUCCESS) {
        clFinish(b->qx);
        CLOSE(sb, 0);
      }
    }
    next = 1;
  }
  for (size_t i = 0; i < nsub && !fatal[0]; i++) {
    int cur = (int)(i % 2), oth = 1 - cur;
    sub_batch *sb = &sbs[cur];
    if (live[cur]) sb_compute(sb);
    /* the previous sub-batch's downloads ran while this one was queued */
    if (live[oth]) CLOSE(&sbs[oth], oth);
    if (live[cur] && sb->error) {
      /* allocation failure: these jobs go to the CPU, the run goes on;
       * anything else: CLOSE records the fatal error */
      clFinish(b->qc);
      clFinish(b->qx);
      CLOSE(sb, cur);
    }
    if (fatal[0]) break;
    if (next < nsub) {
      sub_batch *up = &sbs[oth];
      size_t a = first[next], z = first[next + 1];
      next++;
      if (!sb_plan(up, b, dev + a, z - a)) {
        sb_free_host(up);
        fail_jobs(dev + a, z - a, "out of host memory");
      } else {
        live[oth] = true;
        if (sb_upload(up) != CL_SUCCESS) {
          clFinish(b->qx);
          CLOSE(up, oth);
          if (fatal[0]) break;
        }
      }
    }
    if (live[cur]) {
      if (sb_download_start(sb) != CL_SUCCESS) {
        clFinish(b->qc);
        clFinish(b->qx);
        CLOSE(sb, cur);
      }
    }
  }
  /* Finish what is still open (and, after a fatal error, fail the rest). */
  for (int s = 0; s < 2; s++) {
    if (!live[s]) continue;
    if (fatal[0]) {
      clFinish(b->qc);
      clFinish(b->qx);
      if (sbs[s].error == CL_SUCCESS)
        fail_at(&sbs[s], CL_OUT_OF_RESOURCES, "an earlier error");
    }
    CLOSE(&sbs[s], s);
  }
  if (fatal[0]) {
    /* sub-batches never started */
    for (; next < nsub; next++)
      fail_jobs(dev + first[next], first[next + 1] - first[next], "not run: the device failed");
    status = cais_fail(err, CAIS_ERROR_DEVICE, "%s", fatal);
  }
#undef CLOSE

  /* The CPU code: jobs the device does not take, and results that need
   * its wording. */
  b->jobs_host += nhost;
  b->jobs_redone += ndelegated;
  for (size_t i = 0; i < ndelegated; i++) host[nhost++] = delegated[i];
  if (getenv("CAIS_OPENCL_DEBUG"))
    fprintf(stderr, "opencl: batch of %zu jobs: %zu sub-batches, %zu to the CPU code, %zu redone\n",
            count, nsub, nhost - ndelegated, ndelegated);
  run_on_host(b, host, nhost);
  free(delegated);
  free(first);
  free(dev);
  free(host);
  return status;
}
