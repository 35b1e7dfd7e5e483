/*
 * gen_transformer.c -- a decoder-only transformer as one coreai.graph.
 *
 *   %arg0 : tensor<1xSxsi32>                      token ids
 *   embed_tokens.weight [V, H]  --gather_nd-->    [1, S, H]
 *   embed_positions.weight [S, H] --gather_nd (position-id constant)--> + above
 *   causal_mask [1, 1, S, S]                      (float, used by a broadcasting add)
 *   L x block:
 *     attn_norm (reduce_mean/sub/mul/rsqrt, weight & bias [H] via mul/add)
 *     q/k/v/o_proj.weight [H, H] (PyTorch [out, in]) --transpose [1,0]-->
 *         decomposable.broadcasting_batch_matmul (weight as operand 1)
 *     heads: reshape [1,S,NH,HD], transpose, batch_matmul q.k^T, mul scale,
 *         add causal_mask, softmax, batch_matmul with v, back to [1,S,H]
 *     residual add; mlp_norm
 *     gate/up_proj.weight [F, H], down_proj.weight [H, F] --transpose-->
 *         broadcasting_batch_matmul on [1,S,*] in even layers,
 *         batch_matmul on [S,*] (reshaped) in odd layers; silu(gate) * up
 *     residual add
 *   final_norm; lm_head.weight [V, H] (or the embedding, --tie-embeddings)
 *       --transpose--> broadcasting_batch_matmul -> logits [1, S, V]
 *   coreai.output(logits)
 *
 * Linear / embedding weights are eligible for compression (their users are
 * gather_nd or transposes feeding matmuls); norm weights and biases ([H],
 * used by mul/add) and the causal mask (used by add) are not.
 */
#include <math.h>
#include <stdio.h>

#include "gen_models.h"

/* Shared values of the graph being built. */
typedef struct {
  gen_plan *p;
  const char *dt;
  int64_t S, H, F, V, NH, HD;
  gen_value perm2, perm_heads, perm_keys, axes_last, axis_last;
  gen_value shape_heads, shape_seq, shape_rows;
  gen_value eps, attn_scale, mask;
} tf_ctx;

/* Result shape of x with its last dim replaced by n. */
static gen_shape with_last(gen_shape s, int64_t n) {
  s.dim[s.rank - 1] = n;
  return s;
}

/* LayerNorm over the last axis, decomposed into elementwise ops; gamma and
 * beta are named [H] constants (not eligible: their users are mul/add). */
static gen_value layer_norm(tf_ctx *c, gen_value x, const char *prefix) {
  gen_plan *p = c->p;
  char wname[160], bname[160];
  snprintf(wname, sizeof wname, "%s.weight", prefix);
  snprintf(bname, sizeof bname, "%s.bias", prefix);
  gen_shape stat = with_last(x.type, 1);
  gen_value mean = gen_plan_op2(p, "coreai.reduce_mean", NULL, &stat,
                                prefix, x, c->axes_last);
  gen_value d = gen_plan_op2(p, "coreai.sub", NULL, &x.type, prefix, x, mean);
  gen_value d2 = gen_plan_op2(p, "coreai.mul", NULL, &x.type, prefix, d, d);
  gen_value var = gen_plan_op2(p, "coreai.reduce_mean", NULL, &stat,
                               prefix, d2, c->axes_last);
  gen_value ve = gen_plan_op2(p, "coreai.add", NULL, &stat, prefix, var, c->eps);
  gen_value r = gen_plan_op1(p, "coreai.rsqrt", NULL, &stat, prefix, ve);
  gen_value y = gen_plan_op2(p, "coreai.mul", NULL, &x.type, prefix, d, r);
  int64_t h = c->H;
  gen_value g = gen_plan_weight(p, wname, GEN_INIT_NORM_SCALE, 0.05, 0, 1, &h);
  y = gen_plan_op2(p, "coreai.mul", NULL, &x.type, prefix, y, g);
  gen_value b = gen_plan_weight(p, bname, GEN_INIT_BIAS, 0.02, 0, 1, &h);
  return gen_plan_op2(p, "coreai.add", NULL, &x.type, prefix, y, b);
}

/* y = x @ W^T with W = `prefix`.weight stored [out, in]: constant ->
 * coreai.transpose [1, 0] -> `matmul` (weight as operand 1). */
static gen_value linear_from(tf_ctx *c, gen_value x, gen_value w, const char *prefix,
                             const char *matmul) {
  gen_shape wt = GEN_SHAPE(c->dt, w.type.dim[1], w.type.dim[0]);
  gen_value t = gen_plan_op2(c->p, "coreai.transpose", NULL, &wt, prefix, w, c->perm2);
  gen_shape ys = with_last(x.type, w.type.dim[0]);
  return gen_plan_op2(c->p, matmul, NULL, &ys, prefix, x, t);
}

