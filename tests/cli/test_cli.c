/* test_cli.c -- cai-sparsify as a command: exit statuses (0 done, 1 bad
 * input or I/O, 2 bad options, naming the option), the upstream messages,
 * atomic output (a failed run leaves no file and never truncates an existing
 * one; --in-place never damages its input), --emit, --report, --inspect and
 * --verify. */
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

#define TINY CAIS_SOURCE_DIR "/examples/tiny_transformer.mlir"

#define g_dir cais_test_dir

/* Runs the CLI with `args`; returns the status, output in *out. */
static int cli(char **out, const char *fmt, ...) {
  char args[2048], cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s", g_dir, cais_test_cli(), args);
  return cais_test_run(cmd, out);
}

static void expect(int want_rc, const char *want_text, const char *fmt, ...) {
  char args[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  char *out = NULL;
  int rc = cli(&out, "%s", args);
  if (rc != want_rc) fail_msg("`%s`: exit %d, expected %d\n%s", args, rc, want_rc, out);
  if (want_text && !strstr(out, want_text))
    fail_msg("`%s`: output lacks \"%s\":\n%s", args, want_text, out);
  free(out);
}

static bool exists(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  return access(path, F_OK) == 0;
}

/* No leftover temporary files in the scratch directory. */
static void expect_no_temp_files(void) {
  char *out = NULL;
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c '\\.tmp-' || true", g_dir);
  cais_test_run(cmd, &out);
  if (atoi(out) != 0) fail_msg("temporary files left behind in %s", g_dir);
  free(out);
}

static void test_usage_errors_exit_2_and_name_the_option(void **s) {
  (void)s;
  expect(2, "INPUT", "");
  expect(2, "--bogus", "--bogus " TINY " -o x.mlir");
  expect(2, "-o", TINY);
  expect(2, "--target-sparsity", "--target-sparsity abc " TINY " -o x.mlir");
  expect(2, "`target_sparsity` and `n_m_ratio` cannot both be set",
         "--n-m 2:4 --target-sparsity 0.5 " TINY " -o x.mlir");
  expect(2, "--n-m", "--n-m 2:4 --target-sparsity 0.5 " TINY " -o x.mlir");
  expect(2, "`n_m_ratio`", "--n-m 2:4:8 " TINY " -o x.mlir");
  expect(2, "integers", "--n-m 2.5:4 " TINY " -o x.mlir");
  expect(2, "m > 0", "--n-m 0:0 " TINY " -o x.mlir");
  expect(2, "n in [0, m]", "--n-m 5:4 " TINY " -o x.mlir");
  expect(2, "--n-m", "--n-m two:four " TINY " -o x.mlir");
  expect(2, "Invalid quantize_dtype", "--quantize-dtype int4 " TINY " -o x.mlir");
  expect(2, "Invalid palettize_nbits", "--palettize-nbits 5 " TINY " -o x.mlir");
  expect(2, "`quantize_dtype` and `palettize_nbits` cannot both be set",
         "--quantize-dtype int8 --palettize-nbits 4 " TINY " -o x.mlir");
  expect(2, "`block_size` must be greater than 1", "--block-size 1 " TINY " -o x.mlir");
  expect(2, "--target-sparsity", "--target-sparsity 1.5 " TINY " -o x.mlir");
  expect(2, "--target-sparsity", "--target-sparsity nan " TINY " -o x.mlir");
  expect(2, "--device", "--device gpu " TINY " -o x.mlir");
  expect(2, "--emit", "--emit json " TINY " -o x.mlir");
  expect(2, "--in-place", "--in-place " TINY " -o x.mlir");
  assert_false(exists("x.mlir"));
}

static void test_bad_input_exits_1_without_output(void **s) {
  (void)s;
  expect(1, "missing.mlir", "missing.mlir -o x.mlir");
  char path[1024];
  snprintf(path, sizeof path, "%s/empty.mlir", g_dir);
  cais_test_write_file(path, "", 0);
  expect(1, "empty", "empty.mlir -o x.mlir");
  snprintf(path, sizeof path, "%s/garbage.bin", g_dir);
  cais_test_write_file(path, "\x01\x02\x00\xff garbage", 12);
  expect(1, "not an MLIR program", "garbage.bin -o x.mlir");
  snprintf(path, sizeof path, "%s/broken.mlir", g_dir);
  const char *broken = "module {\n  \"coreai.graph\"() ({\n  ^bb0(%arg0: tensor<2xf16>):\n    %0 = \"coreai.constant\"() <{value = dense<[1.0, 2.0> : tensor<2xf16>}>\n";
  cais_test_write_file(path, broken, strlen(broken));
  expect(1, "broken.mlir:4:", "broken.mlir -o x.mlir");
  assert_false(exists("x.mlir"));
  expect_no_temp_files();
}

static void test_failed_run_keeps_existing_output_and_in_place_input(void **s) {
  (void)s;
  char path[1024];
  snprintf(path, sizeof path, "%s/keep.mlir", g_dir);
  cais_test_write_file(path, "precious", 8);
  snprintf(path, sizeof path, "%s/garbage.mlir", g_dir);
  cais_test_write_file(path, "this is not mlir {{{", 20);
  expect(1, "garbage.mlir:1:", "garbage.mlir -o keep.mlir");
  snprintf(path, sizeof path, "%s/keep.mlir", g_dir);
  size_t n;
  char *kept = cais_test_read_file(path, &n);
  assert_int_equal(n, 8);
  assert_memory_equal(kept, "precious", 8);
  free(kept);
  /* --in-place on a broken file leaves it as it was */
  expect(1, NULL, "--in-place garbage.mlir");
  snprintf(path, sizeof path, "%s/garbage.mlir", g_dir);
  kept = cais_test_read_file(path, &n);
  assert_int_equal(n, 20);
  free(kept);
  /* an unwritable destination: a path below a regular file */
  expect(1, "keep.mlir/out.mlir", TINY " -o keep.mlir/out.mlir");
  expect_no_temp_files();
}

static void test_compress_emit_report_inspect_verify(void **s) {
  (void)s;
  expect(0, "weights compressed", "--palettize-nbits 4 --report r.json " TINY " -o out.mlir");
  char path[1024];
  snprintf(path, sizeof path, "%s/out.mlir", g_dir);
  char *text = cais_test_read_file(path, NULL);
  assert_non_null(strstr(text, "coreai.lut_to_dense"));
  assert_non_null(strstr(text, "dialect_resources"));
  free(text);
  snprintf(path, sizeof path, "%s/r.json", g_dir);
  char *json = cais_test_read_file(path, NULL);
  assert_non_null(json);
  assert_non_null(strstr(json, "\"weights_compressed\": "));
  assert_non_null(strstr(json, "\"relative_error\": "));
  assert_non_null(strstr(json, "\"outcome\": \"not_eligible\""));
  free(json);

  expect(0, NULL, "--palettize-nbits 4 --emit bytecode -q " TINY " -o out.mlirbc");
  snprintf(path, sizeof path, "%s/out.mlirbc", g_dir);
  size_t n;
  char *bc = cais_test_read_file(path, &n);
  assert_true(n > 4 && memcmp(bc, "ML\xefR", 4) == 0);
  free(bc);

  expect(0, "palettize4", "--inspect out.mlir");
  expect(0, NULL, "--palettize-nbits 4 --verify " TINY " out.mlir");
  expect(0, NULL, "--palettize-nbits 4 --verify " TINY " out.mlirbc");
  /* verifying against the wrong options is a violation */
  expect(1, "violation", "--target-sparsity 0.75 --palettize-nbits 4 --verify " TINY " out.mlir");

  /* --in-place replaces the input, keeping its permissions */
  snprintf(path, sizeof path, "%s/inplace.mlir", g_dir);
  size_t tn;
  char *tiny = cais_test_read_file(TINY, &tn);
  cais_test_write_file(path, tiny, tn);
  free(tiny);
  chmod(path, 0640);
  expect(0, NULL, "-q --in-place --n-m 2:4 inplace.mlir");
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0640);
  expect(0, NULL, "--n-m 2:4 --verify " TINY " inplace.mlir");
  expect_no_temp_files();
}

static void test_help_version_devices(void **s) {
  (void)s;
  expect(0, "usage: cai-sparsify", "--help");
  expect(0, "cai-sparsify 0.", "--version");
  expect(0, NULL, "--list-devices");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_usage_errors_exit_2_and_name_the_option),
      cmocka_unit_test(test_bad_input_exits_1_without_output),
      cmocka_unit_test(test_failed_run_keeps_existing_output_and_in_place_input),
      cmocka_unit_test(test_compress_emit_report_inspect_verify),
      cmocka_unit_test(test_help_version_devices),
  };
  return cmocka_run_group_tests(tests, cais_test_dir_setup, cais_test_dir_teardown);
}
