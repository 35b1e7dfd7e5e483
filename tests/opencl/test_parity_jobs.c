/* test_parity_jobs.c -- the OpenCL backend's job results are byte-identical
 * to the CPU backend's (compute_job.h fields: outcome, message, mask, nnz,
 * payload, scale, LUT, both statistics sums), for every pruning mode x joint
 * compression, on synthetic tensors of all three dtypes mixed in one batch,
 * with the edge cases: ties (also across device chunks), zeros and -0.0, a NaN (skip), all zeros
 * (nothing left to quantize), tails of blocks and of n:m runs, s = 0 and
 * s = 1, rank 1 and too few channels (skips), rank 3 on a middle axis, and an
 * f32 tensor with so many distinct values that 8-bit palettization takes the
 * near-optimal path of kmeans1d.h.  Runs once with the default sub-batch
 * size and once with tiny sub-batches (many device transfers, double
 * buffering, jobs too large for a sub-batch done by the host code). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/float_formats.h"
#include "compute/opencl/ocl_internal.h"
#include "opencl_test_util.h"
#include "test_support.h"

typedef struct tensor {
  cais_float_type type;
  int rank;
  int64_t shape[3];
  int out_axis, in_axis;
  void *data;
  const char *what;
} tensor;

#define MAX_TENSORS 64
static tensor g_tensors[MAX_TENSORS];
static size_t g_count;
static cais_threadpool *g_pool;
static cais_backend *g_cpu, *g_cl, *g_cl_small;

static void set_elem(tensor *t, size_t i, double v) {
  uint32_t bits = cais_double_to_float_bits(v, t->type);
  if (t->type == CAIS_FLOAT_F32)
    memcpy((char *)t->data + 4 * i, &bits, 4);
  else {
    uint16_t h = (uint16_t)bits;
    memcpy((char *)t->data + 2 * i, &h, 2);
  }
}

static void set_bits(tensor *t, size_t i, uint32_t bits) {
  if (t->type == CAIS_FLOAT_F32)
    memcpy((char *)t->data + 4 * i, &bits, 4);
  else {
    uint16_t h = (uint16_t)bits;
    memcpy((char *)t->data + 2 * i, &h, 2);
  }
}

static size_t numel_of(const tensor *t) {
  size_t n = 1;
  for (int d = 0; d < t->rank; d++) n *= (size_t)t->shape[d];
  return n;
}

enum { V_NORMAL, V_TIED, V_NAN, V_ZEROS, V_WIDE };

static void add(cais_float_type type, int rank, int64_t a, int64_t b, int64_t c, int out_axis,
                int in_axis, int values, uint64_t seed, const char *what) {
  tensor *t = &g_tensors[g_count++];
  t->type = type;
  t->rank = rank;
  t->shape[0] = a;
  t->shape[1] = b;
  t->shape[2] = c;
  t->out_axis = out_axis;
  t->in_axis = in_axis;
  t->what = what;
  size_t n = numel_of(t);
  t->data = calloc(n, cais_float_type_size(type));
  uint64_t s = seed;
  for (size_t i = 0; i < n; i++) {
    double v = 0;
    switch (values) {
    case V_NORMAL: v = 0.02 * cais_test_normal(&s); break;
    case V_TIED: v = (double)((int)(cais_test_rand(&s) % 9) - 4) / 8.0; break;
    case V_NAN: v = 0.5 * cais_test_normal(&s); break;
    case V_ZEROS: v = 0.0; break;
    case V_WIDE: v = (cais_test_uniform(&s) - 0.5) * 3.0; break;
    }
    set_elem(t, i, v);
    /* -0.0 here and there (a zero in the mask rules, like +0.0) */
    if ((values == V_TIED || values == V_ZEROS) && v == 0.0 && (i % 3) == 0)
      set_bits(t, i, type == CAIS_FLOAT_F32 ? 0x80000000u : 0x8000u);
  }
  if (values == V_NAN) set_bits(t, n / 2 + 1, type == CAIS_FLOAT_F32 ? 0x7FC00000u : 0x7E00u);
}

