/* test_front_door.c -- the CLI hands Core AI's own formats to the Python
 * front door (host/cli/front_door.h): what it detects, the arguments and
 * environment it passes, and the messages when Python or the packages are
 * missing (exit 1, nothing written).  A stand-in "python" records how it
 * was called; the real front door is tested in tests/python. */
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

static void put(const char *name, const char *text) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  assert_int_equal(cais_test_write_file(path, text, strlen(text)), 0);
}

static bool exists(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  return access(path, F_OK) == 0;
}

/* Runs `env ENV cai-sparsify ARGS` in the scratch directory. */
static int run(char **out, const char *env, const char *args) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "cd '%s' && env %s '%s' %s", g_dir, env, cais_test_cli(), args);
  return cais_test_run(cmd, out);
}

/* A stand-in python that writes its arguments (one a line, after the
 * bootstrap script) and the two variables the CLI sets into calls.txt. */
static void stub_python(void) {
  put("python-stub",
      "#!/bin/sh\n"
      "shift 2\n" /* -c BOOTSTRAP */
      "for a in \"$@\"; do echo \"arg:$a\"; done > calls.txt\n"
      "echo \"cli:$CAIS_CLI\" >> calls.txt\n"
      "echo \"off:$CAIS_NO_FRONT_DOOR\" >> calls.txt\n");
  char path[1024];
  snprintf(path, sizeof path, "%s/python-stub", g_dir);
  chmod(path, 0755);
}

static char *calls(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/calls.txt", g_dir);
  return cais_test_read_file(path, NULL);
}

static void test_debuginfo_text_is_handed_over_with_all_arguments(void **s) {
  (void)s;
  stub_python();
  put("dbg.mlir", "#loc1 = loc(#debuginfo.location<\"x\">)\n");
  char *out = NULL;
  int rc = run(&out, "CAIS_PYTHON=./python-stub",
               "--n-m 2:4 --quantize-dtype int8 dbg.mlir -o out.mlir");
  assert_int_equal(rc, 0);
  char *c = calls();
  assert_non_null(c);
  /* subject, what, then the user's arguments unchanged */
  assert_non_null(strstr(c, "arg:dbg.mlir\narg:reading text with Core AI debug-info"));
  assert_non_null(strstr(c, "arg:--n-m\narg:2:4\narg:--quantize-dtype\narg:int8\n"
                            "arg:dbg.mlir\narg:-o\narg:out.mlir\n"));
  assert_non_null(strstr(c, "cli:/"));
  assert_non_null(strstr(c, "cai-sparsify\n"));
  assert_non_null(strstr(c, "off:1\n"));
  free(c);
  free(out);
}

static void test_package_custom_syntax_and_mlir22_bytecode_are_detected(void **s) {
  (void)s;
  stub_python();
  char path[1024];
  snprintf(path, sizeof path, "%s/m.aimodel", g_dir);
  mkdir(path, 0755);
  put("m.aimodel/main.mlirb", "ML\xefR\x0dMLIR22.0.0git");
  put("custom.mlir", "module {\n  coreai.graph @main() {\n  }\n}\n");
  put("m22.mlirbc", "ML\xefR\x0dMLIR22.0.0git");
  const char *cases[][2] = {
      {"m.aimodel", "reading a Core AI package (.aimodel)"},
      {"custom.mlir", "reading Core AI custom-syntax text"},
      {"m22.mlirbc", "reading MLIR bytecode version 6 from MLIR22.0.0git"},
  };
  for (size_t i = 0; i < 3; i++) {
    char args[256], *out = NULL;
    snprintf(args, sizeof args, "--inspect %s", cases[i][0]);
    unlink("calls.txt");
    assert_int_equal(run(&out, "CAIS_PYTHON=./python-stub", args), 0);
    char *c = calls();
    assert_non_null(c);
    if (!strstr(c, cases[i][1])) fail_msg("%s: calls.txt lacks \"%s\":\n%s", cases[i][0], cases[i][1], c);
    free(c);
    free(out);
  }
  /* --emit aimodel on a plain MLIR 19 input goes there too */
  char *out = NULL;
  assert_int_equal(run(&out, "CAIS_PYTHON=./python-stub",
                       "--emit aimodel " TINY " -o out.aimodel"), 0);
  char *c = calls();
  assert_non_null(strstr(c, "writing a Core AI package (--emit aimodel)"));
  free(c);
  free(out);
}

