/* test_library_api.c -- the library contract around a run: in_place
 * semantics (spec section 6, seed), invalid options touch nothing, the
 * report (names, outcomes, reasons, totals), one engine serving several
 * programs, wrapping a caller's module, and reading from memory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <unistd.h>

#include "caisparse.h"
#include "read_ir/mlir_capi_ext.h"
#include "read_ir/mlir_print.h"
#include "test_support.h"

#define TINY CAIS_SOURCE_DIR "/examples/tiny_transformer.mlir"

typedef struct text {
  char *buf;
  size_t len, cap;
} text;

static void append(MlirStringRef s, void *user) {
  text *t = user;
  if (t->len + s.length + 1 > t->cap) {
    t->cap = (t->len + s.length + 1) * 2;
    t->buf = realloc(t->buf, t->cap);
  }
  memcpy(t->buf + t->len, s.data, s.length);
  t->len += s.length;
  t->buf[t->len] = '\0';
}

/* The module as generic text with locations. */
static char *print_program(const cais_program *p) {
  text t = {0};
  MlirOpPrintingFlags f = mlirOpPrintingFlagsCreate();
  mlirOpPrintingFlagsEnableDebugInfo(f, true, false);
  mlirOpPrintingFlagsPrintGenericOpForm(f);
  mlirOperationPrintWithFlags(mlirModuleGetOperation(cais_program_module(p)), f, append, &t);
  mlirOpPrintingFlagsDestroy(f);
  return t.buf;
}

static cais_engine *cpu_engine(void) {
  cais_engine_config cfg;
  cais_engine_config_init(&cfg);
  cfg.device = CAIS_DEVICE_CPU;
  cais_engine *e = NULL;
  assert_int_equal(cais_engine_create(&cfg, &e, NULL), CAIS_OK);
  return e;
}

static void test_not_in_place_leaves_input_untouched(void **s) {
  (void)s;
  cais_program *in = NULL, *out = NULL;
  assert_int_equal(cais_program_read_file(TINY, &in, NULL), CAIS_OK);
  char *before = print_program(in);
  cais_options o;
  cais_options_init(&o);
  o.quantize_dtype = CAIS_QUANTIZE_INT8;
  cais_engine *e = cpu_engine();
  assert_int_equal(cais_engine_sparsify(e, in, &o, &out, NULL, NULL), CAIS_OK);
  assert_ptr_not_equal(out, in);
  char *after_in = print_program(in);
  assert_string_equal(before, after_in);
  char *result = print_program(out);
  assert_non_null(strstr(result, "coreai.blockwise_shift_scale"));
  assert_null(strstr(before, "coreai.blockwise_shift_scale"));
  /* the result outlives its input (shared context, reference counted) */
  cais_program_destroy(in);
  char *again = print_program(out);
  assert_string_equal(result, again);
  cais_program_destroy(out);
  cais_engine_destroy(e);
  free(before);
  free(after_in);
  free(result);
  free(again);
}

static void test_in_place_returns_the_same_program(void **s) {
  (void)s;
  cais_program *in = NULL, *out = NULL;
  assert_int_equal(cais_program_read_file(TINY, &in, NULL), CAIS_OK);
  cais_options o;
  cais_options_init(&o);
  o.in_place = true;
  assert_int_equal(cais_sparsify_weights(in, &o, &out, NULL, NULL), CAIS_OK);
  assert_ptr_equal(out, in);
  char *t = print_program(in);
  assert_non_null(strstr(t, "coreai.sparse_with_bitmask_to_dense"));
  free(t);
  cais_program_destroy(in);
}

static void test_invalid_options_touch_nothing(void **s) {
  (void)s;
  cais_program *in = NULL, *out = (cais_program *)0x1;
  cais_report *report = (cais_report *)0x1;
  assert_int_equal(cais_program_read_file(TINY, &in, NULL), CAIS_OK);
  char *before = print_program(in);
  cais_options o;
  cais_options_init(&o);
  o.in_place = true;
  o.block_size = 1;
  cais_error err;
  assert_int_equal(cais_sparsify_weights(in, &o, &out, &report, &err),
                   CAIS_ERROR_INVALID_OPTIONS);
  assert_non_null(strstr(err.message, "`block_size` must be greater than 1"));
  assert_ptr_equal(out, (cais_program *)0x1);
  assert_ptr_equal(report, (cais_report *)0x1);
  char *after = print_program(in);
  assert_string_equal(before, after);
  free(before);
  free(after);
  cais_program_destroy(in);
}

