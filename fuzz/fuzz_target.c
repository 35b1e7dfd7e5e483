/* fuzz_target.c -- one input through the whole input path of the library,
 * with the checks a fuzzer can make without knowing the right answer.
 *
 *   read (text or bytecode, from memory) -> collect weights, eligibility ->
 *   sparsify on the CPU (options picked from a hash of the input) ->
 *   write text and bytecode to memory -> read both back.
 *
 * Oracles, besides the sanitizers: a written program must read back (our
 * output is always valid MLIR), and a run that is not in place must leave
 * the input program byte-for-byte as it was.  A violation aborts, which the
 * fuzzer records as a crash.
 *
 * Shared by fuzz/libfuzzer_main.c (the libFuzzer entry point) and by
 * tests/reliability/test_fuzz_corpus.c, which replays the kept corpus in
 * every build so a fixed crash stays fixed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mlir-c/IR.h>

#include "caisparse.h"
#include "read_ir/parse_probe.h"

/* A growable byte buffer for MLIR's print callbacks. */
typedef struct fuzz_buffer {
  char *data;
  size_t len, cap;
  int failed;
} fuzz_buffer;

static void fuzz_append(MlirStringRef s, void *user) {
  fuzz_buffer *b = user;
  if (b->failed || s.length == 0) return;
  if (b->len + s.length > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + s.length) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s.data, s.length);
  b->len += s.length;
}

static fuzz_buffer fuzz_print(cais_program *p, int bytecode) {
  fuzz_buffer b = {0};
  MlirOperation top = mlirModuleGetOperation(cais_program_module(p));
  if (bytecode) {
    mlirOperationWriteBytecode(top, fuzz_append, &b);
  } else {
    MlirOpPrintingFlags flags = mlirOpPrintingFlagsCreate();
    mlirOpPrintingFlagsEnableDebugInfo(flags, true, false);
    mlirOpPrintingFlagsPrintGenericOpForm(flags);
    mlirOperationPrintWithFlags(top, flags, fuzz_append, &b);
    mlirOpPrintingFlagsDestroy(flags);
  }
  return b;
}

static void quiet(void *user, cais_severity severity, const char *subject,
                  const char *text) {
  (void)user, (void)severity, (void)subject, (void)text;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
/* The bytecode probe's child is a copy of the fuzzer: an error the
 * sanitizer sees there (inside MLIR's reader) would be saved as a crash of
 * ours.  The probe already reports it as a corrupt input. */
static void fuzz_quiet_child(void) { __sanitizer_set_death_callback(NULL); }
#define FUZZ_QUIET_CHILD() pthread_atfork(NULL, NULL, fuzz_quiet_child)
#endif
#endif
#ifndef FUZZ_QUIET_CHILD
#define FUZZ_QUIET_CHILD() 0
#endif

/* One CPU engine for the whole session, as a long-running service would
 * use it. */
static cais_engine *fuzz_engine(void) {
  static cais_engine *engine;
  if (!engine) {
    cais_engine_config config;
    cais_engine_config_init(&config);
    config.device = CAIS_DEVICE_CPU;
    config.num_threads = 1;
    config.on_message = quiet;
    cais_error err;
    if (cais_engine_create(&config, &engine, &err) != CAIS_OK) {
      fprintf(stderr, "fuzz: cannot create an engine: %s\n", err.message);
      abort();
    }
  }
  return engine;
}

static uint32_t fnv1a(const uint8_t *data, size_t size) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 16777619u;
  return h;
}

/* Options from a hash of the input, so every input is deterministic and
 * the corpus covers all modes. */
static void fuzz_options(uint32_t h, cais_options *o, double nm[2]) {
  static const double sparsity[] = {0.0, 0.5, 0.75, 1.0};
  static const double nm_pairs[][2] = {{2, 4}, {1, 3}, {4, 4}, {0, 2}};
  static const int nbits[] = {1, 2, 3, 4, 6, 8};
  cais_options_init(o);
  o->weight_num_threshold = (h & 1) ? 0 : 8;
  o->in_place = (h >> 1) & 1;
  switch ((h >> 2) % 3) {
    case 0: o->target_sparsity = sparsity[(h >> 4) % 4]; break;
    case 1:
      o->target_sparsity = sparsity[(h >> 4) % 4];
      o->block_size = 2 + (h >> 6) % 3;
      break;
    default:
      o->target_sparsity_set = false;
      nm[0] = nm_pairs[(h >> 4) % 4][0];
      nm[1] = nm_pairs[(h >> 4) % 4][1];
      o->n_m_ratio = nm;
      o->n_m_ratio_len = 2;
      break;
  }
  unsigned joint = (h >> 8) % 7;
  if (joint >= 1 && joint <= 4) o->quantize_dtype = (cais_quantize_dtype)joint;
  if (joint == 5) o->palettize_nbits = nbits[(h >> 11) % 6];
}

