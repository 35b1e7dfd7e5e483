/*
 * gen_convnet.c -- a small NCHW conv net with a linear classifier.
 *
 *   %arg0 : tensor<1x3xRxRxT>
 *   stem.conv.weight [W, 3, 3, 3] -> coreai.conv2d (stride 1, pad 1), bias, relu
 *   blocks.i (i = 1 .. L-1), C_i = W * 2^min(i, 3):
 *     conv.weight   [C_i, C_{i-1}, 3, 3]  conv2d stride 2, bias, relu
 *     dwconv.weight [C_i, 1, 3, 3]        depthwise (groups = C_i), bias, relu
 *     pwconv.weight [C_i, C_i, 1, 1]      pointwise, bias, + residual, relu
 *   coreai.reduce_mean over [2, 3] -> [1, C]
 *   fc.weight [C, K] consumed directly as operand 1 of coreai.batch_matmul
 *     (stored [in, out], no transpose: output axis 1), fc.bias [K]
 *   coreai.output(logits [1, K])
 *
 * Conv weights are [out, in, kh, kw] (output axis 0, input axis 1); biases
 * are [1, C, 1, 1] used by coreai.add (not eligible).  The depthwise weights
 * have an input axis of size 1, an edge case for n:m pruning.
 */
#include <math.h>
#include <stdio.h>

#include "gen_models.h"

typedef struct {
  gen_plan *p;
  const char *dt;
} cn_ctx;

/* conv2d + bias add (+ relu); `name` is the layer prefix ("blocks.1.conv"). */
static gen_value conv(cn_ctx *c, gen_value x, const char *name, int64_t out, int64_t k,
                      int64_t stride, int64_t groups, int relu) {
  gen_plan *p = c->p;
  int64_t in = x.type.dim[1], hw = x.type.dim[2];
  int64_t pad = k / 2;
  int64_t ohw = (hw + 2 * pad - k) / stride + 1;
  char wname[128], bname[128], props[200];
  snprintf(wname, sizeof wname, "%s.weight", name);
  snprintf(bname, sizeof bname, "%s.bias", name);
  int64_t fan_in = in / groups * k * k;
  gen_value w = gen_plan_weight(p, wname, GEN_INIT_DENSE, 0.64 / sqrt((double)fan_in), 0, 4,
                                (int64_t[]){out, in / groups, k, k});
  snprintf(props, sizeof props,
           "dilations = array<i64: 1, 1>, groups = %lld : i64, pad = array<i64: %lld, %lld, "
           "%lld, %lld>, strides = array<i64: %lld, %lld>",
           (long long)groups, (long long)pad, (long long)pad, (long long)pad, (long long)pad,
           (long long)stride, (long long)stride);
  gen_shape ys = GEN_SHAPE(c->dt, 1, out, ohw, ohw);
  gen_value y = gen_plan_op2(p, "coreai.conv2d", props, &ys, name, x, w);
  gen_value b = gen_plan_weight(p, bname, GEN_INIT_BIAS, 0.01, 1, 4, (int64_t[]){1, out, 1, 1});
  y = gen_plan_op2(p, "coreai.add", NULL, &ys, name, y, b);
  if (relu) y = gen_plan_op1(p, "coreai.relu", NULL, &ys, name, y);
  return y;
}

void gen_build_convnet(const gen_options *o, gen_plan *p) {
  cn_ctx c = {p, gen_dtype_name(p->dtype)};
  int64_t R = o->image, K = o->classes;
  gen_shape in = GEN_SHAPE(c.dt, 1, 3, R, R);
  gen_shape out = GEN_SHAPE(c.dt, 1, K);
  gen_value x = gen_plan_begin_graph(p, "main", &in, &out);
  gen_value axes_hw = gen_plan_int_vector(p, "si32", 2, (int64_t[]){2, 3});

  int64_t ch = o->width;
  x = conv(&c, x, "stem.conv", ch, 3, 1, 1, 1);
  for (int64_t i = 1; i < o->layers; i++) {
    char name[64];
    int64_t ci = o->width << (i < 3 ? i : 3);
    snprintf(name, sizeof name, "blocks.%lld.conv", (long long)i);
    gen_value y = conv(&c, x, name, ci, 3, 2, 1, 1);
    snprintf(name, sizeof name, "blocks.%lld.dwconv", (long long)i);
    gen_value z = conv(&c, y, name, ci, 3, 1, ci, 1);
    snprintf(name, sizeof name, "blocks.%lld.pwconv", (long long)i);
    z = conv(&c, z, name, ci, 1, 1, 1, 0);
    snprintf(name, sizeof name, "blocks.%lld", (long long)i);
    z = gen_plan_op2(p, "coreai.add", NULL, &z.type, name, z, y);
    x = gen_plan_op1(p, "coreai.relu", NULL, &z.type, name, z);
    ch = ci;
  }

  gen_shape pooled = GEN_SHAPE(c.dt, 1, ch);
  x = gen_plan_op2(p, "coreai.reduce_mean", "keep_dims = false", &pooled, "pool", x, axes_hw);
  gen_value w = gen_plan_weight(p, "fc.weight", GEN_INIT_DENSE, 0.64 / sqrt((double)ch), 1, 2,
                                (int64_t[]){ch, K});
  x = gen_plan_op2(p, "coreai.batch_matmul", NULL, &out, "fc", x, w);
  gen_value b = gen_plan_weight(p, "fc.bias", GEN_INIT_BIAS, 0.01, 0, 1, &K);
  x = gen_plan_op2(p, "coreai.add", NULL, &out, "fc", x, b);
  gen_plan_end_graph(p, x);
}
