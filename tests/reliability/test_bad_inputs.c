/* test_bad_inputs.c -- every kind of bad input gets exit status 1 (2 for
 * bad options) and a message that says what is wrong and where (file,
 * line:column for text, the weight's name), never a crash, and leaves no
 * output behind.  The files are in tests/data/bad_inputs (README.md there);
 * empty, garbage and truncated inputs are made here.  Cases test_cli.c
 * already covers (a missing file, a broken dense list, a path below a
 * regular file, the upstream option messages) are not repeated. */
#include "reliability_support.h"

#include "caisparse.h"
#include <mlir-c/BuiltinAttributes.h>
#include <mlir-c/BuiltinTypes.h>
#include "read_ir/parse_probe.h"

/* The output lacks `text` (e.g. the bytecode reader's useless ":0:0"). */
static void expect_cli_lacks(const char *text, const char *fmt, ...) {
  char args[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  char *out = NULL;
  sh(&out, "'%s' %s", cais_test_cli(), args);
  if (strstr(out, text)) fail_msg("`cai-sparsify %s` says \"%s\":\n%s", args, text, out);
  free(out);
}

/* `text` has "<name>:<line>:<col>: " somewhere. */
static bool has_line_col(const char *text, const char *name) {
  for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
    unsigned line, col;
    char colon;
    if (sscanf(p + strlen(name), ":%u:%u%c", &line, &col, &colon) == 3 && colon == ':' &&
        line > 0)
      return true;
  }
  return false;
}

static void test_empty_and_garbage(void **s) {
  (void)s;
  cais_test_write_file(in_dir("empty.mlir"), "", 0);
  expect_cli(1, "empty.mlir: empty file", "empty.mlir -o out.mlir");
  cais_test_write_file(in_dir("empty.mlirbc"), "", 0);
  expect_cli(1, "empty.mlirbc: empty file", "--inspect empty.mlirbc");

  unsigned char junk[3000];
  uint64_t rng = 7;
  for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)cais_test_rand(&rng);
  junk[10] = 0;
  cais_test_write_file(in_dir("garbage.bin"), junk, sizeof junk);
  expect_cli(1, "garbage.bin: not an MLIR program", "garbage.bin -o out.mlir");
  /* garbage behind the bytecode magic */
  memcpy(junk, "ML\xefR", 4);
  cais_test_write_file(in_dir("garbage.mlirbc"), junk, sizeof junk);
  expect_cli(1, "garbage.mlirbc: ", "garbage.mlirbc -o out.mlir");
  expect_cli_lacks(":0:0", "garbage.mlirbc -o out.mlir");
  /* text that is not MLIR: the parser's line:column */
  cais_test_write_file(in_dir("prose.mlir"), "hello\nworld\n", 12);
  char *out = NULL;
  assert_int_equal(sh(&out, "'%s' prose.mlir -o out.mlir", cais_test_cli()), 1);
  assert_true(has_line_col(out, "prose.mlir"));
  free(out);
  assert_false(exists("out.mlir"));
  expect_no_temp_files();
}

/* A program cut short: text names the line and column where it stops. */
static void test_truncated_files(void **s) {
  (void)s;
  size_t n;
  char *text = cais_test_read_file(LINEAR, &n);
  assert_non_null(text);
  const char *cut = strstr(text, "coreai.transpose");
  assert_non_null(cut);
  cais_test_write_file(in_dir("trunc.mlir"), text, (size_t)(cut - text));
  free(text);
  char *out = NULL;
  assert_int_equal(sh(&out, "'%s' trunc.mlir -o out.mlir", cais_test_cli()), 1);
  if (!has_line_col(out, "trunc.mlir")) fail_msg("no line:column:\n%s", out);
  free(out);

  /* bytecode, cut at several points */
  expect_cli(0, NULL, "-q --weight-num-threshold 1000000 --emit bytecode '%s' -o whole.mlirbc",
             LINEAR);
  char *bc = cais_test_read_file(in_dir("whole.mlirbc"), &n);
  assert_non_null(bc);
  size_t cuts[] = {5, 20, n / 4, n / 2, n - 40, n - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    cais_test_write_file(in_dir("trunc.mlirbc"), bc, cuts[i]);
    expect_cli(1, "trunc.mlirbc: ", "trunc.mlirbc -o out.mlir");
    expect_cli_lacks(":0:0", "trunc.mlirbc -o out.mlir");
  }
  free(bc);
  assert_false(exists("out.mlir"));
  expect_no_temp_files();
}

