/*
 * reliability_support.h -- helpers of the reliability suites (header only,
 * each suite is one executable): a scratch directory, running the CLI in
 * it, and the checks every failure must pass -- no output file, no
 * temporary file left, an existing file untouched.
 */
#ifndef CAIS_RELIABILITY_SUPPORT_H
#define CAIS_RELIABILITY_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_support.h"

#define SPEC_DIR CAIS_TEST_DATA_DIR "/spec_examples"
#define BAD_DIR CAIS_TEST_DATA_DIR "/bad_inputs"
#define LINEAR SPEC_DIR "/linear_f16.mlir"
#define TINY CAIS_SOURCE_DIR "/examples/tiny_transformer.mlir"

/* AddressSanitizer builds cannot run under RLIMIT_AS or valgrind. */
#if defined(__SANITIZE_ADDRESS__)
#define CAIS_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CAIS_TEST_ASAN 1
#endif
#endif

static char *g_dir;

static inline int rel_setup(void **s) {
  (void)s;
  g_dir = cais_test_mkdtemp();
  return g_dir ? 0 : -1;
}

static inline int rel_teardown(void **s) {
  (void)s;
  cais_test_rmtree(g_dir);
  free(g_dir);
  return 0;
}

/* "<scratch dir>/<name>" in a static buffer (one of four in rotation). */
static inline const char *in_dir(const char *name) {
  static char bufs[4][1024];
  static int next;
  char *b = bufs[next++ % 4];
  snprintf(b, sizeof bufs[0], "%s/%s", g_dir, name);
  return b;
}

static inline bool exists(const char *name) { return access(in_dir(name), F_OK) == 0; }

/* Runs a shell command in the scratch directory; returns the exit status
 * (128 + N for a signal), output in *out (may be NULL). */
static inline int sh(char **out, const char *fmt, ...) {
  char cmd[8192], full[8400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  snprintf(full, sizeof full, "cd '%s' && %s", g_dir, cmd);
  char *o = NULL;
  int rc = cais_test_run(full, &o);
  if (out)
    *out = o;
  else
    free(o);
  return rc;
}

/* Environment assignments put before the CLI by expect_cli ("" = none). */
static const char *g_cli_env = "";

/* Runs the CLI with `args` in the scratch directory; checks the exit
 * status, that the output has `want_text` (when not NULL), and that the
 * process did not die of a signal. */
static inline void expect_cli(int want_rc, const char *want_text, const char *fmt, ...) {
  char args[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  char *out = NULL;
  int rc = sh(&out, "%s '%s' %s", g_cli_env, cais_test_cli(), args);
  if (rc != want_rc)
    fail_msg("`cai-sparsify %s`: exit %d, expected %d\n%s", args, rc, want_rc, out);
  if (want_text && !strstr(out, want_text))
    fail_msg("`cai-sparsify %s`: output lacks \"%s\":\n%s", args, want_text, out);
  free(out);
}

/* No "<name>.tmp-XXXXXX" file left in the scratch directory (or `dir`). */
static inline void expect_no_temp_files_in(const char *dir) {
  char *out = NULL;
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c '\\.tmp-' || true", dir);
  cais_test_run(cmd, &out);
  if (atoi(out) != 0) fail_msg("temporary files left behind in %s", dir);
  free(out);
}
#define expect_no_temp_files() expect_no_temp_files_in(g_dir)

/* Copies `src` to `name` in the scratch directory (writable). */
static inline void copy_in(const char *src, const char *name) {
  size_t n;
  char *data = cais_test_read_file(src, &n);
  assert_non_null(data);
  assert_int_equal(cais_test_write_file(in_dir(name), data, n), 0);
  free(data);
}

/* Whether two files hold the same bytes. */
static inline bool same_bytes(const char *a, const char *b) {
  size_t na, nb;
  char *x = cais_test_read_file(a, &na), *y = cais_test_read_file(b, &nb);
  bool same = x && y && na == nb && memcmp(x, y, na) == 0;
  free(x);
  free(y);
  return same;
}

#endif
