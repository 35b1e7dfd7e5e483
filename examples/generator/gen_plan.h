/*
 * gen_plan.h -- what cais-gen-program produces, before MLIR sees it.
 *
 * A model builder (gen_transformer.c, gen_convnet.c) turns the options into a
 * *plan*: the program's skeleton as generic-form MLIR text, in which every
 * float constant is a cheap splat placeholder carrying a name location
 * (`loc("layers.0.attn.q_proj.weight")`), plus one gen_weight per such
 * constant saying its shape and how to fill it.  gen_weights.c fills the
 * weights' buffers; gen_writer.c parses the skeleton, swaps each placeholder
 * for a `dense_resource` over its buffer, and writes text or bytecode.
 *
 * The builder API below (gen_plan_*) keeps SSA numbering, type spelling and
 * weight bookkeeping in one place, so the model files read like the graph.
 */
#ifndef CAIS_GEN_PLAN_H
#define CAIS_GEN_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "gen_text.h"

#define GEN_MAX_RANK 6

/** Float element type of weights and activations. */
typedef enum { GEN_F16, GEN_BF16, GEN_F32 } gen_dtype;

/** MLIR spelling ("f16", "bf16", "f32") and storage size in bytes. */
const char *gen_dtype_name(gen_dtype dt);
size_t gen_dtype_size(gen_dtype dt);

/** How a weight's values are drawn (gen_weights.c). */
typedef enum {
  GEN_INIT_DENSE,       /* linear / conv / embedding: ~N(0, std) per element,
                           per-output-channel scale, rare exact zeros and
                           outliers */
  GEN_INIT_NORM_SCALE,  /* layer-norm gamma: ~1 + N(0, std) */
  GEN_INIT_BIAS,        /* bias / layer-norm beta: ~N(0, std), no zeros */
  GEN_INIT_CAUSAL_MASK  /* [.., S, S]: 0 on and below the diagonal, -1e4 above */
} gen_init_kind;

/** A ranked tensor type: shape plus element type spelling ("f16", "si32"). */
typedef struct {
  int rank;
  int64_t dim[GEN_MAX_RANK];
  char elem[8];
} gen_shape;

/** An SSA value of the skeleton: its number (%N, or %argN when arg >= 0)
 *  and its type. */
typedef struct {
  int id;
  int arg;
  gen_shape type;
} gen_value;

/** One float constant of the program, filled by gen_weights.c. */
typedef struct {
  char *name;          /* location name, e.g. "layers.0.attn.q_proj.weight" */
  char *resource;      /* dense_resource key: name with '.' -> '_' */
  gen_shape shape;
  int64_t numel;
  gen_init_kind init;
  double std;          /* spread of the values, see gen_init_kind */
  int out_axis;        /* output-channel axis (per-channel scale), GEN_INIT_DENSE */
  void *data;          /* numel * element size bytes, owned by the plan */
  size_t nbytes;
} gen_weight;

/** The program being built. */
typedef struct {
  gen_dtype dtype;
  gen_text text;       /* skeleton, generic form */
  int next_id;         /* next SSA number */
  gen_weight *weights;
  size_t nweights, capweights;
  int64_t nparams;     /* trainable parameters: numel over weights, less
                          the causal mask */
  int64_t nelements;   /* numel over all weights */
  uint64_t nbytes;     /* data bytes over all weights */
  int oom;             /* an allocation failed while building */
} gen_plan;

void gen_plan_init(gen_plan *p, gen_dtype dt);
/** Frees the text, the weight descriptors and their data buffers. */
void gen_plan_free(gen_plan *p);

/** A shape from an element type spelling and `rank` dims; GEN_SHAPE("f16",
 *  1, S, H) spells the dims inline (any integer type). */
gen_shape gen_shape_make(const char *elem, int rank, const int64_t *dims);
#define GEN_SHAPE(elem, ...)                                              \
  gen_shape_make((elem), (int)(sizeof((int64_t[]){__VA_ARGS__}) /          \
                               sizeof(int64_t)),                          \
                 (int64_t[]){__VA_ARGS__})
int64_t gen_shape_numel(const gen_shape *s);
/** Appends "tensor<AxBxelem>" to t. */
void gen_text_type(gen_text *t, const gen_shape *s);

/** Opens `module { "coreai.graph"() <{...}> ({ ^bb0(%arg0: T):` with
 *  function_type (input) -> (output_type), the argument and result named
 *  (`coreai.name`: the Core AI runtime's input / output keys) and no
 *  parameters (`param_decls`, which the real dialect requires).  Returns %arg0. */
gen_value gen_plan_begin_graph(gen_plan *p, const char *sym_name,
                               const gen_shape *input, const char *input_name,
                               const gen_shape *output, const char *output_name);
/** Emits `"coreai.output"(v)` and closes the graph and the module. */
void gen_plan_end_graph(gen_plan *p, gen_value out);

/** A float weight constant of the plan's dtype, shape `rank` dims, named by
 *  its location; recorded as a gen_weight to fill.  `out_axis` is the axis
 *  whose rows get a common scale (output channels). */
gen_value gen_plan_weight(gen_plan *p, const char *name, gen_init_kind init,
                          double std, int out_axis, int rank,
                          const int64_t *dims);

/** An integer constant given inline, 1-D: dense<[v0, v1, ...]> : tensor<nxELEM>. */
gen_value gen_plan_int_vector(gen_plan *p, const char *elem, int n,
                              const int64_t *vals);
/** An inline integer constant of any shape whose row-major values are
 *  0, 1, 2, ... (position ids). */
gen_value gen_plan_int_iota(gen_plan *p, const char *elem, const gen_shape *s);
/** An integer scalar constant: dense<v> : tensor<ELEM> (softmax's axis, conv groups). */
gen_value gen_plan_int_scalar(gen_plan *p, const char *elem, int64_t v);
/** A float splat constant of the plan's dtype: dense<v> : tensor<dims>. */
gen_value gen_plan_float_splat(gen_plan *p, double v, int rank,
                               const int64_t *dims);

/** A generic-form op with one result of type `result`, operands `ops`,
 *  properties `props` (the text inside <{...}>, or NULL) and location
 *  `loc` (a name, or NULL for the parser's file:line:col).
 *  "coreai.add" / "coreai.sub" / "coreai.mul" on operands of different shapes
 *  are written as their "coreai.decomposable.broadcasting_*" forms: the real
 *  dialect's plain elementwise ops require equal shapes. */
gen_value gen_plan_op(gen_plan *p, const char *opname, const char *props,
                      const gen_shape *result, const char *loc, int nops,
                      const gen_value *ops);

/** Convenience wrappers over gen_plan_op for one and two operands. */
gen_value gen_plan_op1(gen_plan *p, const char *opname, const char *props,
                       const gen_shape *result, const char *loc, gen_value a);
gen_value gen_plan_op2(gen_plan *p, const char *opname, const char *props,
                       const gen_shape *result, const char *loc, gen_value a,
                       gen_value b);

#endif /* CAIS_GEN_PLAN_H */
