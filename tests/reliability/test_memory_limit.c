/* test_memory_limit.c -- a program that does not fit in memory is refused
 * before any work starts (engine/memory_budget.h, docs/RELIABILITY.md),
 * with exit status 1 and a message saying how much is needed, how much is
 * available and which limit says so; under any limit the CLI either
 * finishes or fails cleanly, never crashes. */
#include "reliability_support.h"

#include "caisparse.h"

/* Under a stepped RLIMIT_AS (prlimit, as `ulimit -v` does), from the
 * smallest limit the CLI starts with up to a comfortable one: every run
 * ends with 0, or 1 and a memory message; some are refused before work;
 * the last one succeeds. */
static void test_rlimit_as_steps(void **s) {
  (void)s;
#ifdef CAIS_TEST_ASAN
  skip(); /* AddressSanitizer reserves terabytes of address space */
#endif
  if (sh(NULL, "command -v prlimit") != 0) skip();
  assert_int_equal(sh(NULL, "'%s' --params 50M --dtype f16 --format bytecode -o p.mlirbc",
                      cais_test_gen()),
                   0);
  const unsigned long long mib = 1024ull * 1024;
  unsigned long long base = 0;
  for (unsigned long long as = 64; as <= 4096; as += 16)
    if (sh(NULL, "prlimit --as=%llu '%s' --version", as * mib, cais_test_cli()) == 0) {
      base = as;
      break;
    }
  assert_true(base > 0);
  int refused_early = 0, succeeded = 0;
  for (unsigned long long as = base; as <= base + 640; as += 32) {
    copy_in(in_dir("p.mlirbc"), "in.mlirbc");
    char *out = NULL;
    /* --device cpu: PoCL (an OpenCL runtime) aborts when it cannot start
     * its threads under a tight RLIMIT_AS (docs/RELIABILITY.md). */
    int rc = sh(&out, "prlimit --as=%llu '%s' -q --device cpu --threads 2 --in-place in.mlirbc",
                as * mib, cais_test_cli());
    if (rc != 0 && rc != 1) fail_msg("--as=%lluM: exit %d\n%s", as, rc, out);
    if (rc == 1) {
      if (!strstr(out, "RLIMIT_AS") && !strstr(out, "memory") && !strstr(out, "threads"))
        fail_msg("--as=%lluM: no memory message:\n%s", as, out);
      if (strstr(out, "nothing was changed") || strstr(out, "reading this bytecode"))
        refused_early++;
      /* --in-place: the input is intact */
      assert_true(same_bytes(in_dir("in.mlirbc"), in_dir("p.mlirbc")));
    } else {
      succeeded++;
    }
    print_message("--as=%lluM: exit %d %s", as, rc, rc ? out : "\n");
    free(out);
    expect_no_temp_files();
  }
  assert_true(refused_early > 0);
  assert_true(succeeded > 0);
}

/* CAIS_MEMORY_LIMIT, an explicit budget: the read of a text program (about
 * twice its size) and the run itself are each checked. */
static void test_memory_limit_variable(void **s) {
  (void)s;
  g_cli_env = "CAIS_MEMORY_LIMIT=1K";
  expect_cli(1, "reading this text program needs about 32 MiB of memory, but only "
                "1.0 KiB is available (CAIS_MEMORY_LIMIT)",
             "'%s' -o out.mlir", LINEAR);
  /* enough to read (32 MiB + 2 x 1.2 KiB), not to compress (32 MiB + 8 MiB
   * per thread + the outputs) */
  g_cli_env = "CAIS_MEMORY_LIMIT=40M";
  expect_cli(1, "(CAIS_MEMORY_LIMIT); nothing was changed",
             "--threads 2 --weight-num-threshold 0 '%s' -o out.mlir", LINEAR);
  copy_in(LINEAR, "in.mlir");
  expect_cli(1, "nothing was changed",
             "--threads 2 --weight-num-threshold 0 --in-place in.mlir");
  assert_true(same_bytes(in_dir("in.mlir"), LINEAR));
  /* nothing to compress: nothing to refuse */
  expect_cli(0, NULL, "-q '%s' -o small.mlir", LINEAR);
  g_cli_env = "CAIS_MEMORY_LIMIT=1G";
  expect_cli(0, NULL, "-q --weight-num-threshold 0 '%s' -o out.mlir", LINEAR);
  g_cli_env = "CAIS_MEMORY_LIMIT=bogus"; /* not a size: ignored */
  expect_cli(0, NULL, "-q --weight-num-threshold 0 '%s' -o out2.mlir", LINEAR);
  g_cli_env = "";
  expect_no_temp_files();
}

/* The library refuses too, and leaves a non-in-place input untouched. */
static void test_library_refuses_before_work(void **s) {
  (void)s;
  cais_program *in = NULL, *out = NULL;
  cais_error err;
  assert_int_equal(cais_program_read_file(LINEAR, &in, &err), CAIS_OK);
  cais_options o;
  cais_options_init(&o);
  o.weight_num_threshold = 0;
  setenv("CAIS_MEMORY_LIMIT", "64K", 1);
  cais_status st = cais_sparsify_weights(in, &o, &out, NULL, &err);
  unsetenv("CAIS_MEMORY_LIMIT");
  assert_int_equal(st, CAIS_ERROR_OUT_OF_MEMORY);
  assert_non_null(strstr(err.message, "needs about"));
  assert_null(out);
  /* the same program compresses once the budget allows */
  assert_int_equal(cais_sparsify_weights(in, &o, &out, NULL, &err), CAIS_OK);
  cais_program_destroy(out);
  cais_program_destroy(in);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rlimit_as_steps),
      cmocka_unit_test(test_memory_limit_variable),
      cmocka_unit_test(test_library_refuses_before_work),
  };
  return cmocka_run_group_tests(tests, rel_setup, rel_teardown);
}