static gen_value linear(tf_ctx *c, gen_value x, const char *prefix, int64_t out,
                        int64_t in, const char *matmul) {
  char name[160];
  snprintf(name, sizeof name, "%s.weight", prefix);
  int64_t dims[2] = {out, in};
  gen_value w = gen_plan_weight(c->p, name, GEN_INIT_DENSE, 0.64 / sqrt((double)in), 0,
                                2, dims);
  return linear_from(c, x, w, prefix, matmul);
}

static const char *const BBMM = "coreai.decomposable.broadcasting_batch_matmul";
static const char *const BMM = "coreai.batch_matmul";

static gen_value attention(tf_ctx *c, gen_value x, int layer) {
  gen_plan *p = c->p;
  char at[64], q[96], k[96], v[96], o[96];
  snprintf(at, sizeof at, "layers.%d.attn", layer);
  snprintf(q, sizeof q, "%s.q_proj", at);
  snprintf(k, sizeof k, "%s.k_proj", at);
  snprintf(v, sizeof v, "%s.v_proj", at);
  snprintf(o, sizeof o, "%s.o_proj", at);
  int64_t S = c->S, H = c->H, NH = c->NH, HD = c->HD;

  gen_value qv = linear(c, x, q, H, H, BBMM);
  gen_value kv = linear(c, x, k, H, H, BBMM);
  gen_value vv = linear(c, x, v, H, H, BBMM);

  gen_shape split = GEN_SHAPE(c->dt, 1, S, NH, HD);
  gen_shape heads = GEN_SHAPE(c->dt, 1, NH, S, HD);
  gen_shape keys = GEN_SHAPE(c->dt, 1, NH, HD, S);
  gen_shape scores = GEN_SHAPE(c->dt, 1, NH, S, S);
  qv = gen_plan_op2(p, "coreai.reshape", NULL, &split, at, qv, c->shape_heads);
  qv = gen_plan_op2(p, "coreai.transpose", NULL, &heads, at, qv, c->perm_heads);
  kv = gen_plan_op2(p, "coreai.reshape", NULL, &split, at, kv, c->shape_heads);
  kv = gen_plan_op2(p, "coreai.transpose", NULL, &keys, at, kv, c->perm_keys);
  vv = gen_plan_op2(p, "coreai.reshape", NULL, &split, at, vv, c->shape_heads);
  vv = gen_plan_op2(p, "coreai.transpose", NULL, &heads, at, vv, c->perm_heads);

  gen_value s = gen_plan_op2(p, BMM, NULL, &scores, at, qv, kv);
  s = gen_plan_op2(p, "coreai.mul", NULL, &scores, at, s, c->attn_scale);
  s = gen_plan_op2(p, "coreai.add", NULL, &scores, at, s, c->mask);
  s = gen_plan_op2(p, "coreai.softmax", NULL, &scores, at, s, c->axis_last);
  gen_value ctx = gen_plan_op2(p, BMM, NULL, &heads, at, s, vv);
  ctx = gen_plan_op2(p, "coreai.transpose", NULL, &split, at, ctx, c->perm_heads);
  gen_shape merged = GEN_SHAPE(c->dt, 1, S, H);
  ctx = gen_plan_op2(p, "coreai.reshape", NULL, &merged, at, ctx, c->shape_seq);
  return linear(c, ctx, o, H, H, BBMM);
}

/* Gated MLP; odd layers run it as 2-D coreai.batch_matmul on [S, *]. */
static gen_value mlp(tf_ctx *c, gen_value x, int layer) {
  gen_plan *p = c->p;
  char m[64], g[96], u[96], d[96];
  snprintf(m, sizeof m, "layers.%d.mlp", layer);
  snprintf(g, sizeof g, "%s.gate_proj", m);
  snprintf(u, sizeof u, "%s.up_proj", m);
  snprintf(d, sizeof d, "%s.down_proj", m);
  int two_d = layer % 2 == 1;
  const char *mm = two_d ? BMM : BBMM;
  gen_shape seq_shape = x.type;
  if (two_d) {
    gen_shape rows = GEN_SHAPE(c->dt, c->S, c->H);
    x = gen_plan_op2(p, "coreai.reshape", NULL, &rows, m, x, c->shape_rows);
  }
  gen_value gv = linear(c, x, g, c->F, c->H, mm);
  gen_value uv = linear(c, x, u, c->F, c->H, mm);
  gen_value a = gen_plan_op1(p, "coreai.silu", NULL, &gv.type, m, gv);
  gen_value h = gen_plan_op2(p, "coreai.mul", NULL, &gv.type, m, a, uv);
  gen_value y = linear(c, h, d, c->H, c->F, mm);
  if (two_d) y = gen_plan_op2(p, "coreai.reshape", NULL, &seq_shape, m, y, c->shape_seq);
  return y;
}