/* Text nested deeper than MLIR's recursive parser can take (a 400 KB file
 * of brackets overflowed its stack): refused with line:column; moderate
 * nesting still reads. */
static void write_nested(const char *name, int levels) {
  const char *head = "module {\n  \"coreai.graph\"() <{function_type = () -> (), "
                     "sym_name = \"main\", deep = ";
  const char *tail = "}> ({\n  }) : () -> ()\n}\n";
  size_t n = strlen(head) + 2 * (size_t)levels + strlen(tail);
  char *text = malloc(n + 1);
  char *p = text + sprintf(text, "%s", head);
  memset(p, '[', (size_t)levels);
  memset(p + levels, ']', (size_t)levels);
  strcpy(p + 2 * levels, tail);
  cais_test_write_file(in_dir(name), text, n);
  free(text);
}

static void test_deep_nesting(void **s) {
  (void)s;
  write_nested("deep.mlir", 200000);
  expect_cli(1, "deep.mlir:2:583: nested more than 512 levels deep", "deep.mlir -o out.mlir");
  write_nested("nested.mlir", 100);
  expect_cli(0, NULL, "-q nested.mlir -o out.mlir");
  /* in memory too */
  size_t n;
  char *text = cais_test_read_file(in_dir("deep.mlir"), &n);
  cais_program *p = NULL;
  cais_error err;
  assert_int_equal(cais_program_read_memory(text, n, "mem.mlir", &p, &err),
                   CAIS_ERROR_INVALID_INPUT);
  assert_non_null(strstr(err.message, "mem.mlir:2:583: nested more than"));
  free(text);
}

/* Every prefix of a valid program either reads or fails with a message
 * that names the source (and line:column for text); none crashes. */
static void check_prefixes(const char *data, size_t size, const char *name,
                           size_t stride, bool text) {
  size_t failed = 0;
  for (size_t len = 0; len < size; len += stride) {
    cais_program *p = NULL;
    cais_error err;
    memset(&err, 0, sizeof err);
    cais_status st = cais_program_probe_memory(data, len, name, &err);
    if (st == CAIS_OK) st = cais_program_read_memory(data, len, name, &p, &err);
    if (st == CAIS_OK) {
      cais_program_destroy(p);
      continue;
    }
    failed++;
    if (!strstr(err.message, name))
      fail_msg("%s cut at %zu: message does not name it: %s", name, len, err.message);
    if (text && len > 0 && !has_line_col(err.message, name) && !strstr(err.message, "empty"))
      fail_msg("%s cut at %zu: no line:column: %s", name, len, err.message);
    if (!text && strstr(err.message, ":0:0"))
      fail_msg("%s cut at %zu: says :0:0: %s", name, len, err.message);
  }
  assert_true(failed > 0);
}

static void test_every_truncation(void **s) {
  (void)s;
  size_t n;
  char *text = cais_test_read_file(LINEAR, &n);
  check_prefixes(text, n, "linear.mlir", 1, true);
  free(text);
  expect_cli(0, NULL, "-q --weight-num-threshold 1000000 --emit bytecode '%s' -o whole.mlirbc",
             LINEAR);
  char *bc = cais_test_read_file(in_dir("whole.mlirbc"), &n);
  check_prefixes(bc, n, "linear.mlirbc", 3, false);
  free(bc);
}