static void test_report_lists_every_float_constant(void **s) {
  (void)s;
  cais_program *in = NULL, *out = NULL;
  cais_report *r = NULL;
  assert_int_equal(cais_program_read_file(TINY, &in, NULL), CAIS_OK);
  cais_options o;
  cais_options_init(&o);
  o.palettize_nbits = 2;
  cais_engine *e = cpu_engine();
  assert_int_equal(cais_engine_sparsify(e, in, &o, &out, &r, NULL), CAIS_OK);
  const cais_report_totals *t = cais_report_totals_get(r);
  size_t n = cais_report_weight_count(r);
  assert_true(n >= 20);
  assert_int_equal(t->weights_compressed + t->weights_skipped + t->weights_not_eligible, n);
  bool saw_q = false, saw_norm = false, saw_positions = false;
  uint64_t before = 0, after = 0;
  for (size_t i = 0; i < n; i++) {
    const cais_weight_report *w = cais_report_weight(r, i);
    if (w->outcome == CAIS_WEIGHT_COMPRESSED) {
      before += w->bytes_before;
      after += w->bytes_after;
      assert_string_equal(w->joint, "palettize2");
      assert_string_equal(w->mode, "magnitude");
      assert_true(w->sparsity >= 0.5 - 1e-9);
      assert_true(w->relative_error > 0 && w->relative_error < 1);
      assert_true(w->bytes_after < w->bytes_before);
    }
    if (strcmp(w->name, "layers.0.attn.q_proj.weight") == 0) {
      saw_q = true;
      assert_int_equal(w->outcome, CAIS_WEIGHT_COMPRESSED);
      assert_int_equal(w->rank, 2);
      assert_int_equal(w->shape[0], 64);
      assert_string_equal(w->dtype, "f16");
      assert_int_equal(w->output_axis, 0); /* [out, in] through a transpose */
      assert_int_equal(w->input_axis, 1);
    }
    if (strcmp(w->name, "layers.0.attn_norm.weight") == 0) {
      saw_norm = true;
      assert_int_equal(w->outcome, CAIS_WEIGHT_NOT_ELIGIBLE);
      assert_non_null(strstr(w->reason, "weight_num_threshold"));
    }
    if (strcmp(w->name, "embed_positions.weight") == 0) {
      saw_positions = true; /* exactly 1024 elements: not "more than" 1024 */
      assert_int_equal(w->outcome, CAIS_WEIGHT_NOT_ELIGIBLE);
    }
  }
  assert_true(saw_q && saw_norm && saw_positions);
  assert_int_equal(before, t->bytes_before);
  assert_int_equal(after, t->bytes_after);
  char dir_path[600];
  char *dir = cais_test_mkdtemp();
  snprintf(dir_path, sizeof dir_path, "%s/r.json", dir);
  assert_int_equal(cais_report_write_json(r, dir_path, NULL), CAIS_OK);
  char *json = cais_test_read_file(dir_path, NULL);
  assert_non_null(strstr(json, "\"name\": \"layers.0.attn.q_proj.weight\""));
  free(json);
  cais_test_rmtree(dir);
  free(dir);
  cais_report_destroy(r);
  cais_program_destroy(out);
  cais_program_destroy(in);
  cais_engine_destroy(e);
}

static void test_one_engine_many_programs_same_bytes(void **s) {
  (void)s;
  cais_engine *e = cpu_engine();
  cais_options o;
  cais_options_init(&o);
  o.palettize_nbits = 4;
  char *first = NULL;
  for (int round = 0; round < 3; round++) {
    cais_program *in = NULL, *out = NULL;
    assert_int_equal(cais_program_read_file(TINY, &in, NULL), CAIS_OK);
    assert_int_equal(cais_engine_sparsify(e, in, &o, &out, NULL, NULL), CAIS_OK);
    char *t = print_program(out);
    if (!first)
      first = t;
    else {
      assert_string_equal(first, t);
      free(t);
    }
    cais_program_destroy(out);
    cais_program_destroy(in);
  }
  free(first);
  cais_engine_destroy(e);
}