static void test_plain_mlir19_input_is_not_handed_over(void **s) {
  (void)s;
  stub_python();
  char *out = NULL;
  assert_int_equal(run(&out, "CAIS_PYTHON=./python-stub", "-q " TINY " -o out.mlir"), 0);
  assert_false(exists("calls.txt"));
  assert_true(exists("out.mlir"));
  free(out);
  /* and with the switch off, a Core AI form is read by MLIR 19 itself */
  put("dbg.mlir", "#loc1 = loc(#debuginfo.location<\"x\">)\n");
  assert_int_equal(run(&out, "CAIS_PYTHON=./python-stub CAIS_NO_FRONT_DOOR=1",
                       "dbg.mlir -o out2.mlir"), 1);
  assert_false(exists("calls.txt"));
  assert_false(exists("out2.mlir"));
  free(out);
}

static void test_missing_python_or_packages_says_what_to_install(void **s) {
  (void)s;
  put("dbg.mlir", "#loc1 = loc(#debuginfo.location<\"x\">)\n");
  char *out = NULL;
  assert_int_equal(run(&out, "CAIS_PYTHON=/nonexistent/python", "dbg.mlir -o out.mlir"), 1);
  assert_non_null(strstr(out, "dbg.mlir: reading text with Core AI debug-info"));
  assert_non_null(strstr(out, "/nonexistent/python cannot be started"));
  assert_non_null(strstr(out, "tools/install-python.sh"));
  assert_non_null(strstr(out, "coreai-core==1.0.0b3"));
  assert_false(exists("out.mlir"));
  free(out);
  /* a Python without site-packages has neither package */
  put("python-bare", "#!/bin/sh\nexec python3 -I -S \"$@\"\n");
  char path[1024];
  snprintf(path, sizeof path, "%s/python-bare", g_dir);
  chmod(path, 0755);
  assert_int_equal(run(&out, "CAIS_PYTHON=./python-bare", "dbg.mlir -o out.mlir"), 1);
  assert_non_null(strstr(out, "lacks coreai and caisparse"));
  assert_non_null(strstr(out, "tools/install-python.sh"));
  assert_false(exists("out.mlir"));
  free(out);
}

static void test_directory_that_is_not_a_package(void **s) {
  (void)s;
  char path[1024];
  snprintf(path, sizeof path, "%s/empty.aimodel", g_dir);
  mkdir(path, 0755);
  char *out = NULL;
  assert_int_equal(run(&out, "CAIS_PYTHON=/nonexistent/python", "empty.aimodel -o out.aimodel"), 1);
  assert_non_null(strstr(out, "empty.aimodel: a directory, but not a Core AI package"));
  assert_non_null(strstr(out, "no main.mlirb"));
  assert_false(exists("out.aimodel"));
  free(out);
}

/* The front door runs the CLI on a temporary copy; these name the user's
 * files in the summary and the JSON report. */
static void test_display_names_for_the_front_door(void **s) {
  (void)s;
  char *out = NULL;
  assert_int_equal(run(&out, "CAIS_DISPLAY_INPUT=model.aimodel CAIS_DISPLAY_OUTPUT=model.sparse.aimodel",
                       TINY " -o tmp-out.mlir --report r.json"), 0);
  assert_non_null(strstr(out, "output: model.sparse.aimodel\n"));
  assert_null(strstr(out, "tmp-out.mlir"));
  char path[1024];
  snprintf(path, sizeof path, "%s/r.json", g_dir);
  char *json = cais_test_read_file(path, NULL);
  assert_non_null(json);
  assert_non_null(strstr(json, "\"input\": \"model.aimodel\""));
  free(json);
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_debuginfo_text_is_handed_over_with_all_arguments,
                                      cais_test_dir_setup, cais_test_dir_teardown),
      cmocka_unit_test_setup_teardown(test_package_custom_syntax_and_mlir22_bytecode_are_detected,
                                      cais_test_dir_setup, cais_test_dir_teardown),
      cmocka_unit_test_setup_teardown(test_plain_mlir19_input_is_not_handed_over,
                                      cais_test_dir_setup, cais_test_dir_teardown),
      cmocka_unit_test_setup_teardown(test_missing_python_or_packages_says_what_to_install,
                                      cais_test_dir_setup, cais_test_dir_teardown),
      cmocka_unit_test_setup_teardown(test_directory_that_is_not_a_package,
                                      cais_test_dir_setup, cais_test_dir_teardown),
      cmocka_unit_test_setup_teardown(test_display_names_for_the_front_door,
                                      cais_test_dir_setup, cais_test_dir_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