static void test_resource_blobs(void **s) {
  (void)s;
  expect_cli(1, "missing_blob.mlir: proj.weight: dense_resource<proj_weight> has no data",
             "'" BAD_DIR "/missing_blob.mlir' -o out.mlir");
  expect_cli(1, "proj.weight: dense_resource<proj_weight> holds 6 bytes but its type needs 256",
             "'" BAD_DIR "/short_blob.mlir' -o out.mlir");
  /* not ours to compress, but the program is broken all the same */
  expect_cli(1, "ids: dense_resource<token_ids> has no data",
             "'" BAD_DIR "/missing_blob_int.mlir' -o out.mlir");
  assert_false(exists("out.mlir"));
  expect_no_temp_files();
}

static void test_shapes(void **s) {
  (void)s;
  /* zero elements: valid, never eligible */
  expect_cli(0, NULL, "-q --weight-num-threshold 0 --report r.json '" BAD_DIR
                      "/zero_size.mlir' -o zero.mlir");
  char *json = cais_test_read_file(in_dir("r.json"), NULL);
  assert_non_null(json);
  assert_non_null(strstr(json, "\"outcome\": \"not_eligible\""));
  free(json);
  expect_cli(1, "huge.weight: tensor<4294967296x4294967296x16xf16> has too many elements",
             "'" BAD_DIR "/enormous_shape.mlir' -o out.mlir");
  /* 2 TiB declared in one line: refused before anything is allocated */
  expect_cli(1, "nothing was changed", "'" BAD_DIR "/enormous_splat.mlir' -o out.mlir");
  copy_in(BAD_DIR "/enormous_splat.mlir", "splat.mlir");
  expect_cli(1, "needs about", "--in-place splat.mlir");
  assert_true(same_bytes(in_dir("splat.mlir"), BAD_DIR "/enormous_splat.mlir"));
  assert_false(exists("out.mlir"));
  expect_no_temp_files();
}

static void test_constants(void **s) {
  (void)s;
  expect_cli(1, "no_value.mlir:4:10: coreai.constant has no `value` attribute",
             "'" BAD_DIR "/no_value.mlir' -o out.mlir");
  expect_cli(1, "proj.weight: the value's type tensor<8x16xf16> does not match",
             "'" BAD_DIR "/type_mismatch.mlir' -o out.mlir");
  assert_false(exists("out.mlir"));

  /* integer and f64 constants are never compressed, whatever their users */
  expect_cli(0, NULL, "-q --weight-num-threshold 0 '" BAD_DIR "/non_float.mlir' -o nf.mlir");
  char *text = cais_test_read_file(in_dir("nf.mlir"), NULL);
  assert_non_null(strstr(text, "dense<7> : tensor<64x64xsi32>"));
  assert_non_null(strstr(text, "tensor<64x64xf64>"));
  assert_null(strstr(text, "sparse_with_bitmask"));
  free(text);

  /* NaN / Inf: a warning naming the weight; the weight stays as it was */
  expect_cli(0, "warning: proj.weight: contains 3 non-finite values",
             "--weight-num-threshold 0 '" BAD_DIR "/non_finite.mlir' -o nan.mlir");
  text = cais_test_read_file(in_dir("nan.mlir"), NULL);
  assert_null(strstr(text, "sparse_with_bitmask"));
  free(text);
  expect_no_temp_files();
}

/* Out-of-range options test_cli.c does not try: exit 2, naming the
 * option, before any file is read. */