void gen_build_transformer(const gen_options *o, gen_plan *p) {
  tf_ctx c = {0};
  c.p = p;
  c.dt = gen_dtype_name(p->dtype);
  c.S = o->seq;
  c.H = o->hidden;
  c.F = o->ffn;
  c.V = o->vocab;
  c.NH = o->heads;
  c.HD = o->hidden / o->heads;

  gen_shape in = GEN_SHAPE("si32", 1, c.S);
  gen_shape out = GEN_SHAPE(c.dt, 1, c.S, c.V);
  gen_value ids = gen_plan_begin_graph(p, "main", &in, "input_ids", &out, "logits");

  /* Shared small constants, hoisted to the top as exporters do. */
  c.perm2 = gen_plan_int_vector(p, "ui32", 2, (int64_t[]){1, 0});
  c.perm_heads = gen_plan_int_vector(p, "ui32", 4, (int64_t[]){0, 2, 1, 3});
  c.perm_keys = gen_plan_int_vector(p, "ui32", 4, (int64_t[]){0, 2, 3, 1});
  c.axes_last = gen_plan_int_vector(p, "si32", 1, (int64_t[]){-1});
  c.axis_last = gen_plan_int_scalar(p, "si32", -1);
  gen_value shape_ids = gen_plan_int_vector(p, "ui32", 3, (int64_t[]){1, c.S, 1});
  c.shape_heads = gen_plan_int_vector(p, "ui32", 4, (int64_t[]){1, c.S, c.NH, c.HD});
  c.shape_seq = gen_plan_int_vector(p, "ui32", 3, (int64_t[]){1, c.S, c.H});
  c.shape_rows = gen_plan_int_vector(p, "ui32", 2, (int64_t[]){c.S, c.H});
  int64_t one = 1;
  c.eps = gen_plan_float_splat(p, 1e-5, 1, &one);
  c.attn_scale = gen_plan_float_splat(p, 1.0 / sqrt((double)c.HD), 1, &one);
  c.mask = gen_plan_weight(p, "causal_mask", GEN_INIT_CAUSAL_MASK, 0, 0, 4,
                           (int64_t[]){1, 1, c.S, c.S});

  /* Embeddings: token table gathered by the ids, learned positions gathered
   * by a constant position-id tensor. */
  gen_shape idx_shape = GEN_SHAPE("si32", 1, c.S, 1);
  gen_shape act = GEN_SHAPE(c.dt, 1, c.S, c.H);
  gen_value idx = gen_plan_op2(p, "coreai.reshape", NULL, &idx_shape, "embed_tokens", ids,
                               shape_ids);
  gen_value emb = gen_plan_weight(p, "embed_tokens.weight", GEN_INIT_DENSE, 0.02, 0, 2,
                                  (int64_t[]){c.V, c.H});
  gen_value x = gen_plan_op2(p, "coreai.gather_nd", NULL, &act, "embed_tokens", emb, idx);
  gen_value pos_ids = gen_plan_int_iota(p, "si32", &idx_shape);
  gen_value pos = gen_plan_weight(p, "embed_positions.weight", GEN_INIT_DENSE, 0.02, 0, 2,
                                  (int64_t[]){c.S, c.H});
  gen_value pe = gen_plan_op2(p, "coreai.gather_nd", NULL, &act, "embed_positions", pos,
                              pos_ids);
  x = gen_plan_op2(p, "coreai.add", NULL, &act, "embed", x, pe);

  for (int l = 0; l < (int)o->layers; l++) {
    char name[64], blk[32];
    snprintf(blk, sizeof blk, "layers.%d", l);
    snprintf(name, sizeof name, "layers.%d.attn_norm", l);
    gen_value a = attention(&c, layer_norm(&c, x, name), l);
    x = gen_plan_op2(p, "coreai.add", NULL, &act, blk, x, a);
    snprintf(name, sizeof name, "layers.%d.mlp_norm", l);
    gen_value m = mlp(&c, layer_norm(&c, x, name), l);
    x = gen_plan_op2(p, "coreai.add", NULL, &act, blk, x, m);
  }

  x = layer_norm(&c, x, "final_norm");
  gen_value logits;
  if (o->tie_embeddings)
    logits = linear_from(&c, x, emb, "lm_head", BBMM);
  else
    logits = linear(&c, x, "lm_head", c.V, c.H, BBMM);
  gen_plan_end_graph(p, logits);
}