static int setup(void **state) {
  (void)state;
  static const cais_float_type types[3] = {CAIS_FLOAT_F16, CAIS_FLOAT_BF16, CAIS_FLOAT_F32};
  for (int k = 0; k < 3; k++) {
    cais_float_type ty = types[k];
    uint64_t seed = 1000 * (uint64_t)(k + 1);
    add(ty, 2, 64, 96, 0, 0, 1, V_NORMAL, seed + 1, "normal 64x96");
    add(ty, 2, 37, 50, 0, 1, 0, V_TIED, seed + 2, "tied 37x50 (axes swapped)");
    add(ty, 3, 3, 10, 13, 1, 1, V_TIED, seed + 3, "tied 3x10x13, middle axis");
    add(ty, 2, 16, 16, 0, 0, 1, V_NAN, seed + 4, "a NaN");
    add(ty, 2, 32, 33, 0, 0, 1, V_ZEROS, seed + 5, "all zeros");
    add(ty, 2, 128, 300, 0, 0, 1, V_NORMAL, seed + 6, "normal 128x300 (10 chunks)");
    add(ty, 1, 5000, 0, 0, 0, 0, V_NORMAL, seed + 7, "rank 1");
    add(ty, 2, 3, 100, 0, 0, 1, V_NORMAL, seed + 8, "3 output channels");
    add(ty, 2, 100, 3, 0, 0, 1, V_NORMAL, seed + 9, "3 input channels");
    add(ty, 2, 7, 9, 0, 0, 1, V_TIED, seed + 10, "tiny 7x9");
    /* ties spanning several device chunks (4096 elements) and block chunks */
    add(ty, 2, 200, 100, 0, 0, 1, V_TIED, seed + 11, "tied 200x100 (5 chunks)");
  }
  /* kmeans1d.h's near-optimal path at 2^8 clusters: ~77k distinct kept f32 */
  add(CAIS_FLOAT_F32, 2, 300, 512, 0, 0, 1, V_WIDE, 77, "f32 with many distinct values");
  g_pool = cais_threadpool_create(2);
  cais_error err;
  g_cpu = cais_cpu_backend_create(g_pool, &err);
  g_cl = oclt_backend(g_pool, "");
  setenv("CAIS_OPENCL_BATCH_BYTES", "262144", 1);
  g_cl_small = oclt_backend(g_pool, "");
  unsetenv("CAIS_OPENCL_BATCH_BYTES");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (size_t i = 0; i < g_count; i++) free(g_tensors[i].data);
  if (g_cl) g_cl->ops->destroy(g_cl);
  if (g_cl_small) g_cl_small->ops->destroy(g_cl_small);
  g_cpu->ops->destroy(g_cpu);
  cais_threadpool_destroy(g_pool);
  return 0;
}

typedef struct variant {
  const char *name;
  cais_prune_mode prune;
  double s;
  int64_t block, n, m;
} variant;

static const variant prunes[] = {
    {"magnitude 0.5", CAIS_PRUNE_MAGNITUDE, 0.5, 0, 0, 0},
    {"magnitude 0.37", CAIS_PRUNE_MAGNITUDE, 0.37, 0, 0, 0},
    {"magnitude 0", CAIS_PRUNE_MAGNITUDE, 0.0, 0, 0, 0},
    {"magnitude 1", CAIS_PRUNE_MAGNITUDE, 1.0, 0, 0, 0},
    {"block 4 @0.5", CAIS_PRUNE_BLOCK, 0.5, 4, 0, 0},
    {"block 3 @0.73", CAIS_PRUNE_BLOCK, 0.73, 3, 0, 0},
    {"n:m 2:4", CAIS_PRUNE_NM, 0, 0, 2, 4},
    {"n:m 3:8", CAIS_PRUNE_NM, 0, 0, 3, 8},
    {"n:m 4:4", CAIS_PRUNE_NM, 0, 0, 4, 4},
};

typedef struct joint {
  const char *name;
  cais_joint_mode joint;
  int nbits;
} joint;

static const joint joints[] = {
    {"none", CAIS_JOINT_NONE, 0},        {"int8", CAIS_JOINT_INT8, 0},
    {"uint8", CAIS_JOINT_UINT8, 0},      {"fp8_e4m3fn", CAIS_JOINT_FP8_E4M3FN, 0},
    {"fp8_e5m2", CAIS_JOINT_FP8_E5M2, 0}, {"palettize1", CAIS_JOINT_PALETTIZE, 1},
    {"palettize2", CAIS_JOINT_PALETTIZE, 2}, {"palettize3", CAIS_JOINT_PALETTIZE, 3},
    {"palettize4", CAIS_JOINT_PALETTIZE, 4}, {"palettize6", CAIS_JOINT_PALETTIZE, 6},
    {"palettize8", CAIS_JOINT_PALETTIZE, 8},
};

