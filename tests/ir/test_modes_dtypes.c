/* test_modes_dtypes.c -- every pruning mode x joint compression x dtype on
 * generated transformer programs (examples/ generator), through the library:
 *  - `--verify` finds no violation (chains decode, pruning patterns hold,
 *    untouched constants identical, op chain types right);
 *  - every op that is not a weight or a chain op is unchanged (name,
 *    attributes, result types, operand count, order);
 *  - the result written as text and as bytecode re-parses with mlir-opt-19,
 *    and bytecode read back prints the same text (text <-> bytecode round
 *    trip), and the same program read from bytecode compresses to the same
 *    bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "caisparse.h"
#include "inspect/inspect.h"
#include "read_ir/mlir_print.h"
#include "select_weights/op_names.h"
#include "test_modes.h"
#include "test_support.h"

#define g_dir cais_test_dir

typedef struct op_list {
  char **lines;
  size_t count, cap;
} op_list;

static bool is_chain_or_constant(MlirOperation op) {
  return cais_op_is(op, CAIS_OP_CONSTANT) || cais_op_is(op, CAIS_OP_BUILD_SPARSE) ||
         cais_op_is(op, CAIS_OP_SPARSE_TO_DENSE) || cais_op_is(op, CAIS_OP_SHIFT_SCALE) ||
         cais_op_is(op, CAIS_OP_LUT_TO_DENSE);
}

/* One line per op that the rewrite must keep: name, operand count,
 * attributes and result types. */
static MlirWalkResult collect_op(MlirOperation op, void *user) {
  if (is_chain_or_constant(op)) return MlirWalkResultAdvance;
  op_list *l = user;
  char line[4096];
  size_t n = 0;
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  n += (size_t)snprintf(line + n, sizeof line - n, "%.*s/%ld", (int)name.length, name.data,
                        (long)mlirOperationGetNumOperands(op));
  for (intptr_t i = 0; i < mlirOperationGetNumAttributes(op) && n < sizeof line - 600; i++) {
    MlirNamedAttribute a = mlirOperationGetAttribute(op, i);
    MlirStringRef an = mlirIdentifierStr(a.name);
    char text[512];
    cais_print_attribute(a.attribute, text, sizeof text);
    n += (size_t)snprintf(line + n, sizeof line - n, " %.*s=%s", (int)an.length, an.data, text);
  }
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op) && n < sizeof line - 300; i++) {
    char t[256];
    cais_print_type(mlirValueGetType(mlirOperationGetResult(op, i)), t, sizeof t);
    n += (size_t)snprintf(line + n, sizeof line - n, " -> %s", t);
  }
  if (l->count == l->cap) l->lines = realloc(l->lines, (l->cap = l->cap ? 2 * l->cap : 256) * sizeof *l->lines);
  l->lines[l->count++] = strdup(line);
  return MlirWalkResultAdvance;
}

static op_list ops_of(const cais_program *p) {
  op_list l = {0};
  mlirOperationWalk(mlirModuleGetOperation(cais_program_module(p)), collect_op, &l,
                    MlirWalkPreOrder);
  return l;
}

static void free_ops(op_list *l) {
  for (size_t i = 0; i < l->count; i++) free(l->lines[i]);
  free(l->lines);
}

static void generate(const char *dtype, const char *format, char *path, size_t size) {
  char args[512], name[64];
  snprintf(args, sizeof args,
           "--model transformer --dtype %s --layers 2 --hidden 64 --ffn 96 --heads 4 "
           "--vocab 128 --seq 8 --seed 7 --format %s",
           dtype, format);
  snprintf(name, sizeof name, "tiny_%s.%s", dtype, strcmp(format, "text") ? "mlirbc" : "mlir");
  cais_test_generate(g_dir, args, name, path, size);
}

