/* test_valgrind.c -- valgrind memcheck on the CLI, one program per pruning
 * mode (magnitude, block, n:m), with each kind of joint compression once,
 * text and bytecode, plus --inspect and --verify: no invalid access, no
 * use of uninitialised memory, no definite leak.  Skipped in sanitizer
 * builds (valgrind cannot run them) and where valgrind is missing. */
#include "reliability_support.h"

static void memcheck(const char *args) {
  char *out = NULL;
  int rc = sh(&out,
              "valgrind -q --error-exitcode=99 --leak-check=full "
              "--errors-for-leak-kinds=definite --show-leak-kinds=definite "
              "'%s' %s",
              cais_test_cli(), args);
  print_message("valgrind cai-sparsify %s: exit %d\n", args, rc);
  if (rc != 0) fail_msg("valgrind cai-sparsify %s: exit %d\n%s", args, rc, out);
  free(out);
}

static void test_memcheck_each_mode(void **s) {
  (void)s;
#ifdef CAIS_TEST_ASAN
  skip();
#endif
  if (sh(NULL, "command -v valgrind") != 0) {
    print_message("skipped: valgrind is not installed\n");
    skip();
  }
  memcheck("-q --device cpu --threads 2 '" TINY "' -o magnitude.mlir");
  memcheck("-q --device cpu --block-size 4 --quantize-dtype int8 --emit bytecode '" TINY
           "' -o block.mlirbc");
  memcheck("-q --device cpu --n-m 2:4 --palettize-nbits 4 block.mlirbc -o nm.mlirbc");
  memcheck("-q --device cpu --target-sparsity 0.75 --quantize-dtype fp8_e4m3fn "
           "--report r.json '" TINY "' -o fp8.mlir");
  memcheck("--inspect nm.mlirbc");
  memcheck("--block-size 4 --quantize-dtype int8 --verify '" TINY "' block.mlirbc");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_memcheck_each_mode)};
  return cmocka_run_group_tests(tests, rel_setup, rel_teardown);
}
