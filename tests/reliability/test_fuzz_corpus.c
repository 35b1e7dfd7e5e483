/* test_fuzz_corpus.c -- replays every input the fuzzer kept (fuzz/corpus),
 * the readable seeds (fuzz/seeds) and the bad inputs through the fuzz
 * target, in every build (the ASan/UBSan one included): a crash the fuzzer
 * once found stays fixed.  The target's own checks (output reads back, a
 * run not in place leaves its input as it was) apply to each. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "test_support.h"

/* The fuzz target itself, so the replay runs exactly what was fuzzed. */
#include "../../fuzz/fuzz_target.c"

static size_t replay_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0) continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    size_t size;
    char *data = cais_test_read_file(path, &size);
    if (!data) continue;
    cais_fuzz_one((const uint8_t *)data, size);
    free(data);
    n++;
  }
  closedir(d);
  return n;
}

static void test_replay(void **s) {
  (void)s;
  size_t corpus = replay_dir(CAIS_SOURCE_DIR "/fuzz/corpus");
  size_t seeds = replay_dir(CAIS_SOURCE_DIR "/fuzz/seeds");
  size_t bad = replay_dir(CAIS_TEST_DATA_DIR "/bad_inputs") +
               replay_dir(CAIS_TEST_DATA_DIR "/bad_inputs/mlir_bytecode");
  print_message("replayed %zu corpus inputs, %zu seeds, %zu bad inputs\n", corpus, seeds,
                bad);
  assert_true(seeds >= 10);
  assert_true(bad >= 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_replay)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
