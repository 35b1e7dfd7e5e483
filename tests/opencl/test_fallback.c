/* test_fallback.c -- every way the device path can fail, injected with
 * CAIS_OPENCL_FAULT (docs/ARCHITECTURE.md, "Fault injection"), loses
 * nothing: the output is byte-identical to the CPU path's, a warning says
 * what happened, and the report counts the batches redone on the CPU.
 *   no-platform  auto: the CPU with a warning; --device opencl: an error
 *                (library: CAIS_ERROR_DEVICE; CLI: exit 1), and
 *                --list-devices lists nothing
 *   build        --device opencl: every batch on the CPU, with a warning
 *   alloc:N      the N-th device allocation fails: that sub-batch on the CPU,
 *                the others on the device
 *   enqueue:N    the N-th enqueue fails mid-run: the rest on the CPU
 * And the kernel binary cache: written atomically on first use, reused,
 * a corrupt entry is rebuilt, "" disables it. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "opencl_test_util.h"
#include "test_support.h"

static char *g_dir;
static char g_input[600], g_reference[600];
static bool g_have_device;

typedef struct messages {
  char text[8192];
  int warnings;
} messages;

static void on_message(void *user, cais_severity severity, const char *subject,
                       const char *text) {
  messages *m = user;
  size_t n = strlen(m->text);
  snprintf(m->text + n, sizeof m->text - n, "%s%s: %s\n",
           severity == CAIS_SEVERITY_WARNING ? "warning: " : "note: ", subject ? subject : "",
           text);
  if (severity == CAIS_SEVERITY_WARNING) m->warnings++;
}

/* Compresses g_input (palettize 4 on magnitude 0.5) with an engine of
 * `device` created under CAIS_OPENCL_FAULT=`fault` (NULL: none), writes
 * `out`; returns the engine status.  *totals gets the report's totals. */
static cais_status compress(cais_device_kind device, const char *fault, const char *batch_bytes,
                            const char *cache, const char *out, messages *msgs,
                            cais_report_totals *totals, char *device_name) {
  if (fault) setenv("CAIS_OPENCL_FAULT", fault, 1);
  if (batch_bytes) setenv("CAIS_OPENCL_BATCH_BYTES", batch_bytes, 1);
  cais_engine_config c;
  cais_engine_config_init(&c);
  c.device = device;
  c.kernel_cache_dir = cache;
  c.on_message = on_message;
  c.message_user = msgs;
  memset(msgs, 0, sizeof *msgs);
  cais_engine *e = NULL;
  cais_error err;
  cais_status st = cais_engine_create(&c, &e, &err);
  if (st != CAIS_OK) {
    unsetenv("CAIS_OPENCL_FAULT");
    unsetenv("CAIS_OPENCL_BATCH_BYTES");
    snprintf(msgs->text + strlen(msgs->text), sizeof msgs->text - strlen(msgs->text),
             "error: %s\n", err.message);
    return st;
  }
  if (device_name) snprintf(device_name, 256, "%s", cais_engine_device_name(e));
  cais_program *in = NULL, *res = NULL;
  cais_report *report = NULL;
  assert_int_equal(cais_program_read_file(g_input, &in, &err), CAIS_OK);
  cais_options o;
  cais_options_init(&o);
  o.palettize_nbits = 4;
  /* The faults stay armed through the run: auto opens its device lazily. */
  st = cais_engine_sparsify(e, in, &o, &res, &report, &err);
  unsetenv("CAIS_OPENCL_FAULT");
  unsetenv("CAIS_OPENCL_BATCH_BYTES");
  if (st == CAIS_OK) {
    *totals = *cais_report_totals_get(report);
    assert_int_equal(cais_program_write_file(res, out, CAIS_FORMAT_BYTECODE, &err), CAIS_OK);
  }
  cais_report_destroy(report);
  cais_program_destroy(res);
  cais_program_destroy(in);
  cais_engine_destroy(e);
  return st;
}

static void assert_same_file(const char *a, const char *b) {
  size_t na = 0, nb = 0;
  char *da = cais_test_read_file(a, &na), *db = cais_test_read_file(b, &nb);
  assert_non_null(da);
  assert_non_null(db);
  if (na != nb || memcmp(da, db, na) != 0) fail_msg("%s and %s differ", a, b);
  free(da);
  free(db);
}

