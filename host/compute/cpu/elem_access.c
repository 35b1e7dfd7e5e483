/* elem_access.c -- the 16-bit decoding tables of elem_access.h. */
#include "compute/cpu/elem_access.h"

#include <pthread.h>

#include "common/float_formats.h"

static float f16_table[65536];
static float bf16_table[65536];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void) {
  for (uint32_t i = 0; i < 65536; i++) {
    f16_table[i] = (float)cais_f16_to_double((uint16_t)i);
    bf16_table[i] = (float)cais_bf16_to_double((uint16_t)i);
  }
}

const float *cais_half_table(cais_float_type t) {
  pthread_once(&tables_once, build_tables);
  return t == CAIS_FLOAT_BF16 ? bf16_table : f16_table;
}