static const cais_test_mode kModes[] = {
    {"magnitude 0.5", 0.5, 0, {0, 0}},
    {"magnitude 0.83", 0.83, 0, {0, 0}},
    {"block 4 @0.5", 0.5, 4, {0, 0}},
    {"n:m 2:4", -1, 0, {2, 4}},
    {"n:m 3:7", -1, 0, {3, 7}},
};

static void check_reparses(const char *path) {
  char cmd[1024], *out = NULL;
  snprintf(cmd, sizeof cmd, "mlir-opt-19 --allow-unregistered-dialect '%s' -o /dev/null", path);
  int rc = cais_test_run(cmd, &out);
  if (rc != 0) fail_msg("mlir-opt-19 rejects %s: %s", path, out);
  free(out);
}

static void run_dtype(const char *dtype) {
  char text_in[512], code_in[512];
  generate(dtype, "text", text_in, sizeof text_in);
  generate(dtype, "bytecode", code_in, sizeof code_in);
  cais_error err;
  cais_program *original = NULL;
  assert_int_equal(cais_program_read_file(text_in, &original, &err), CAIS_OK);
  cais_program *original_bc = NULL;
  assert_int_equal(cais_program_read_file(code_in, &original_bc, &err), CAIS_OK);
  assert_int_equal(cais_program_source_format(original_bc), CAIS_FORMAT_BYTECODE);
  op_list before = ops_of(original);
  cais_engine_config cfg;
  cais_engine_config_init(&cfg);
  cfg.device = CAIS_DEVICE_CPU;
  cais_engine *engine = NULL;
  assert_int_equal(cais_engine_create(&cfg, &engine, &err), CAIS_OK);

  for (size_t mi = 0; mi < sizeof kModes / sizeof *kModes; mi++) {
    for (size_t ji = 0; ji < cais_test_joint_count; ji++) {
      const cais_test_mode *m = &kModes[mi];
      const cais_test_joint *j = &cais_test_joints[ji];
      cais_options opt;
      cais_test_options_for(m, j, 256, &opt);
      cais_program *out = NULL;
      cais_report *report = NULL;
      if (cais_engine_sparsify(engine, original, &opt, &out, &report, &err) != CAIS_OK)
        fail_msg("%s %s %s: %s", dtype, m->name, j->name, err.message);
      const cais_report_totals *t = cais_report_totals_get(report);
      if (t->weights_compressed < 10)
        fail_msg("%s %s %s: only %zu weights compressed", dtype, m->name, j->name,
                 t->weights_compressed);

      /* verify: decode every chain and check it against the original */
      char vpath[600];
      snprintf(vpath, sizeof vpath, "%s/verify.txt", g_dir);
      FILE *vout = fopen(vpath, "w");
      cais_verify_summary vs;
      assert_int_equal(cais_verify_programs(original, out, &opt, vout, &vs, &err), CAIS_OK);
      fclose(vout);
      if (vs.violations || vs.chains != t->weights_compressed) {
        char *text = cais_test_read_file(vpath, NULL);
        fail_msg("%s %s %s: %zu violations, %zu chains for %zu compressed:\n%s", dtype,
                 m->name, j->name, vs.violations, vs.chains, t->weights_compressed, text);
      }

      /* untouched ops */
      op_list after = ops_of(out);
      assert_int_equal(before.count, after.count);
      for (size_t i = 0; i < before.count; i++)
        if (strcmp(before.lines[i], after.lines[i]) != 0)
          fail_msg("%s %s %s: op %zu changed:\n  %s\n  %s", dtype, m->name, j->name, i,
                   before.lines[i], after.lines[i]);
      free_ops(&after);

      /* text and bytecode outputs.  Bytecode stores ops' properties as
       * attributes (the form Core AI's MLIR 22 reads), so its text differs
       * from the text output in that spelling only: the bytecode read back
       * must print exactly what the text output prints after the same trip
       * through bytecode, and it must verify against the original with
       * every chain intact. */
      char text_out[600], code_out[600], again_out[600];
      snprintf(text_out, sizeof text_out, "%s/out.mlir", g_dir);
      snprintf(code_out, sizeof code_out, "%s/out.mlirbc", g_dir);
      snprintf(again_out, sizeof again_out, "%s/again.mlir", g_dir);
      assert_int_equal(cais_program_write_file(out, text_out, CAIS_FORMAT_TEXT, &err), CAIS_OK);
      assert_int_equal(cais_program_write_file(out, code_out, CAIS_FORMAT_BYTECODE, &err), CAIS_OK);
      cais_program *reread = NULL;
      assert_int_equal(cais_program_read_file(code_out, &reread, &err), CAIS_OK);
      assert_int_equal(cais_program_write_file(reread, again_out, CAIS_FORMAT_TEXT, &err), CAIS_OK);
      char via_text[600], via_code[600];
      snprintf(via_text, sizeof via_text, "%s/via_text.mlirbc", g_dir);
      snprintf(via_code, sizeof via_code, "%s/via_text.mlir", g_dir);
      cais_program *from_text = NULL, *from_text_code = NULL;
      assert_int_equal(cais_program_read_file(text_out, &from_text, &err), CAIS_OK);
      assert_int_equal(cais_program_write_file(from_text, via_text, CAIS_FORMAT_BYTECODE, &err),
                       CAIS_OK);
      assert_int_equal(cais_program_read_file(via_text, &from_text_code, &err), CAIS_OK);
      assert_int_equal(cais_program_write_file(from_text_code, via_code, CAIS_FORMAT_TEXT, &err),
                       CAIS_OK);
      char *a = cais_test_read_file(via_code, NULL), *b = cais_test_read_file(again_out, NULL);
      if (strcmp(a, b) != 0)
        fail_msg("%s %s %s: bytecode round trip changes the text", dtype, m->name, j->name);
      free(a);
      free(b);
      cais_verify_summary rs;
      assert_int_equal(cais_verify_programs(original, reread, &opt, NULL, &rs, &err), CAIS_OK);
      if (rs.violations || rs.chains != t->weights_compressed)
        fail_msg("%s %s %s: bytecode read back: %zu violations, %zu chains for %zu", dtype,
                 m->name, j->name, rs.violations, rs.chains, t->weights_compressed);
      cais_program_destroy(from_text);
      cais_program_destroy(from_text_code);
      cais_program_destroy(reread);
      if (mi == 0 || ji == 0 || ji == cais_test_joint_count - 1) {
        check_reparses(text_out);
        check_reparses(code_out);
      }

      /* the bytecode input gives the same result as the text input */
      cais_program *out_bc = NULL;
      assert_int_equal(cais_engine_sparsify(engine, original_bc, &opt, &out_bc, NULL, &err), CAIS_OK);
      char bc_text[600];
      snprintf(bc_text, sizeof bc_text, "%s/from_bc.mlirbc", g_dir);
      assert_int_equal(cais_program_write_file(out_bc, bc_text, CAIS_FORMAT_BYTECODE, &err), CAIS_OK);
      size_t n1, n2;
      char *x = cais_test_read_file(code_out, &n1), *y = cais_test_read_file(bc_text, &n2);
      if (n1 != n2 || memcmp(x, y, n1) != 0)
        fail_msg("%s %s %s: bytecode input gives a different result than text input",
                 dtype, m->name, j->name);
      free(x);
      free(y);
      cais_program_destroy(out_bc);

      cais_report_destroy(report);
      cais_program_destroy(out);
    }
  }
  free_ops(&before);
  cais_engine_destroy(engine);
  cais_program_destroy(original);
  cais_program_destroy(original_bc);
}

static void test_f16(void **s) { (void)s; run_dtype("f16"); }
static void test_bf16(void **s) { (void)s; run_dtype("bf16"); }
static void test_f32(void **s) { (void)s; run_dtype("f32"); }

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_f16),
      cmocka_unit_test(test_bf16),
      cmocka_unit_test(test_f32),
  };
  return cmocka_run_group_tests(tests, cais_test_dir_setup, cais_test_dir_teardown);
}