static void test_options_out_of_range(void **s) {
  (void)s;
  static const char *const cases[][2] = {
      {"--target-sparsity -0.1", "--target-sparsity"},
      {"--target-sparsity 1e999", "--target-sparsity"},
      {"--target-sparsity inf", "--target-sparsity"},
      {"--weight-num-threshold -1", "--weight-num-threshold"},
      {"--weight-num-threshold 1e3", "--weight-num-threshold"},
      {"--weight-num-threshold 99999999999999999999", "--weight-num-threshold"},
      {"--threads 0", "--threads"},
      {"--threads 100000", "--threads"},
      {"--block-size 0", "--block-size"},
      {"--block-size 99999999999999999999", "--block-size"},
      {"--n-m 3:-4", "--n-m"},
      {"--n-m 1e300:1e300", "--n-m"},
      {"--n-m 2:4:", "--n-m"},
      {"--n-m :", "--n-m"},
      {"--palettize-nbits 0", "--palettize-nbits"},
      {"--palettize-nbits 16", "--palettize-nbits"},
      {"--quantize-dtype=", "--quantize-dtype"},
      {"--report=", "--report"},
      {"--report out.mlir", "--report"}, /* would replace the output */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    expect_cli(2, cases[i][1], "%s missing-input.mlir -o out.mlir", cases[i][0]);
  expect_cli(2, "-o", "'%s' -o ''", LINEAR);
  assert_false(exists("out.mlir"));
}

/* Bytecode on which MLIR 19's own reader crashes, aborts or allocates
 * gigabytes (found by fuzzing; mlir-opt fails the same way): refused with
 * a message in every mode, the process never dies. */
static void test_mlir_bytecode_bugs(void **s) {
  (void)s;
  char *list = NULL;
  assert_int_equal(sh(&list, "ls '%s/mlir_bytecode'", BAD_DIR), 0);
  int files = 0;
  for (char *name = strtok(list, "\n"); name; name = strtok(NULL, "\n")) {
    char path[1024];
    snprintf(path, sizeof path, "'%s/mlir_bytecode/%s'", BAD_DIR, name);
    expect_cli(1, "corrupt", "%s -o out.mlir", path);
    expect_cli(1, "corrupt", "--inspect %s", path);
    expect_cli(1, "corrupt", "--verify '%s' %s", LINEAR, path);
    files++;
  }
  free(list);
  assert_true(files >= 5);
  assert_false(exists("out.mlir"));
  expect_no_temp_files();
}

/* A shape with negative sizes (only corrupt bytecode has one; here made
 * through the C API): two of them would multiply into a plausible count. */
static MlirWalkResult find_weight(MlirOperation op, void *user) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  if (name.length == 15 && memcmp(name.data, "coreai.constant", 15) == 0 &&
      mlirOperationGetNumResults(op) == 1 &&
      mlirShapedTypeGetRank(mlirValueGetType(mlirOperationGetResult(op, 0))) == 2) {
    *(MlirOperation *)user = op;
  }
  return MlirWalkResultAdvance;
}

static void test_negative_dimensions(void **s) {
  (void)s;
  cais_program *p = NULL, *out = NULL;
  cais_error err;
  assert_int_equal(cais_program_read_file(LINEAR, &p, &err), CAIS_OK);
  MlirOperation weight = {NULL};
  mlirOperationWalk(mlirModuleGetOperation(cais_program_module(p)), find_weight, &weight,
                    MlirWalkPreOrder);
  assert_non_null(weight.ptr);
  MlirValue v = mlirOperationGetResult(weight, 0);
  int64_t shape[2] = {-8, -16};
  MlirType f16 = mlirShapedTypeGetElementType(mlirValueGetType(v));
  mlirValueSetType(v, mlirRankedTensorTypeGet(2, shape, f16, mlirAttributeGetNull()));
  cais_options o;
  cais_options_init(&o);
  o.weight_num_threshold = 0;
  assert_int_equal(cais_sparsify_weights(p, &o, &out, NULL, &err), CAIS_ERROR_INVALID_INPUT);
  assert_non_null(strstr(err.message, "linear.weight: tensor<-8x-16xf16> has a negative dimension"));
  cais_program_destroy(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_and_garbage),
      cmocka_unit_test(test_truncated_files),
      cmocka_unit_test(test_every_truncation),
      cmocka_unit_test(test_resource_blobs),
      cmocka_unit_test(test_shapes),
      cmocka_unit_test(test_constants),
      cmocka_unit_test(test_options_out_of_range),
      cmocka_unit_test(test_mlir_bytecode_bugs),
      cmocka_unit_test(test_negative_dimensions),
      cmocka_unit_test(test_deep_nesting),
  };
  return cmocka_run_group_tests(tests, rel_setup, rel_teardown);
}
