/*
 * gen_sizing.c -- model dimensions: defaults, and the search that turns
 * --params N into transformer (layers, hidden, ffn) or convnet width.
 *
 * The parameter counts here must match what gen_transformer.c and
 * gen_convnet.c emit (float constants that are trainable parameters; the
 * causal mask is a constant, not a parameter).  main.c checks the two agree.
 */
#include <math.h>
#include <stdio.h>

#include "gen_options.h"

#define PROG "cais-gen-program"

int64_t gen_transformer_param_count(const gen_options *o) {
  int64_t H = o->hidden, F = o->ffn, V = o->vocab, S = o->seq, L = o->layers;
  int64_t per_layer = 4 * H * H + 3 * H * F + 4 * H; /* q k v o, gate up down, 2 norms */
  int64_t n = V * H + S * H + L * per_layer + 2 * H;  /* embeddings, final norm */
  if (!o->tie_embeddings) n += V * H;                 /* lm_head */
  return n;
}

/* Channels of conv block i (0 = stem): width doubling, capped at 8x. */
static int64_t convnet_channels(const gen_options *o, int64_t i) {
  return o->width << (i < 3 ? i : 3);
}

int64_t gen_convnet_param_count(const gen_options *o) {
  int64_t c = convnet_channels(o, 0);
  int64_t n = c * 3 * 3 * 3 + c; /* stem */
  for (int64_t i = 1; i < o->layers; i++) {
    int64_t ci = convnet_channels(o, i);
    n += ci * c * 9 + ci;   /* 3x3 stride-2 conv */
    n += ci * 9 + ci;       /* depthwise 3x3 */
    n += ci * ci + ci;      /* pointwise 1x1 */
    c = ci;
  }
  return n + c * o->classes + o->classes; /* fc */
}

/* The SwiGLU-style MLP width for a hidden size: 8/3 H rounded up to 64. */
static int64_t default_ffn(int64_t H) {
  int64_t f = (8 * H + 2) / 3;
  return ((f + 63) / 64) * 64;
}

static int64_t default_heads(int64_t H) { return H % 64 == 0 ? H / 64 : 1; }

/* Picks (hidden, layers) for o->params: hidden in steps of 64, layers the
 * closest count; among shapes within 2 % (else 5 %, else the closest) the
 * one whose hidden/layers ratio is nearest 96, like common LLM shapes
 * (2048/22, 4096/32, 768/12). */
static int size_transformer(gen_options *o) {
  const double tiers[] = {0.02, 0.05, INFINITY};
  double target = (double)o->params;
  for (int t = 0; t < 3; t++) {
    double best_score = INFINITY, best_err = INFINITY;
    int64_t best_h = 0, best_l = 0;
    for (int64_t H = 64; H <= 32768; H += 64) {
      gen_options c = *o;
      c.hidden = H;
      c.ffn = default_ffn(H);
      c.layers = 0;
      double fixed = (double)gen_transformer_param_count(&c);
      c.layers = 1;
      double per_layer = (double)gen_transformer_param_count(&c) - fixed;
      double l = floor((target - fixed) / per_layer + 0.5);
      if (l < 1) l = 1;
      if (l > 100000) continue;
      double err = fabs(fixed + l * per_layer - target) / target;
      double score = fabs(log((double)H / l / 96.0));
      if (t < 2) {
        if (err > tiers[t] || score >= best_score) continue;
      } else if (err >= best_err) {
        continue;
      }
      best_score = score;
      best_err = err;
      best_h = H;
      best_l = (int64_t)l;
    }
    if (best_h) {
      o->hidden = best_h;
      o->layers = best_l;
      o->ffn = default_ffn(best_h);
      o->heads = default_heads(best_h);
      return GEN_EXIT_OK;
    }
  }
  fprintf(stderr, PROG ": error: --params: no transformer shape found\n");
  return GEN_EXIT_USAGE;
}

static int size_convnet(gen_options *o) {
  double target = (double)o->params, best = INFINITY;
  int64_t best_w = 0;
  for (int64_t w = 8; w <= 16384; w += 8) {
    gen_options c = *o;
    c.width = w;
    double err = fabs((double)gen_convnet_param_count(&c) - target);
    if (err < best) {
      best = err;
      best_w = w;
    }
  }
  o->width = best_w;
  return GEN_EXIT_OK;
}

int gen_options_resolve_sizes(gen_options *o) {
  if (o->model == GEN_MODEL_CONVNET) {
    if (!o->layers) o->layers = 4;
    if (!o->image) o->image = 32;
    if (!o->classes) o->classes = 10;
    if (o->params) return size_convnet(o);
    if (!o->width) o->width = 32;
    return GEN_EXIT_OK;
  }

  if (!o->seq) o->seq = 64;
  if (o->params) {
    if (!o->vocab) o->vocab = o->params >= 100000000 ? 32000 : o->params >= 10000000 ? 8192 : 1024;
    return size_transformer(o);
  }
  if (!o->vocab) o->vocab = 4096;
  if (!o->layers) o->layers = 4;
  if (!o->hidden) o->hidden = 256;
  if (!o->ffn) o->ffn = 4 * o->hidden;
  if (!o->heads) o->heads = default_heads(o->hidden);
  if (o->hidden % o->heads) {
    fprintf(stderr, PROG ": error: --heads: %lld does not divide --hidden %lld\n",
            (long long)o->heads, (long long)o->hidden);
    return GEN_EXIT_USAGE;
  }
  return GEN_EXIT_OK;
}
