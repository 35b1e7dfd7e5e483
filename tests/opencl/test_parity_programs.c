/* test_parity_programs.c -- whole programs through the library: for every
 * pruning mode x joint compression x dtype, an engine on the OpenCL device
 * writes the same bytes as an engine on the CPU, and reports the same
 * per-weight relative errors and non-zero counts.  Programs come from the
 * examples/ generator (a transformer per dtype, and a bf16 convnet whose
 * depthwise weights n:m must skip).  Also: a program with a few hundred
 * weights moves them to the device in a small number of batches (the report's
 * device_batches), not one transfer per weight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "opencl_test_util.h"
#include "test_modes.h"
#include "test_support.h"

static char *g_dir;
static cais_engine *g_cpu, *g_cl;

static int setup(void **state) {
  (void)state;
  g_dir = cais_test_mkdtemp();
  cais_engine_config c;
  cais_engine_config_init(&c);
  c.device = CAIS_DEVICE_CPU;
  cais_error err;
  if (cais_engine_create(&c, &g_cpu, &err) != CAIS_OK) return -1;
  c.device = CAIS_DEVICE_OPENCL;
  const char *want = getenv("CAIS_TEST_OPENCL_DEVICE");
  if (want && *want) sscanf(want, "%d.%d", &c.opencl_platform, &c.opencl_device);
  if (cais_engine_create(&c, &g_cl, &err) != CAIS_OK) {
    fprintf(stderr, "note: no OpenCL device: %s\n", err.message);
    g_cl = NULL;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  cais_engine_destroy(g_cpu);
  cais_engine_destroy(g_cl);
  cais_test_rmtree(g_dir);
  free(g_dir);
  return 0;
}

static void generate(const char *args, const char *name, char *path, size_t size) {
  char with_seed[1024];
  snprintf(with_seed, sizeof with_seed, "%s --seed 11", args);
  cais_test_generate(g_dir, with_seed, name, path, size);
}

static const cais_test_mode kModes[] = {
    {"magnitude 0.5", 0.5, 0, {0, 0}},
    {"block 4 @0.6", 0.6, 4, {0, 0}},
    {"n:m 2:4", -1, 0, {2, 4}},
};

/* Reads `file` (a fresh MLIR context each time: resource names made unique
 * within one context would otherwise differ between runs), sparsifies it on
 * `engine`, writes bytecode to `path`; returns the report. */
static cais_report *run(cais_engine *engine, const char *file, const cais_options *o,
                        const char *path, const char *what) {
  cais_program *out = NULL, *in = NULL;
  cais_report *report = NULL;
  cais_error err;
  if (cais_program_read_file(file, &in, &err) != CAIS_OK) fail_msg("%s: %s", what, err.message);
  if (cais_engine_sparsify(engine, in, o, &out, &report, &err) != CAIS_OK)
    fail_msg("%s: %s", what, err.message);
  if (cais_program_write_file(out, path, CAIS_FORMAT_BYTECODE, &err) != CAIS_OK)
    fail_msg("%s: %s", what, err.message);
  cais_program_destroy(out);
  cais_program_destroy(in);
  return report;
}

static void compare_program(const char *file, const char *label) {
  char a[600], b[600];
  snprintf(a, sizeof a, "%s/cpu.mlirbc", g_dir);
  snprintf(b, sizeof b, "%s/cl.mlirbc", g_dir);
  int mismatches = 0;
  for (size_t mi = 0; mi < sizeof kModes / sizeof *kModes; mi++)
    for (size_t ji = 0; ji < cais_test_joint_count; ji++) {
      char what[256];
      snprintf(what, sizeof what, "%s %s + %s", label, kModes[mi].name, cais_test_joints[ji].name);
      cais_options o;
      cais_test_options_for(&kModes[mi], &cais_test_joints[ji], 256, &o);
      cais_report *rc = run(g_cpu, file, &o, a, what);
      cais_report *rd = run(g_cl, file, &o, b, what);
      size_t na = 0, nb = 0;
      char *da = cais_test_read_file(a, &na), *db = cais_test_read_file(b, &nb);
      if (!da || !db || na != nb || memcmp(da, db, na) != 0) {
        fprintf(stderr, "%s: the written programs differ\n", what);
        mismatches++;
      }
      free(da);
      free(db);
      const cais_report_totals *tc = cais_report_totals_get(rc), *td = cais_report_totals_get(rd);
      assert_int_equal(tc->weights_compressed, td->weights_compressed);
      assert_int_equal(tc->weights_skipped, td->weights_skipped);
      assert_true(td->device_batches >= 1);
      assert_int_equal(td->device_fallbacks, 0);
      assert_int_equal(cais_report_weight_count(rc), cais_report_weight_count(rd));
      for (size_t w = 0; w < cais_report_weight_count(rc); w++) {
        const cais_weight_report *x = cais_report_weight(rc, w), *y = cais_report_weight(rd, w);
        assert_int_equal(x->outcome, y->outcome);
        assert_int_equal(x->nonzeros, y->nonzeros);
        if (memcmp(&x->relative_error, &y->relative_error, sizeof(double)) != 0) {
          fprintf(stderr, "%s: %s relative error %.17g vs %.17g\n", what, x->name,
                  x->relative_error, y->relative_error);
          mismatches++;
        }
      }
      cais_report_destroy(rc);
      cais_report_destroy(rd);
    }
  assert_int_equal(mismatches, 0);
}