static int setup(void **state) {
  (void)state;
  g_dir = cais_test_mkdtemp();
  snprintf(g_input, sizeof g_input, "%s/in.mlirbc", g_dir);
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "'%s' --model transformer --dtype f16 --layers 6 --hidden 64 --ffn 128 --heads 2 "
           "--vocab 256 --seq 8 --seed 5 --format bytecode -q -o '%s'",
           cais_test_gen(), g_input);
  char *out = NULL;
  if (cais_test_run(cmd, &out) != 0) {
    fprintf(stderr, "generator failed: %s\n", out);
    return -1;
  }
  free(out);
  snprintf(g_reference, sizeof g_reference, "%s/reference.mlirbc", g_dir);
  messages m;
  cais_report_totals t;
  if (compress(CAIS_DEVICE_CPU, NULL, NULL, "", g_reference, &m, &t, NULL) != CAIS_OK) return -1;
  char probe[600];
  snprintf(probe, sizeof probe, "%s/probe.mlirbc", g_dir);
  g_have_device = compress(CAIS_DEVICE_OPENCL, NULL, NULL, "", probe, &m, &t, NULL) == CAIS_OK;
  if (!g_have_device) fprintf(stderr, "note: no OpenCL device:\n%s", m.text);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  cais_test_rmtree(g_dir);
  free(g_dir);
  return 0;
}

#define NEED_DEVICE()                                    \
  do {                                                   \
    if (!g_have_device) {                                \
      if (oclt_required()) fail_msg("no OpenCL device"); \
      skip();                                            \
    }                                                    \
  } while (0)

static void test_no_platform(void **state) {
  (void)state;
#ifndef CAIS_WITH_OPENCL
  skip(); /* a build without OpenCL never looks for a platform */
#endif
  char out[600], name[256];
  snprintf(out, sizeof out, "%s/np.mlirbc", g_dir);
  messages m;
  cais_report_totals t;
  /* auto: the CPU, with a warning */
  assert_int_equal(compress(CAIS_DEVICE_AUTO, "no-platform", NULL, "", out, &m, &t, name),
                   CAIS_OK);
  assert_same_file(out, g_reference);
  assert_true(m.warnings >= 1);
  assert_non_null(strstr(m.text, "no OpenCL platform"));
  assert_non_null(strstr(name, "CPU"));
  assert_int_equal(t.device_batches, 0);
  /* --device opencl: an error */
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, "no-platform", NULL, "", out, &m, &t, NULL),
                   CAIS_ERROR_DEVICE);
  assert_non_null(strstr(m.text, "no OpenCL platform"));
  /* nothing to list */
  setenv("CAIS_OPENCL_FAULT", "no-platform", 1);
  char list[1024];
  assert_int_equal(cais_list_devices(list, sizeof list), 0);
  unsetenv("CAIS_OPENCL_FAULT");
  /* the CLI: exit 1 with the reason; auto still works */
  char cmd[2048], *text = NULL;
  snprintf(cmd, sizeof cmd,
           "CAIS_OPENCL_FAULT=no-platform '%s' -q --device opencl '%s' -o '%s/cli.mlirbc' 2>&1",
           cais_test_cli(), g_input, g_dir);
  assert_int_equal(cais_test_run(cmd, &text), 1);
  assert_non_null(strstr(text, "no OpenCL platform"));
  free(text);
  snprintf(cmd, sizeof cmd,
           "CAIS_OPENCL_FAULT=no-platform '%s' -q --palettize-nbits 4 '%s' -o '%s/cli.mlirbc' 2>&1",
           cais_test_cli(), g_input, g_dir);
  assert_int_equal(cais_test_run(cmd, &text), 0);
  assert_non_null(strstr(text, "warning: device: using the CPU: no OpenCL platform"));
  free(text);
  snprintf(cmd, sizeof cmd, "%s/cli.mlirbc", g_dir);
  assert_same_file(cmd, g_reference);
}

static void test_device_plain(void **state) {
  (void)state;
  NEED_DEVICE();
  char out[600];
  snprintf(out, sizeof out, "%s/plain.mlirbc", g_dir);
  messages m;
  cais_report_totals t;
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, NULL, NULL, "", out, &m, &t, NULL), CAIS_OK);
  assert_same_file(out, g_reference);
  assert_int_equal(m.warnings, 0);
  assert_true(t.device_batches >= 1);
  assert_int_equal(t.device_fallbacks, 0);
}

static void test_build_failure(void **state) {
  (void)state;
  NEED_DEVICE();
  char out[600];
  snprintf(out, sizeof out, "%s/build.mlirbc", g_dir);
  messages m;
  cais_report_totals t;
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, "build", NULL, "", out, &m, &t, NULL), CAIS_OK);
  assert_same_file(out, g_reference);
  assert_non_null(strstr(m.text, "kernel build failed"));
  assert_non_null(strstr(m.text, "the CPU takes over"));
  assert_true(t.device_fallbacks >= 1);
  assert_int_equal(t.device_batches, 0);
}