static bool fuzz_reads_back(const fuzz_buffer *b, const char *what, cais_error *err) {
  cais_program *again = NULL;
  if (cais_program_read_memory(b->data, b->len, what, &again, err) != CAIS_OK)
    return false;
  cais_program_destroy(again);
  return true;
}

/* Whether `p` printed in `format` reads back.  MLIR's bytecode reader
 * accepts IR its text parser rejects (an op name with a NUL, a tensor of
 * tensors, a duplicate dictionary key), so a program read from bytecode
 * may not survive being written as text through no fault of ours: the
 * output is only required to read back when the input does. */
static bool fuzz_round_trips(cais_program *p, int bytecode) {
  fuzz_buffer b = fuzz_print(p, bytecode);
  cais_error err;
  bool ok = !b.failed && fuzz_reads_back(&b, "input", &err);
  free(b.data);
  return ok;
}

static void fuzz_check_output(cais_program *result, int bytecode) {
  fuzz_buffer b = fuzz_print(result, bytecode);
  cais_error err;
  if (!b.failed && !fuzz_reads_back(&b, bytecode ? "bytecode" : "text", &err)) {
    fprintf(stderr, "fuzz: the %s output does not read back: %s\n",
            bytecode ? "bytecode" : "text", err.message);
    abort();
  }
  free(b.data);
}

/* Returns 0 always (libFuzzer's convention); problems abort. */
static void fuzz_init(void) {
  static bool done;
  if (done) return;
  done = true;
  (void)FUZZ_QUIET_CHILD();
  /* A few bytes of text can declare a splat of gigabytes: the memory
   * budget (engine/memory_budget.h) must refuse it, well below the
   * fuzzer's own limits. */
  setenv("CAIS_MEMORY_LIMIT", "256M", 0);
}

int cais_fuzz_one(const uint8_t *data, size_t size) {
  fuzz_init();
  cais_program *program = NULL;
  cais_error err;
  /* Bytecode MLIR's reader would crash on is refused in a child process,
   * as the CLI does (parse_probe.h); that is MLIR's bug, not a finding. */
  if (cais_program_probe_memory(data, size, "fuzz", &err) != CAIS_OK ||
      cais_program_read_memory(data, size, "fuzz", &program, &err) != CAIS_OK) {
    if (!err.message[0]) abort(); /* a failure must always say why */
    return 0;
  }
  bool text_ok = fuzz_round_trips(program, 0);
  bool bytecode_ok = fuzz_round_trips(program, 1);
  cais_options options;
  double nm[2];
  fuzz_options(fnv1a(data, size), &options, nm);

  fuzz_buffer before = {0};
  if (!options.in_place) before = fuzz_print(program, 0);

  cais_program *result = NULL;
  cais_report *report = NULL;
  cais_status st =
      cais_engine_sparsify(fuzz_engine(), program, &options, &result, &report, &err);
  if (st != CAIS_OK && !err.message[0]) abort();
  if (st == CAIS_OK) {
    if (text_ok) fuzz_check_output(result, 0);
    if (bytecode_ok) fuzz_check_output(result, 1);
    cais_report_destroy(report);
    if (result != program) cais_program_destroy(result);
  }
  if (!options.in_place && !before.failed) {
    fuzz_buffer after = fuzz_print(program, 0);
    if (!after.failed &&
        (after.len != before.len || memcmp(after.data, before.data, after.len))) {
      fprintf(stderr, "fuzz: a run that is not in place changed its input\n");
      abort();
    }
    free(after.data);
  }
  free(before.data);
  cais_program_destroy(program);
  return 0;
}