#define NEED_DEVICE()                                  \
  do {                                                 \
    if (!g_cl) {                                       \
      if (oclt_required()) fail_msg("no OpenCL device"); \
      skip();                                          \
    }                                                  \
  } while (0)

static const char *kSmall =
    "--model transformer --layers 2 --hidden 64 --ffn 160 --heads 2 --vocab 300 --seq 8";

static void test_f16(void **state) {
  (void)state;
  NEED_DEVICE();
  char path[600], args[512];
  snprintf(args, sizeof args, "%s --dtype f16 --format bytecode", kSmall);
  generate(args, "t16.mlirbc", path, sizeof path);
  compare_program(path, "f16 transformer");
}

static void test_bf16(void **state) {
  (void)state;
  NEED_DEVICE();
  char path[600], args[512];
  snprintf(args, sizeof args, "%s --dtype bf16 --format text", kSmall);
  generate(args, "tbf16.mlir", path, sizeof path);
  compare_program(path, "bf16 transformer");
}

static void test_f32(void **state) {
  (void)state;
  NEED_DEVICE();
  char path[600], args[512];
  snprintf(args, sizeof args, "%s --dtype f32 --format bytecode", kSmall);
  generate(args, "t32.mlirbc", path, sizeof path);
  compare_program(path, "f32 transformer");
}

static void test_convnet(void **state) {
  (void)state;
  NEED_DEVICE();
  char path[600];
  generate("--model convnet --dtype bf16 --layers 3 --width 16 --format bytecode", "c.mlirbc",
           path, sizeof path);
  compare_program(path, "bf16 convnet");
}

/* A few hundred weights, a handful of device batches. */
static void test_batch_count(void **state) {
  (void)state;
  NEED_DEVICE();
  char path[600];
  generate("--model transformer --dtype f16 --layers 40 --hidden 64 --ffn 128 --heads 2 "
           "--vocab 256 --seq 8 --format bytecode",
           "many.mlirbc", path, sizeof path);
  cais_options o;
  cais_options_init(&o);
  o.palettize_nbits = 4;
  char a[600], b[600];
  snprintf(a, sizeof a, "%s/cpu.mlirbc", g_dir);
  snprintf(b, sizeof b, "%s/cl.mlirbc", g_dir);
  cais_report *rc = run(g_cpu, path, &o, a, "many weights");
  cais_report *rd = run(g_cl, path, &o, b, "many weights");
  const cais_report_totals *t = cais_report_totals_get(rd);
  fprintf(stderr, "%zu weights compressed in %zu device batch(es)\n", t->weights_compressed,
          t->device_batches);
  assert_true(t->weights_compressed >= 280);
  assert_true(t->device_batches >= 1 && t->device_batches <= 2);
  size_t na = 0, nb = 0;
  char *da = cais_test_read_file(a, &na), *db = cais_test_read_file(b, &nb);
  assert_true(na == nb && memcmp(da, db, na) == 0);
  free(da);
  free(db);
  cais_report_destroy(rc);
  cais_report_destroy(rd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_f16),     cmocka_unit_test(test_bf16),
      cmocka_unit_test(test_f32),     cmocka_unit_test(test_convnet),
      cmocka_unit_test(test_batch_count),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