static void test_alloc_failure(void **state) {
  (void)state;
  NEED_DEVICE();
  char out[600];
  snprintf(out, sizeof out, "%s/alloc.mlirbc", g_dir);
  messages m;
  cais_report_totals t;
  /* small sub-batches: the first allocation of the first one fails */
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, "alloc:1", "65536", "", out, &m, &t, NULL),
                   CAIS_OK);
  assert_same_file(out, g_reference);
  assert_non_null(strstr(m.text, "redoing them on the CPU"));
  assert_true(t.device_fallbacks >= 1);
  assert_true(t.device_batches >= 2); /* the other sub-batches ran on the device */
  /* and an allocation in the middle of a later sub-batch */
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, "alloc:50", "65536", "", out, &m, &t, NULL),
                   CAIS_OK);
  assert_same_file(out, g_reference);
  assert_true(t.device_fallbacks >= 1);
}

static void test_enqueue_failure(void **state) {
  (void)state;
  NEED_DEVICE();
  char out[600];
  snprintf(out, sizeof out, "%s/enqueue.mlirbc", g_dir);
  messages m;
  cais_report_totals t;
  /* fails in the second or third sub-batch: the rest on the CPU */
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, "enqueue:60", "65536", "", out, &m, &t, NULL),
                   CAIS_OK);
  assert_same_file(out, g_reference);
  assert_non_null(strstr(m.text, "the CPU takes over"));
  assert_true(t.device_fallbacks >= 1);
  assert_true(t.device_batches >= 1);
  /* the very first enqueue */
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, "enqueue", NULL, "", out, &m, &t, NULL), CAIS_OK);
  assert_same_file(out, g_reference);
  assert_true(t.device_fallbacks >= 1);
}

static size_t cache_entries(const char *dir, char *first, size_t size) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (n++ == 0 && first) snprintf(first, size, "%s/%s", dir, e->d_name);
  }
  closedir(d);
  return n;
}

static void test_kernel_cache(void **state) {
  (void)state;
  NEED_DEVICE();
  char cache[600], out[600], entry[1200];
  snprintf(cache, sizeof cache, "%s/kcache/sub", g_dir);
  snprintf(out, sizeof out, "%s/cache.mlirbc", g_dir);
  messages m;
  cais_report_totals t;
  /* first use: built and stored */
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, NULL, NULL, cache, out, &m, &t, NULL), CAIS_OK);
  assert_same_file(out, g_reference);
  assert_int_equal(cache_entries(cache, entry, sizeof entry), 1);
  size_t size1 = 0;
  char *bin1 = cais_test_read_file(entry, &size1);
  assert_non_null(bin1);
  assert_true(size1 > 48);
  /* reused */
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, NULL, NULL, cache, out, &m, &t, NULL), CAIS_OK);
  assert_same_file(out, g_reference);
  assert_int_equal(cache_entries(cache, NULL, 0), 1);
  /* corrupt: ignored, rebuilt, rewritten */
  char junk[300];
  memcpy(junk, bin1, 48); /* right header and key ... */
  memset(junk + 48, 0xA5, sizeof junk - 48); /* ... garbage binary of the wrong size */
  assert_int_equal(cais_test_write_file(entry, junk, sizeof junk), 0);
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, NULL, NULL, cache, out, &m, &t, NULL), CAIS_OK);
  assert_same_file(out, g_reference);
  assert_int_equal(m.warnings, 0);
  size_t size2 = 0;
  char *bin2 = cais_test_read_file(entry, &size2);
  assert_int_equal(size1, size2);
  free(bin2);
  /* a plain garbage file too */
  assert_int_equal(cais_test_write_file(entry, "garbage", 7), 0);
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, NULL, NULL, cache, out, &m, &t, NULL), CAIS_OK);
  assert_same_file(out, g_reference);
  free(bin1);
  /* "" disables the cache */
  char none[600];
  snprintf(none, sizeof none, "%s/kcache-none", g_dir);
  setenv("XDG_CACHE_HOME", none, 1);
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, NULL, NULL, "", out, &m, &t, NULL), CAIS_OK);
  assert_int_equal(cache_entries(none, NULL, 0), 0);
  /* NULL: under $XDG_CACHE_HOME */
  assert_int_equal(compress(CAIS_DEVICE_OPENCL, NULL, NULL, NULL, out, &m, &t, NULL), CAIS_OK);
  char def[700];
  snprintf(def, sizeof def, "%s/cai-sparsify/kernels", none);
  assert_int_equal(cache_entries(def, NULL, 0), 1);
  unsetenv("XDG_CACHE_HOME");
}

int main(void) {
  /* The test program is small: let auto look for a device at once (and the
   * CLI runs below inherit this). */
  setenv("CAIS_AUTO_DEVICE_MIN_BYTES", "0", 1);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_platform),   cmocka_unit_test(test_device_plain),
      cmocka_unit_test(test_build_failure), cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_enqueue_failure), cmocka_unit_test(test_kernel_cache),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
