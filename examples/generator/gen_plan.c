/*
 * gen_plan.c -- the skeleton builder (see gen_plan.h): SSA numbering, type
 * spelling, constants and ops in MLIR's generic form, weight bookkeeping.
 */
#include "gen_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *gen_dtype_name(gen_dtype dt) {
  switch (dt) {
    case GEN_F16: return "f16";
    case GEN_BF16: return "bf16";
    case GEN_F32: return "f32";
  }
  return "f32";
}

size_t gen_dtype_size(gen_dtype dt) { return dt == GEN_F32 ? 4 : 2; }

void gen_plan_init(gen_plan *p, gen_dtype dt) {
  memset(p, 0, sizeof *p);
  p->dtype = dt;
  gen_text_init(&p->text);
}

void gen_plan_free(gen_plan *p) {
  for (size_t i = 0; i < p->nweights; i++) {
    free(p->weights[i].name);
    free(p->weights[i].resource);
    free(p->weights[i].data);
  }
  free(p->weights);
  gen_text_free(&p->text);
  memset(p, 0, sizeof *p);
}

gen_shape gen_shape_make(const char *elem, int rank, const int64_t *dims) {
  gen_shape s;
  memset(&s, 0, sizeof s);
  snprintf(s.elem, sizeof s.elem, "%s", elem);
  s.rank = rank < GEN_MAX_RANK ? rank : GEN_MAX_RANK;
  for (int i = 0; i < s.rank; i++) s.dim[i] = dims[i];
  return s;
}

int64_t gen_shape_numel(const gen_shape *s) {
  int64_t n = 1;
  for (int i = 0; i < s->rank; i++) n *= s->dim[i];
  return n;
}

void gen_text_type(gen_text *t, const gen_shape *s) {
  gen_text_append(t, "tensor<");
  for (int i = 0; i < s->rank; i++) gen_text_appendf(t, "%lldx", (long long)s->dim[i]);
  gen_text_appendf(t, "%s>", s->elem);
}

/* "%12" or "%arg0". */
static void append_value(gen_text *t, gen_value v) {
  if (v.arg >= 0)
    gen_text_appendf(t, "%%arg%d", v.arg);
  else
    gen_text_appendf(t, "%%%d", v.id);
}

/* Starts a line "    %N = " and returns the new value (type filled by caller). */
static gen_value new_result(gen_plan *p, const gen_shape *type) {
  gen_value v;
  v.id = p->next_id++;
  v.arg = -1;
  v.type = *type;
  gen_text_appendf(&p->text, "    %%%d = ", v.id);
  return v;
}

/* " loc(\"name\")" or nothing, then the newline. */
static void end_line(gen_plan *p, const char *loc) {
  if (loc) gen_text_appendf(&p->text, " loc(\"%s\")", loc);
  gen_text_append(&p->text, "\n");
}

/* `"coreai.constant"() <{value = ATTR : T}> : () -> T` with ATTR already
 * written by the caller between the two halves. */
static void constant_head(gen_plan *p) {
  gen_text_append(&p->text, "\"coreai.constant\"() <{value = ");
}
static void constant_tail(gen_plan *p, const gen_shape *s) {
  gen_text_append(&p->text, " : ");
  gen_text_type(&p->text, s);
  gen_text_append(&p->text, "}> : () -> ");
  gen_text_type(&p->text, s);
}

gen_value gen_plan_begin_graph(gen_plan *p, const char *sym_name,
                               const gen_shape *input, const char *input_name,
                               const gen_shape *output, const char *output_name) {
  gen_text *t = &p->text;
  gen_text_appendf(t, "module {\n  \"coreai.graph\"() <{arg_attrs = [{coreai.name = \"%s\"}], "
                      "function_type = (", input_name);
  gen_text_type(t, input);
  gen_text_append(t, ") -> (");
  gen_text_type(t, output);
  gen_text_appendf(t, "), param_decls = #param.decl.array<[]>, res_attrs = [{coreai.name = "
                      "\"%s\"}], sym_name = \"%s\"}> ({\n  ^bb0(%%arg0: ", output_name, sym_name);
  gen_text_type(t, input);
  gen_text_append(t, "):\n");
  gen_value a;
  a.id = -1;
  a.arg = 0;
  a.type = *input;
  return a;
}

void gen_plan_end_graph(gen_plan *p, gen_value out) {
  gen_text *t = &p->text;
  gen_text_append(t, "    \"coreai.output\"(");
  append_value(t, out);
  gen_text_append(t, ") : (");
  gen_text_type(t, &out.type);
  gen_text_append(t, ") -> ()\n  }) : () -> ()\n}\n");
}

/* The resource key of a location name: every character outside
 * [A-Za-z0-9_] becomes '_'. */