static void test_wrap_and_memory(void **s) {
  (void)s;
  size_t n;
  char *bytes = cais_test_read_file(TINY, &n);
  cais_program *mem = NULL;
  assert_int_equal(cais_program_read_memory(bytes, n, "tiny.mlir", &mem, NULL), CAIS_OK);
  free(bytes); /* the program keeps its own copy */
  MlirContext ctx = mlirContextCreate();
  mlirContextSetAllowUnregisteredDialects(ctx, true);
  char *t = print_program(mem);
  MlirModule m = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(t));
  assert_false(mlirModuleIsNull(m));
  cais_program *wrapped = NULL, *out = NULL;
  assert_int_equal(cais_program_wrap_module(m, &wrapped, NULL), CAIS_OK);
  cais_options o;
  cais_options_init(&o);
  o.in_place = true;
  assert_int_equal(cais_sparsify_weights(wrapped, &o, &out, NULL, NULL), CAIS_OK);
  cais_program_destroy(wrapped); /* borrowed: the module survives */
  assert_true(mlirOperationVerify(mlirModuleGetOperation(m)));
  mlirModuleDestroy(m);
  mlirContextDestroy(ctx);
  free(t);
  cais_program_destroy(mem);

  /* a context that does not allow unregistered dialects is refused */
  MlirContext strict = mlirContextCreate();
  MlirModule empty = mlirModuleCreateEmpty(mlirLocationUnknownGet(strict));
  cais_error err;
  assert_int_equal(cais_program_wrap_module(empty, &wrapped, &err), CAIS_ERROR_INVALID_OPTIONS);
  assert_non_null(strstr(err.message, "unregistered"));
  mlirModuleDestroy(empty);
  mlirContextDestroy(strict);
}

/* cais_program_write_memory gives the bytes cais_program_write_file writes,
 * in both formats; bytecode carries every op's values as attributes (the
 * form Core AI's MLIR 22 reads) and reads back to the same program. */
static void test_write_memory_matches_file(void **s) {
  (void)s;
  cais_program *p = NULL, *out = NULL;
  assert_int_equal(cais_program_read_file(TINY, &p, NULL), CAIS_OK);
  cais_options o;
  cais_options_init(&o);
  o.quantize_dtype = CAIS_QUANTIZE_UINT8;
  assert_int_equal(cais_sparsify_weights(p, &o, &out, NULL, NULL), CAIS_OK);
  char *dir = cais_test_mkdtemp();
  char path[1024];
  for (int f = CAIS_FORMAT_TEXT; f <= CAIS_FORMAT_BYTECODE; f++) {
    snprintf(path, sizeof path, "%s/out%d", dir, f);
    assert_int_equal(cais_program_write_file(out, path, (cais_format)f, NULL), CAIS_OK);
    size_t file_size = 0, mem_size = 0;
    char *file = cais_test_read_file(path, &file_size);
    void *mem = NULL;
    assert_int_equal(cais_program_write_memory(out, (cais_format)f, &mem, &mem_size, NULL),
                     CAIS_OK);
    assert_int_equal(mem_size, file_size);
    assert_memory_equal(mem, file, file_size);
    if (f == CAIS_FORMAT_BYTECODE) {
      cais_program *back = NULL;
      assert_int_equal(cais_program_read_memory(mem, mem_size, "out.mlirbc", &back, NULL),
                       CAIS_OK);
      char *t_out = print_program(out), *t_back = print_program(back);
      /* The same program, every value now an attribute: `<{` is gone. */
      assert_null(strstr(t_back, "<{"));
      assert_non_null(strstr(t_out, "<{value = "));
      assert_non_null(strstr(t_back, "{value = "));
      assert_non_null(strstr(t_back, "function_type = "));
      assert_int_equal(mlirOperationVerify(mlirModuleGetOperation(cais_program_module(back))),
                       true);
      free(t_out);
      free(t_back);
      cais_program_destroy(back);
    }
    cais_free(mem);
    free(file);
  }
  cais_test_rmtree(dir);
  free(dir);
  cais_program_destroy(out);
  cais_program_destroy(p);
}

/* cais_program_write_fd writes the bytes cais_program_write_memory returns,
 * from the descriptor's current offset, leaving it open; a descriptor it
 * cannot write to is an I/O error that names the system's reason. */
static void test_write_fd_matches_memory(void **s) {
  (void)s;
  cais_program *p = NULL;
  assert_int_equal(cais_program_read_file(TINY, &p, NULL), CAIS_OK);
  char *dir = cais_test_mkdtemp();
  char path[1024];
  snprintf(path, sizeof path, "%s/fd.out", dir);
  for (int f = CAIS_FORMAT_TEXT; f <= CAIS_FORMAT_BYTECODE; f++) {
    void *mem = NULL;
    size_t mem_size = 0;
    assert_int_equal(cais_program_write_memory(p, (cais_format)f, &mem, &mem_size, NULL),
                     CAIS_OK);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "head", 4), 4); /* the program follows what is there */
    assert_int_equal(cais_program_write_fd(p, fd, (cais_format)f, NULL), CAIS_OK);
    assert_int_equal(write(fd, "tail", 4), 4); /* still open, offset after the program */
    assert_int_equal(close(fd), 0);
    size_t size = 0;
    char *file = cais_test_read_file(path, &size);
    assert_int_equal(size, mem_size + 8);
    assert_memory_equal(file, "head", 4);
    assert_memory_equal(file + 4, mem, mem_size);
    assert_memory_equal(file + 4 + mem_size, "tail", 4);
    free(file);
    cais_free(mem);
  }
  int ro = open(path, O_RDONLY);
  assert_true(ro >= 0);
  cais_error err;
  assert_int_equal(cais_program_write_fd(p, ro, CAIS_FORMAT_BYTECODE, &err), CAIS_ERROR_IO);
  assert_non_null(strstr(err.message, "descriptor"));
  assert_non_null(strstr(err.message, strerror(EBADF)));
  close(ro);
  assert_int_equal(cais_program_write_fd(p, -1, CAIS_FORMAT_BYTECODE, &err),
                   CAIS_ERROR_INVALID_OPTIONS);
  cais_test_rmtree(dir);
  free(dir);
  cais_program_destroy(p);
}

