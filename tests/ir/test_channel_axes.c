/* test_channel_axes.c -- spec section 3 on hand-written programs: the axes
 * each kind of user implies (read back from the report), the warning when
 * users disagree, and eligibility by user kind and size (spec section 2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "caisparse.h"

/* A program with one 8x16 (or given type) weight "w" and the user ops in
 * `body` (which may refer to %w, %x2, %x3, %perm2, %perm3). */
static char *program(const char *wtype, const char *body) {
  static const char *head =
      "\"builtin.module\"() ({\n"
      "  \"coreai.graph\"() <{sym_name = \"main\", function_type = () -> ()}> ({\n"
      "    %%x2 = \"coreai.constant\"() <{value = dense<1> : tensor<4x8xsi32>}> : () -> tensor<4x8xsi32>\n"
      "    %%perm2 = \"coreai.constant\"() <{value = dense<[1, 0]> : tensor<2xui32>}> : () -> tensor<2xui32>\n"
      "    %%perm3 = \"coreai.constant\"() <{value = dense<[0, 2, 1]> : tensor<3xui32>}> : () -> tensor<3xui32>\n"
      "    %%w = \"coreai.constant\"() <{value = dense<0.5> : %s}> : () -> %s loc(\"w\")\n"
      "%s"
      "    \"coreai.output\"() : () -> ()\n"
      "  }) : () -> ()\n"
      "}) : () -> ()\n";
  size_t n = strlen(head) + 2 * strlen(wtype) + strlen(body) + 1;
  char *text = malloc(n);
  snprintf(text, n, head, wtype, wtype, body);
  return text;
}

typedef struct captured {
  char text[4096];
} captured;

static void on_message(void *user, cais_severity sev, const char *subject, const char *text) {
  captured *c = user;
  size_t len = strlen(c->text);
  snprintf(c->text + len, sizeof c->text - len, "%s:%s:%s\n",
           sev == CAIS_SEVERITY_WARNING ? "warning" : "info", subject ? subject : "", text);
}

/* Compresses and returns the report entry of "w" (outcome, axes). */
static cais_weight_report run(const char *wtype, const char *body, captured *msgs) {
  char *text = program(wtype, body);
  cais_program *in = NULL, *out = NULL;
  cais_error err;
  if (cais_program_read_memory(text, strlen(text), "axes.mlir", &in, &err) != CAIS_OK)
    fail_msg("parse: %s\n%s", err.message, text);
  free(text);
  cais_options o;
  cais_options_init(&o);
  o.weight_num_threshold = 16;
  o.in_place = true;
  cais_engine_config cfg;
  cais_engine_config_init(&cfg);
  cfg.device = CAIS_DEVICE_CPU;
  cfg.on_message = on_message;
  cfg.message_user = msgs;
  cais_engine *e = NULL;
  assert_int_equal(cais_engine_create(&cfg, &e, NULL), CAIS_OK);
  cais_report *r = NULL;
  if (cais_engine_sparsify(e, in, &o, &out, &r, &err) != CAIS_OK) fail_msg("%s", err.message);
  cais_weight_report w = {0};
  bool found = false;
  for (size_t i = 0; i < cais_report_weight_count(r); i++)
    if (strcmp(cais_report_weight(r, i)->name, "w") == 0) {
      w = *cais_report_weight(r, i);
      found = true;
    }
  assert_true(found);
  w.name = NULL; /* points into the report */
  w.reason = w.warning = NULL;
  w.mode = w.joint = w.dtype = NULL;
  cais_report_destroy(r);
  cais_program_destroy(in);
  cais_engine_destroy(e);
  return w;
}

static void expect_axes(const char *wtype, const char *body, int out, int in) {
  captured msgs = {{0}};
  cais_weight_report w = run(wtype, body, &msgs);
  assert_int_equal(w.outcome, CAIS_WEIGHT_COMPRESSED);
  if (w.output_axis != out || w.input_axis != in)
    fail_msg("axes %d/%d, expected %d/%d for:\n%s", w.output_axis, w.input_axis, out, in, body);
  assert_null(strstr(msgs.text, "disagree"));
}

static void test_matmul_y(void **s) {
  (void)s;
  /* y (operand 1): out rank-1, in rank-2 */
  expect_axes("tensor<8x16xf16>",
              "    %y = \"coreai.batch_matmul\"(%x2, %w) : (tensor<4x8xsi32>, tensor<8x16xf16>) -> tensor<4x16xf16>\n",
              1, 0);
  expect_axes("tensor<3x8x16xf32>",
              "    %y = \"coreai.decomposable.broadcasting_batch_matmul\"(%x2, %w) : (tensor<4x8xsi32>, tensor<3x8x16xf32>) -> tensor<3x4x16xf32>\n",
              2, 1);
}

static void test_matmul_x(void **s) {
  (void)s;
  /* x (operand 0): out rank-2, in rank-1 */
  expect_axes("tensor<2x8x16xf16>",
              "    %y = \"coreai.batch_matmul\"(%w, %x2) : (tensor<2x8x16xf16>, tensor<4x8xsi32>) -> tensor<2x8x8xf16>\n",
              1, 2);
}

