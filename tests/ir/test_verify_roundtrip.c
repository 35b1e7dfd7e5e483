/* test_verify_roundtrip.c -- compress a varied program with every pruning
 * mode and joint compression and check that cais_verify_programs finds no
 * violation: the verifier and the compressor agree on the spec.
 *
 * The program mixes f16, bf16 and f32 weights of ranks 1 to 4 read by
 * batch_matmul (as x and as y), a transpose feeding a broadcasting matmul,
 * conv2d and gather_nd, plus weights that must be left alone or skipped: too
 * small, read by another op, non-finite, all zero, mostly zero, with many
 * ties. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/float_formats.h"
#include "test_verify_support.h"

typedef enum { FILL_NORMAL, FILL_TIES, FILL_ZEROS, FILL_ALL_ZERO, FILL_NONFINITE } fill_kind;

typedef struct weight_spec {
  const char *name;
  cais_float_type type;
  int rank;
  int64_t shape[4];
  const char *use; /* mm_y, mm_x, transpose, conv, gather, add */
  fill_kind fill;
} weight_spec;

static const weight_spec kWeights[] = {
    {"mm_y", CAIS_FLOAT_F16, 2, {32, 48}, "mm_y", FILL_NORMAL},
    {"mm_x", CAIS_FLOAT_BF16, 2, {24, 40}, "mm_x", FILL_NORMAL},
    {"tr", CAIS_FLOAT_F16, 2, {40, 32}, "transpose", FILL_NORMAL},
    {"conv", CAIS_FLOAT_F32, 4, {16, 8, 3, 3}, "conv", FILL_NORMAL},
    {"emb", CAIS_FLOAT_BF16, 2, {64, 18}, "gather", FILL_TIES},
    {"small", CAIS_FLOAT_F16, 2, {8, 8}, "mm_y", FILL_NORMAL},
    {"vec", CAIS_FLOAT_F32, 1, {300}, "mm_y", FILL_NORMAL},
    {"other", CAIS_FLOAT_F16, 2, {32, 32}, "add", FILL_NORMAL},
    {"inf", CAIS_FLOAT_F16, 2, {16, 16}, "mm_y", FILL_NONFINITE},
    {"zero", CAIS_FLOAT_F16, 2, {16, 16}, "mm_y", FILL_ALL_ZERO},
    {"sparse", CAIS_FLOAT_F32, 3, {4, 10, 12}, "mm_y", FILL_ZEROS},
};
#define NWEIGHTS (sizeof kWeights / sizeof *kWeights)

static uint32_t value_bits(const weight_spec *w, uint64_t *rng, int64_t i) {
  double x;
  switch (w->fill) {
    case FILL_TIES: x = (double)((int)(cais_test_uniform(rng) * 9) - 4) / 8.0; break;
    case FILL_ZEROS: x = cais_test_uniform(rng) < 0.6 ? 0.0 : cais_test_normal(rng); break;
    case FILL_ALL_ZERO: x = 0.0; break;
    case FILL_NONFINITE: x = i == 37 ? INFINITY : cais_test_normal(rng); break;
    case FILL_NORMAL:
    default: x = cais_test_normal(rng) * 0.05; break;
  }
  return cais_double_to_float_bits(x, w->type);
}

static void type_text(const weight_spec *w, char *buf, size_t size) {
  size_t n = (size_t)snprintf(buf, size, "tensor<");
  for (int d = 0; d < w->rank; d++) n += (size_t)snprintf(buf + n, size - n, "%lldx", (long long)w->shape[d]);
  snprintf(buf + n, size - n, "%s>", cais_float_type_name(w->type));
}