/* The first dense_resource blob of `p`'s first graph, or NULL. */
static const void *first_blob(const cais_program *p) {
  MlirOperation module = mlirModuleGetOperation(cais_program_module(p));
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(module, 0));
  MlirOperation graph = mlirBlockGetFirstOperation(body);
  MlirBlock gb = mlirRegionGetFirstBlock(mlirOperationGetRegion(graph, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(gb); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    MlirAttribute v = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value"));
    if (mlirAttributeIsNull(v)) continue;
    caisMlirBlob b = caisMlirDenseResourceElementsAttrGetBlob(v);
    if (b.present && b.size > 0) return b.data;
  }
  return NULL;
}

/* Borrowed bytecode is used in place (its blobs point into the caller's
 * bytes), never written to, and compresses to the same bytes as a copy. */
static void test_read_memory_borrowed(void **s) {
  (void)s;
  cais_program *p = NULL;
  assert_int_equal(cais_program_read_file(TINY, &p, NULL), CAIS_OK);
  void *bc = NULL;
  size_t n = 0;
  assert_int_equal(cais_program_write_memory(p, CAIS_FORMAT_BYTECODE, &bc, &n, NULL), CAIS_OK);
  cais_program_destroy(p);
  void *pristine = malloc(n);
  memcpy(pristine, bc, n);

  cais_program *borrowed = NULL, *copied = NULL;
  assert_int_equal(cais_program_read_memory_borrowed(bc, n, "b.mlirbc", &borrowed, NULL), CAIS_OK);
  assert_int_equal(cais_program_read_memory(bc, n, "b.mlirbc", &copied, NULL), CAIS_OK);
  const char *blob = first_blob(borrowed);
  assert_non_null(blob);
  assert_true(blob >= (const char *)bc && blob < (const char *)bc + n);
  const char *copied_blob = first_blob(copied);
  assert_true(copied_blob < (const char *)bc || copied_blob >= (const char *)bc + n);

  cais_options o;
  cais_options_init(&o);
  o.palettize_nbits = 4;
  cais_program *r1 = NULL, *r2 = NULL;
  assert_int_equal(cais_sparsify_weights(borrowed, &o, &r1, NULL, NULL), CAIS_OK);
  assert_int_equal(cais_sparsify_weights(copied, &o, &r2, NULL, NULL), CAIS_OK);
  void *b1 = NULL, *b2 = NULL;
  size_t n1 = 0, n2 = 0;
  assert_int_equal(cais_program_write_memory(r1, CAIS_FORMAT_BYTECODE, &b1, &n1, NULL), CAIS_OK);
  assert_int_equal(cais_program_write_memory(r2, CAIS_FORMAT_BYTECODE, &b2, &n2, NULL), CAIS_OK);
  assert_int_equal(n1, n2);
  assert_memory_equal(b1, b2, n1);
  cais_free(b1);
  cais_free(b2);
  cais_program_destroy(r1);
  cais_program_destroy(r2);
  cais_program_destroy(borrowed);
  cais_program_destroy(copied);
  assert_memory_equal(bc, pristine, n); /* never written to */
  free(pristine);
  cais_free(bc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_not_in_place_leaves_input_untouched),
      cmocka_unit_test(test_in_place_returns_the_same_program),
      cmocka_unit_test(test_invalid_options_touch_nothing),
      cmocka_unit_test(test_report_lists_every_float_constant),
      cmocka_unit_test(test_one_engine_many_programs_same_bytes),
      cmocka_unit_test(test_wrap_and_memory),
      cmocka_unit_test(test_write_memory_matches_file),
      cmocka_unit_test(test_write_fd_matches_memory),
      cmocka_unit_test(test_read_memory_borrowed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