static char *resource_name(const char *name) {
  size_t n = strlen(name);
  char *r = malloc(n + 1);
  if (!r) return NULL;
  for (size_t i = 0; i <= n; i++) {
    char c = name[i];
    int keep = c == 0 || c == '_' || (c >= 'a' && c <= 'z') ||
               (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    r[i] = keep ? c : '_';
  }
  return r;
}

gen_value gen_plan_weight(gen_plan *p, const char *name, gen_init_kind init,
                          double std, int out_axis, int rank,
                          const int64_t *dims) {
  gen_shape s;
  memset(&s, 0, sizeof s);
  snprintf(s.elem, sizeof s.elem, "%s", gen_dtype_name(p->dtype));
  s.rank = rank;
  for (int i = 0; i < rank; i++) s.dim[i] = dims[i];

  if (p->nweights == p->capweights) {
    size_t cap = p->capweights ? 2 * p->capweights : 64;
    gen_weight *w = realloc(p->weights, cap * sizeof *w);
    if (!w) {
      p->oom = 1;
    } else {
      p->weights = w;
      p->capweights = cap;
    }
  }
  if (p->nweights < p->capweights) {
    gen_weight *w = &p->weights[p->nweights];
    memset(w, 0, sizeof *w);
    w->name = strdup(name);
    w->resource = resource_name(name);
    if (!w->name || !w->resource) {
      free(w->name);
      free(w->resource);
      p->oom = 1;
    } else {
      w->shape = s;
      w->numel = gen_shape_numel(&s);
      w->init = init;
      w->std = std;
      w->out_axis = out_axis;
      w->nbytes = (size_t)w->numel * gen_dtype_size(p->dtype);
      p->nelements += w->numel;
      p->nbytes += w->nbytes;
      if (init != GEN_INIT_CAUSAL_MASK) p->nparams += w->numel;
      p->nweights++;
    }
  }

  /* Placeholder: a splat costs nothing whatever the size; gen_writer.c
   * replaces it with dense_resource<resource> over the generated data. */
  gen_value v = new_result(p, &s);
  constant_head(p);
  gen_text_append(&p->text, "dense<0.000000e+00>");
  constant_tail(p, &s);
  end_line(p, name);
  return v;
}

gen_value gen_plan_int_vector(gen_plan *p, const char *elem, int n,
                              const int64_t *vals) {
  gen_shape s = GEN_SHAPE(elem, n);
  gen_value v = new_result(p, &s);
  constant_head(p);
  gen_text_append(&p->text, "dense<[");
  for (int i = 0; i < n; i++)
    gen_text_appendf(&p->text, "%s%lld", i ? ", " : "", (long long)vals[i]);
  gen_text_append(&p->text, "]>");
  constant_tail(p, &s);
  end_line(p, NULL);
  return v;
}

/* Nested list [[0, 1], [2, 3]] of the row-major iota over dims[axis..]. */
static void append_iota(gen_text *t, const gen_shape *s, int axis, int64_t *next) {
  gen_text_append(t, "[");
  for (int64_t i = 0; i < s->dim[axis]; i++) {
    if (i) gen_text_append(t, ", ");
    if (axis + 1 == s->rank)
      gen_text_appendf(t, "%lld", (long long)(*next)++);
    else
      append_iota(t, s, axis + 1, next);
  }
  gen_text_append(t, "]");
}

gen_value gen_plan_int_iota(gen_plan *p, const char *elem, const gen_shape *s_in) {
  gen_shape s = *s_in;
  snprintf(s.elem, sizeof s.elem, "%s", elem);
  gen_value v = new_result(p, &s);
  constant_head(p);
  gen_text_append(&p->text, "dense<");
  int64_t next = 0;
  append_iota(&p->text, &s, 0, &next);
  gen_text_append(&p->text, ">");
  constant_tail(p, &s);
  end_line(p, NULL);
  return v;
}

gen_value gen_plan_int_scalar(gen_plan *p, const char *elem, int64_t x) {
  gen_shape s = gen_shape_make(elem, 0, NULL);
  gen_value v = new_result(p, &s);
  constant_head(p);
  gen_text_appendf(&p->text, "dense<%lld>", (long long)x);
  constant_tail(p, &s);
  end_line(p, NULL);
  return v;
}

gen_value gen_plan_float_splat(gen_plan *p, double x, int rank,
                               const int64_t *dims) {
  gen_shape s;
  memset(&s, 0, sizeof s);
  snprintf(s.elem, sizeof s.elem, "%s", gen_dtype_name(p->dtype));
  s.rank = rank;
  for (int i = 0; i < rank; i++) s.dim[i] = dims[i];
  gen_value v = new_result(p, &s);
  constant_head(p);
  gen_text_appendf(&p->text, "dense<%.8e>", x);
  constant_tail(p, &s);
  end_line(p, NULL);
  return v;
}

static int same_shape(const gen_shape *a, const gen_shape *b) {
  if (a->rank != b->rank) return 0;
  for (int i = 0; i < a->rank; i++)
    if (a->dim[i] != b->dim[i]) return 0;
  return 1;
}

gen_value gen_plan_op(gen_plan *p, const char *opname, const char *props,
                      const gen_shape *result, const char *loc, int nops,
                      const gen_value *ops) {
  gen_text *t = &p->text;
  gen_value v = new_result(p, result);
  if (nops == 2 && !same_shape(&ops[0].type, &ops[1].type) &&
      (!strcmp(opname, "coreai.add") || !strcmp(opname, "coreai.sub") ||
       !strcmp(opname, "coreai.mul")))
    gen_text_appendf(t, "\"coreai.decomposable.broadcasting_%s\"(", opname + strlen("coreai."));
  else
    gen_text_appendf(t, "\"%s\"(", opname);
  for (int i = 0; i < nops; i++) {
    if (i) gen_text_append(t, ", ");
    append_value(t, ops[i]);
  }
  gen_text_append(t, ")");
  if (props) gen_text_appendf(t, " <{%s}>", props);
  gen_text_append(t, " : (");
  for (int i = 0; i < nops; i++) {
    if (i) gen_text_append(t, ", ");
    gen_text_type(t, &ops[i].type);
  }
  gen_text_append(t, ") -> ");
  gen_text_type(t, result);
  end_line(p, loc);
  return v;
}

gen_value gen_plan_op1(gen_plan *p, const char *opname, const char *props,
                       const gen_shape *result, const char *loc, gen_value a) {
  return gen_plan_op(p, opname, props, result, loc, 1, &a);
}

gen_value gen_plan_op2(gen_plan *p, const char *opname, const char *props,
                       const gen_shape *result, const char *loc, gen_value a,
                       gen_value b) {
  gen_value ops[2] = {a, b};
  return gen_plan_op(p, opname, props, result, loc, 2, ops);
}