static char *build_program(void) {
  uint64_t rng = 12345;
  tv_buf body = {0}, res = {0};
  tv_printf(&body,
            "module {\n  \"coreai.graph\"() <{sym_name = \"main\"}> ({\n"
            "  ^bb0(%%x: tensor<1xf32>):\n");
  for (size_t k = 0; k < NWEIGHTS; k++) {
    const weight_spec *w = &kWeights[k];
    char t[128];
    type_text(w, t, sizeof t);
    tv_printf(&body,
              "    %%w%zu = \"coreai.constant\"() <{value = dense_resource<%s_blob> : %s}> : () "
              "-> %s loc(\"%s\")\n",
              k, w->name, t, t, w->name);
    if (!strcmp(w->use, "mm_y"))
      tv_printf(&body, "    %%u%zu = \"coreai.batch_matmul\"(%%x, %%w%zu) : (tensor<1xf32>, %s) -> tensor<1xf32>\n", k, k, t);
    else if (!strcmp(w->use, "mm_x"))
      tv_printf(&body, "    %%u%zu = \"coreai.batch_matmul\"(%%w%zu, %%x) : (%s, tensor<1xf32>) -> tensor<1xf32>\n", k, k, t);
    else if (!strcmp(w->use, "transpose")) {
      tv_printf(&body, "    %%p%zu = \"coreai.constant\"() <{value = dense<[1, 0]> : tensor<2xui32>}> : () -> tensor<2xui32>\n", k);
      tv_printf(&body, "    %%t%zu = \"coreai.transpose\"(%%w%zu, %%p%zu) : (%s, tensor<2xui32>) -> tensor<1xf32>\n", k, k, k, t);
      tv_printf(&body, "    %%u%zu = \"coreai.decomposable.broadcasting_batch_matmul\"(%%x, %%t%zu) : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>\n", k, k);
    } else if (!strcmp(w->use, "conv"))
      tv_printf(&body, "    %%u%zu = \"coreai.conv2d\"(%%x, %%w%zu) : (tensor<1xf32>, %s) -> tensor<1xf32>\n", k, k, t);
    else if (!strcmp(w->use, "gather"))
      tv_printf(&body, "    %%u%zu = \"coreai.gather_nd\"(%%w%zu, %%x) : (%s, tensor<1xf32>) -> tensor<1xf32>\n", k, k, t);
    else
      tv_printf(&body, "    %%u%zu = \"coreai.add\"(%%w%zu, %%x) : (%s, tensor<1xf32>) -> tensor<1xf32>\n", k, k, t);

    int64_t numel = 1;
    for (int d = 0; d < w->rank; d++) numel *= w->shape[d];
    size_t bytes = cais_float_type_size(w->type);
    tv_printf(&res, "%s      %s_blob: \"0x04000000", k ? ",\n" : "", w->name);
    for (int64_t i = 0; i < numel; i++) {
      uint32_t b = value_bits(w, &rng, i);
      for (size_t j = 0; j < bytes; j++) tv_printf(&res, "%02X", (unsigned)(b >> (8 * j)) & 0xFF);
    }
    tv_printf(&res, "\"");
  }
  tv_printf(&body, "    \"coreai.output\"(%%x) : (tensor<1xf32>) -> ()\n  }) : () -> ()\n}\n");
  tv_printf(&body, "{-#\n  dialect_resources: {\n    builtin: {\n%s\n    }\n  }\n#-}\n", res.data);
  free(res.data);
  return body.data;
}

typedef struct mode {
  const char *name;
  double sparsity; /* < 0: n:m */
  int64_t block;
  double n, m;
} mode;

static const mode kModes[] = {
    {"magnitude 0.5", 0.5, 0, 0, 0}, {"magnitude 0.3", 0.3, 0, 0, 0},
    {"magnitude 0", 0.0, 0, 0, 0},   {"block 2 @0.5", 0.5, 2, 0, 0},
    {"block 4 @0.7", 0.7, 4, 0, 0},  {"n:m 2:4", -1, 0, 2, 4},
    {"n:m 3:8", -1, 0, 3, 8},        {"n:m 1:3", -1, 0, 1, 3},
};

typedef struct joint {
  cais_quantize_dtype dtype;
  int nbits;
} joint;

static const joint kJoints[] = {
    {CAIS_QUANTIZE_NONE, 0},     {CAIS_QUANTIZE_INT8, 0},       {CAIS_QUANTIZE_UINT8, 0},
    {CAIS_QUANTIZE_FP8_E4M3FN, 0}, {CAIS_QUANTIZE_FP8_E5M2, 0}, {CAIS_QUANTIZE_NONE, 1},
    {CAIS_QUANTIZE_NONE, 2},     {CAIS_QUANTIZE_NONE, 3},       {CAIS_QUANTIZE_NONE, 4},
    {CAIS_QUANTIZE_NONE, 6},     {CAIS_QUANTIZE_NONE, 8},
};

static void quiet(void *user, cais_severity severity, const char *subject, const char *text) {
  (void)user;
  (void)severity;
  (void)subject;
  (void)text;
}