static void test_transposes(void **s) {
  (void)s;
  /* [out, in] weight through perm [1, 0] to matmul y: out 0, in 1 */
  expect_axes("tensor<8x16xf16>",
              "    %t = \"coreai.transpose\"(%w, %perm2) : (tensor<8x16xf16>, tensor<2xui32>) -> tensor<16x8xf16>\n"
              "    %y = \"coreai.batch_matmul\"(%x2, %t) : (tensor<4x8xsi32>, tensor<16x8xf16>) -> tensor<4x8xf16>\n",
              0, 1);
  /* as x: out 1, in 0 */
  expect_axes("tensor<8x16xf16>",
              "    %t = \"coreai.transpose\"(%w, %perm2) : (tensor<8x16xf16>, tensor<2xui32>) -> tensor<16x8xf16>\n"
              "    %y = \"coreai.batch_matmul\"(%t, %x2) : (tensor<16x8xf16>, tensor<4x8xsi32>) -> tensor<16x8xf16>\n",
              1, 0);
  /* rank 3, perm [0, 2, 1] to y: out rank-2 = 1, in rank-1 = 2 */
  expect_axes("tensor<2x8x16xf16>",
              "    %t = \"coreai.transpose\"(%w, %perm3) : (tensor<2x8x16xf16>, tensor<3xui32>) -> tensor<2x16x8xf16>\n"
              "    %y = \"coreai.batch_matmul\"(%x2, %t) : (tensor<4x8xsi32>, tensor<2x16x8xf16>) -> tensor<2x4x8xf16>\n",
              1, 2);
  /* a transpose whose user is not a matmul: out 0, in 1 */
  expect_axes("tensor<8x16xf16>",
              "    %t = \"coreai.transpose\"(%w, %perm2) : (tensor<8x16xf16>, tensor<2xui32>) -> tensor<16x8xf16>\n"
              "    %y = \"coreai.softmax\"(%t) : (tensor<16x8xf16>) -> tensor<16x8xf16>\n",
              0, 1);
}

static void test_gather_and_conv(void **s) {
  (void)s;
  expect_axes("tensor<8x16xf16>",
              "    %y = \"coreai.gather_nd\"(%w, %x2) : (tensor<8x16xf16>, tensor<4x8xsi32>) -> tensor<4x16xf16>\n",
              0, 1);
  expect_axes("tensor<8x4x3x3xf32>",
              "    %y = \"coreai.conv2d\"(%x2, %w) : (tensor<4x8xsi32>, tensor<8x4x3x3xf32>) -> tensor<4x8xf32>\n",
              0, 1);
}

static void test_disagreement_warns_and_uses_defaults(void **s) {
  (void)s;
  captured msgs = {{0}};
  cais_weight_report w =
      run("tensor<8x16xbf16>",
          "    %y = \"coreai.batch_matmul\"(%x2, %w) : (tensor<4x8xsi32>, tensor<8x16xbf16>) -> tensor<4x16xbf16>\n"
          "    %z = \"coreai.batch_matmul\"(%w, %x2) : (tensor<8x16xbf16>, tensor<4x8xsi32>) -> tensor<8x8xbf16>\n",
          &msgs);
  assert_int_equal(w.outcome, CAIS_WEIGHT_COMPRESSED);
  assert_int_equal(w.output_axis, 0);
  assert_int_equal(w.input_axis, 1);
  if (!strstr(msgs.text, "warning:w:") || !strstr(msgs.text, "disagree"))
    fail_msg("no disagreement warning: %s", msgs.text);
}

static void test_eligibility_by_user_and_size(void **s) {
  (void)s;
  captured msgs = {{0}};
  cais_weight_report w =
      run("tensor<8x16xf16>",
          "    %y = \"coreai.add\"(%w, %w) : (tensor<8x16xf16>, tensor<8x16xf16>) -> tensor<8x16xf16>\n",
          &msgs);
  assert_int_equal(w.outcome, CAIS_WEIGHT_NOT_ELIGIBLE);
  /* ineligible weights are skipped silently */
  assert_null(strstr(msgs.text, "warning"));
  /* one good and one bad user: not eligible either */
  w = run("tensor<8x16xf16>",
          "    %y = \"coreai.gather_nd\"(%w, %x2) : (tensor<8x16xf16>, tensor<4x8xsi32>) -> tensor<4x16xf16>\n"
          "    %z = \"coreai.mul\"(%w, %w) : (tensor<8x16xf16>, tensor<8x16xf16>) -> tensor<8x16xf16>\n",
          &msgs);
  assert_int_equal(w.outcome, CAIS_WEIGHT_NOT_ELIGIBLE);
  /* 128 elements > threshold 16; 4x4 = 16 is not more than 16 */
  w = run("tensor<4x4xf16>",
          "    %y = \"coreai.gather_nd\"(%w, %x2) : (tensor<4x4xf16>, tensor<4x8xsi32>) -> tensor<4x4xf16>\n",
          &msgs);
  assert_int_equal(w.outcome, CAIS_WEIGHT_NOT_ELIGIBLE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matmul_y),
      cmocka_unit_test(test_matmul_x),
      cmocka_unit_test(test_transposes),
      cmocka_unit_test(test_gather_and_conv),
      cmocka_unit_test(test_disagreement_warns_and_uses_defaults),
      cmocka_unit_test(test_eligibility_by_user_and_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
