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
 * are [1, C, 1, 1] used by a (broadcasting) add (not eligible).  The depthwise weights
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
  char wname[128], bname[128];
  snprintf(wname, sizeof wname, "%s.weight", name);
  snprintf(bname, sizeof bname, "%s.bias", name);
  int64_t fan_in = in / groups * k * k;
  gen_value w = gen_plan_weight(p, wname, GEN_INIT_DENSE, 0.64 / sqrt((double)fan_in), 0, 4,
                                (int64_t[]){out, in / groups, k, k});
  /* As coreai-torch writes it: padding is its own coreai.pad (before/after per
   * axis, N and C unpadded), and conv2d takes strides, dilations and groups as
   * operands, not properties. */
  if (pad) {
    gen_value pads = gen_plan_int_vector(p, "ui32", 8, (int64_t[]){0, 0, 0, 0, pad, pad, pad, pad});
    gen_value zero = gen_plan_float_splat(p, 0.0, 0, NULL);
    gen_shape padded = GEN_SHAPE(c->dt, 1, in, hw + 2 * pad, hw + 2 * pad);
    gen_value ops[3] = {x, pads, zero};
    x = gen_plan_op(p, "coreai.pad", "padding_mode = #coreai.padding_mode<constant>", &padded,
                    name, 3, ops);
  }
  gen_value strides = gen_plan_int_vector(p, "ui32", 2, (int64_t[]){stride, stride});
  gen_value dilations = gen_plan_int_vector(p, "ui32", 2, (int64_t[]){1, 1});
  gen_value ngroups = gen_plan_int_scalar(p, "ui32", groups);
  gen_shape ys = GEN_SHAPE(c->dt, 1, out, ohw, ohw);
  gen_value cops[5] = {x, w, strides, dilations, ngroups};
  gen_value y = gen_plan_op(p, "coreai.conv2d", NULL, &ys, name, 5, cops);
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
  gen_value x = gen_plan_begin_graph(p, "main", &in, "image", &out, "logits");
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

  /* The real reduce_mean keeps the reduced axes (size 1): reshape them away. */
  gen_shape kept = GEN_SHAPE(c.dt, 1, ch, 1, 1);
  gen_shape pooled = GEN_SHAPE(c.dt, 1, ch);
  x = gen_plan_op2(p, "coreai.reduce_mean", NULL, &kept, "pool", x, axes_hw);
  gen_value flat = gen_plan_int_vector(p, "ui32", 2, (int64_t[]){1, ch});
  x = gen_plan_op2(p, "coreai.reshape", NULL, &pooled, "pool", x, flat);
  gen_value w = gen_plan_weight(p, "fc.weight", GEN_INIT_DENSE, 0.64 / sqrt((double)ch), 1, 2,
                                (int64_t[]){ch, K});
  x = gen_plan_op2(p, "coreai.batch_matmul", NULL, &out, "fc", x, w);
  gen_value b = gen_plan_weight(p, "fc.bias", GEN_INIT_BIAS, 0.01, 0, 1, &K);
  x = gen_plan_op2(p, "coreai.add", NULL, &out, "fc", x, b);
  gen_plan_end_graph(p, x);
}