static void test_roundtrip_all_modes(void **state) {
  (void)state;
  char *text = build_program();
  cais_program *orig = tv_parse(text, "roundtrip.mlir");
  assert_non_null(orig);
  cais_engine_config cfg;
  cais_engine_config_init(&cfg);
  cfg.device = CAIS_DEVICE_CPU;
  cfg.on_message = quiet;
  cais_engine *engine = NULL;
  cais_error err;
  assert_int_equal(cais_engine_create(&cfg, &engine, &err), CAIS_OK);
  size_t failures = 0;
  for (size_t mi = 0; mi < sizeof kModes / sizeof *kModes; mi++)
    for (size_t ji = 0; ji < sizeof kJoints / sizeof *kJoints; ji++) {
      const mode *md = &kModes[mi];
      cais_options o;
      cais_options_init(&o);
      o.weight_num_threshold = 100;
      double nm[2] = {md->n, md->m};
      if (md->sparsity < 0) {
        o.target_sparsity_set = false;
        o.n_m_ratio = nm;
        o.n_m_ratio_len = 2;
      } else {
        o.target_sparsity = md->sparsity;
        o.block_size = md->block;
      }
      o.quantize_dtype = kJoints[ji].dtype;
      o.palettize_nbits = kJoints[ji].nbits;
      /* In place on a fresh copy: the result is `work` itself. */
      o.in_place = true;
      cais_program *work = tv_parse(text, "roundtrip.mlir");
      cais_program *comp = NULL;
      cais_status st = cais_engine_sparsify(engine, work, &o, &comp, NULL, &err);
      if (st != CAIS_OK) {
        cais_program_destroy(work);
        fprintf(stderr, "%s / %s %d: sparsify failed: %s\n", md->name,
                cais_quantize_dtype_name(kJoints[ji].dtype), kJoints[ji].nbits, err.message);
        failures++;
        continue;
      }
      char *out = NULL;
      size_t size = 0;
      FILE *f = open_memstream(&out, &size);
      cais_verify_summary s;
      st = cais_verify_programs(orig, comp, &o, f, &s, &err);
      fclose(f);
      if (st != CAIS_OK || s.violations || s.weights != NWEIGHTS) {
        fprintf(stderr, "%s / %s %d:\n%s%s\n", md->name,
                cais_quantize_dtype_name(kJoints[ji].dtype), kJoints[ji].nbits, out,
                st != CAIS_OK ? err.message : "");
        failures++;
      } else if (getenv("CAIS_TEST_VERBOSE")) {
        fputs(out, stderr);
      }
      free(out);
      /* inspect reads what verify read. */
      f = fopen("/dev/null", "w");
      st = cais_inspect_program(comp, f, &err);
      fclose(f);
      if (st != CAIS_OK) {
        fprintf(stderr, "inspect failed: %s\n", err.message);
        failures++;
      }
      cais_program_destroy(comp);
    }
  cais_engine_destroy(engine);
  cais_program_destroy(orig);
  free(text);
  assert_int_equal(failures, 0);
}

/* The compressed program written to a file and read back (text and
 * bytecode) still verifies: locations and blobs survive. */
static void test_roundtrip_through_files(void **state) {
  (void)state;
  char *text = build_program();
  cais_program *orig = tv_parse(text, "roundtrip.mlir");
  assert_non_null(orig);
  char *dir = cais_test_mkdtemp();
  assert_non_null(dir);
  cais_options o;
  cais_options_init(&o);
  o.weight_num_threshold = 100;
  o.palettize_nbits = 4;
  cais_error err;
  o.in_place = true;
  cais_program *work = tv_parse(text, "roundtrip.mlir");
  cais_program *comp = NULL;
  cais_engine_config cfg;
  cais_engine_config_init(&cfg);
  cfg.device = CAIS_DEVICE_CPU;
  cfg.on_message = quiet;
  cais_engine *engine = NULL;
  assert_int_equal(cais_engine_create(&cfg, &engine, &err), CAIS_OK);
  assert_int_equal(cais_engine_sparsify(engine, work, &o, &comp, NULL, &err), CAIS_OK);
  const cais_format formats[2] = {CAIS_FORMAT_TEXT, CAIS_FORMAT_BYTECODE};
  for (int k = 0; k < 2; k++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/out%d.mlir", dir, k);
    assert_int_equal(cais_program_write_file(comp, path, formats[k], &err), CAIS_OK);
    cais_program *back = NULL;
    assert_int_equal(cais_program_read_file(path, &back, &err), CAIS_OK);
    cais_verify_summary s;
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    assert_int_equal(cais_verify_programs(orig, back, &o, f, &s, &err), CAIS_OK);
    fclose(f);
    if (s.violations) fputs(out, stderr);
    assert_int_equal(s.violations, 0);
    assert_true(s.chains > 0);
    free(out);
    cais_program_destroy(back);
  }
  cais_program_destroy(comp);
  cais_engine_destroy(engine);
  cais_program_destroy(orig);
  /* (cais_test_rmtree overflows its command buffer: clean up by hand.) */
  for (int k = 0; k < 2; k++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/out%d.mlir", dir, k);
    unlink(path);
  }
  rmdir(dir);
  free(dir);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip_all_modes),
      cmocka_unit_test(test_roundtrip_through_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