static cais_job *make_jobs(const cais_compress_params *p, bool with_wide) {
  cais_job *jobs = calloc(g_count, sizeof *jobs);
  for (size_t i = 0; i < g_count; i++) {
    const tensor *t = &g_tensors[i];
    cais_job *j = &jobs[i];
    j->weight.data = t->data;
    j->weight.type = t->type;
    j->weight.rank = t->rank;
    j->weight.numel = (int64_t)numel_of(t);
    for (int d = 0; d < t->rank; d++) j->weight.shape[d] = t->shape[d];
    j->out_axis = t->out_axis;
    j->in_axis = t->in_axis;
    j->params = p;
  }
  (void)with_wide;
  return jobs;
}

/* Runs every prune x joint variant through `cl` and the CPU; returns the
 * number of mismatching jobs. */
static int run_all(cais_backend *cl, const char *label) {
  int bad = 0;
  size_t before = cl->ops->batches_run(cl);
  ocl_backend *ob = (ocl_backend *)cl;
  for (size_t a = 0; a < sizeof prunes / sizeof *prunes; a++)
    for (size_t b = 0; b < sizeof joints / sizeof *joints; b++) {
      cais_compress_params p;
      memset(&p, 0, sizeof p);
      p.prune = prunes[a].prune;
      p.target_sparsity = prunes[a].s;
      p.block_size = prunes[a].block;
      p.nm_n = prunes[a].n;
      p.nm_m = prunes[a].m;
      p.joint = joints[b].joint;
      p.palettize_nbits = joints[b].nbits;
      /* the near-optimal f32 tensor only where it matters (8 bits) */
      size_t count = joints[b].nbits == 8 ? g_count : g_count - 1;
      cais_job *ref = make_jobs(&p, true), *dev = make_jobs(&p, true);
      cais_error err;
      assert_int_equal(g_cpu->ops->run_batch(g_cpu, ref, count, &err), CAIS_OK);
      size_t on_device = ob->jobs_device;
      cais_status st = cl->ops->run_batch(cl, dev, count, &err);
      if (st != CAIS_OK) fprintf(stderr, "%s: device error: %s\n", label, err.message);
      assert_int_equal(st, CAIS_OK);
      /* Everything the CPU finishes without a message, and that fits a
       * sub-batch, must really have been computed by the device (not
       * handed back to the CPU code). */
      size_t expect = 0;
      for (size_t i = 0; i < count; i++)
        expect += ref[i].result.outcome == CAIS_JOB_DONE && !ref[i].result.message[0] &&
                  (uint64_t)ref[i].weight.numel * cais_float_type_size(ref[i].weight.type) <=
                      ob->big_bytes;
      if (ob->jobs_device - on_device != expect) {
        fprintf(stderr, "%s | %s + %s: %zu jobs on the device, %zu expected\n", label,
                prunes[a].name, joints[b].name, ob->jobs_device - on_device, expect);
        bad++;
      }
      for (size_t i = 0; i < count; i++) {
        char what[256];
        snprintf(what, sizeof what, "%s | %s + %s | %s %s", label, prunes[a].name,
                 joints[b].name, cais_float_type_name(g_tensors[i].type), g_tensors[i].what);
        assert_true(dev[i].result.outcome == CAIS_JOB_DONE ||
                    dev[i].result.outcome == CAIS_JOB_SKIPPED);
        if (!oclt_same(what, &dev[i].result, &ref[i].result)) bad++;
        cais_job_result_release(&dev[i].result);
        cais_job_result_release(&ref[i].result);
      }
      free(ref);
      free(dev);
    }
  fprintf(stderr, "%s: %zu device batches\n", label, cl->ops->batches_run(cl) - before);
  return bad;
}

static void test_parity_default_batches(void **state) {
  (void)state;
  if (!g_cl) {
    if (oclt_required()) fail_msg("no OpenCL device");
    skip();
  }
  assert_int_equal(run_all(g_cl, "default sub-batches"), 0);
}

static void test_parity_small_batches(void **state) {
  (void)state;
  if (!g_cl_small) {
    if (oclt_required()) fail_msg("no OpenCL device");
    skip();
  }
  assert_int_equal(run_all(g_cl_small, "256 KiB sub-batches"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parity_default_batches),
      cmocka_unit_test(test_parity_small_batches),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
