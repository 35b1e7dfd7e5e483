/* libfuzzer_main.c -- the libFuzzer entry point of fuzz_program (see
 * fuzz_target.c for what one input goes through, fuzz/run.sh to run it). */
#include <stddef.h>
#include <stdint.h>

int cais_fuzz_one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return cais_fuzz_one(data, size);
}
