/* verify.c -- cais_verify_programs: pairs the weights of an original and a
 * compressed program and checks each pair (verify_internal.h).
 *
 * Pairing: both programs are listed as weight slots (weight_slots.h); the
 * k-th slot of one is the k-th of the other, and their locations must agree
 * (a name location by name; a file location by file base name, line and
 * column, so the programs may be read from different directories; anything
 * else by its printed form).  Pairs:
 *   constant -> constant  left dense: the value must be element-for-element
 *                         bit-identical; a candidate (collect_weights.h, with
 *                         the options' weight_num_threshold) may stay dense
 *                         only for a reason of spec section 4
 *                         (cais_verify_skip_reason);
 *   constant -> chain     compressed: the chain must decode, rebuild the
 *                         original's type, belong to a candidate that had no
 *                         reason to be skipped, and pass the value, support
 *                         and pruning-pattern checks; its error statistics
 *                         go in the table;
 *   chain -> chain        an op chain the original already had: it must
 *                         decode to the same mask and values;
 *   chain -> constant     a violation.
 * Differing slot counts, and build / lut_to_dense ops of the compressed
 * program that belong to no chain, are violations too.
 *
 * Output: a header, one table row per compressed (or skipped) weight --
 *   weight  kind  shape  nnz/elements  sparsity  rel_error  max_abs_err  snr_db
 * -- each followed by its violations ("violation: <weight>: <what>"), then
 *   summary: W weight(s): C compressed, U unchanged; V violation(s); worst
 *            relative error E (<weight>)
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <mlir-c/BuiltinTypes.h>

#include "common/error.h"
#include "common/string_sink.h"
#include "common/float_formats.h"
#include "engine/options.h"
#include "inspect/chain_dense.h"
#include "inspect/verify_internal.h"
#include "inspect/weight_slots.h"
#include "read_ir/locations.h"
#include "read_ir/mlir_print.h"
#include "read_ir/program.h"
#include "select_weights/collect_weights.h"

void cais_verify_violation(cais_verify_ctx *v, const char *weight, const char *fmt, ...) {
  v->summary->violations++;
  if (!v->out) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(v->out, "violation: %s: ", weight);
  vfprintf(v->out, fmt, ap);
  fputc('\n', v->out);
  va_end(ap);
}

typedef struct verify_run {
  cais_verify_ctx ctx;
  const char *orig_source, *comp_source; /* the programs' file names */
  int width; /* name column */
  char worst_name[256];
} verify_run;

/* ---- locations --------------------------------------------------------- */

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static bool locations_agree(MlirLocation a, MlirLocation b) {
  char na[512], nb[512];
  bool ha = cais_location_get_name(a, na, sizeof na);
  bool hb = cais_location_get_name(b, nb, sizeof nb);
  if (ha || hb) return ha && hb && strcmp(na, nb) == 0;
  ha = cais_location_get_file_line_col(a, na, sizeof na);
  hb = cais_location_get_file_line_col(b, nb, sizeof nb);
  if (ha && hb) {
    /* "file:line:col": compare the file's base name and line:col. */
    char *ca = strrchr(na, ':'), *cb = strrchr(nb, ':');
    char *la = ca, *lb = cb;
    while (la > na && la[-1] != ':') la--;
    while (lb > nb && lb[-1] != ':') lb--;
    if (!ca || !cb || la == na || lb == nb) return strcmp(na, nb) == 0;
    if (strcmp(la, lb) != 0) return false;
    la[-1] = '\0';
    lb[-1] = '\0';
    return strcmp(base_name(na), base_name(nb)) == 0;
  }
  if (ha != hb) return false;
  cais_print_location(a, na, sizeof na);
  cais_print_location(b, nb, sizeof nb);
  return strcmp(na, nb) == 0;
}

/* True for the location the parser gives an op whose file wrote none: a
 * file location in the program's own file.  (Upstream's output is printed
 * without locations, so each op's is its own line: nothing to compare.) */
static bool is_parser_location(MlirLocation loc, const char *source) {
  char buf[512];
  if (!source || !cais_location_get_file_line_col(loc, buf, sizeof buf)) return false;
  for (int k = 0; k < 2; k++) {
    char *colon = strrchr(buf, ':');
    if (!colon) return false;
    *colon = '\0';
  }
  return strcmp(buf, source) == 0;
}

/* Every op standing for the weight in the compressed program carries the
 * original constant's location (when both programs wrote locations). */
static void check_locations(verify_run *r, const char *name, MlirOperation orig,
                            const cais_slot *slot) {
  MlirLocation want = mlirOperationGetLocation(orig);
  if (is_parser_location(want, r->orig_source) ||
      is_parser_location(mlirOperationGetLocation(slot->op), r->comp_source))
    return;
  MlirOperation ops[CAIS_CHAIN_MAX_OPS];
  size_t n = 1;
  ops[0] = slot->op;
  if (slot->kind == CAIS_SLOT_CHAIN) {
    cais_chain_ops co;
    cais_chain_trace(slot->op, &co);
    n = cais_chain_ops_list(&co, ops);
  }
  for (size_t i = 0; i < n; i++) {
    MlirLocation have = mlirOperationGetLocation(ops[i]);
    if (locations_agree(want, have)) continue;
    char ws[256], hs[256];
    cais_print_location(want, ws, sizeof ws);
    cais_print_location(have, hs, sizeof hs);
    MlirStringRef opname = mlirIdentifierStr(mlirOperationGetName(ops[i]));
    cais_verify_violation(&r->ctx, name,
                          "location differs: the original constant has %s, the "
                          "compressed program's %.*s has %s (weights paired out of "
                          "order?)",
                          ws, (int)opname.length, opname.data, hs);
    return;
  }
}

/* ---- unchanged constants ----------------------------------------------- */

/* The printed `value` attributes of two constants are equal. */
static bool printed_values_equal(MlirOperation a, MlirOperation b) {
  MlirStringRef key = mlirStringRefCreateFromCString("value");
  MlirAttribute va = mlirOperationGetAttributeByName(a, key);
  MlirAttribute vb = mlirOperationGetAttributeByName(b, key);
  if (mlirAttributeIsNull(va) || mlirAttributeIsNull(vb))
    return mlirAttributeIsNull(va) && mlirAttributeIsNull(vb);
  cais_string_sink ta = {0}, tb = {0};
  mlirAttributePrint(va, cais_string_sink_append, &ta);
  mlirAttributePrint(vb, cais_string_sink_append, &tb);
  bool eq = !ta.failed && !tb.failed && ta.size == tb.size &&
            (ta.size == 0 || memcmp(ta.data, tb.data, ta.size) == 0);
  free(ta.data);
  free(tb.data);
  return eq;
}

/* Index of the first element whose bits differ, or -1. */
static int64_t first_difference(const cais_const_data *a, const cais_const_data *b) {
  if (!a->splat && !b->splat && a->stride_bits == b->stride_bits && a->stride_bits >= 8 &&
      a->numel > 0 &&
      memcmp(a->data, b->data, (size_t)a->numel * (size_t)(a->stride_bits / 8)) == 0)
    return -1;
  for (int64_t i = 0; i < a->numel; i++)
    if (cais_const_bits(a, i) != cais_const_bits(b, i)) return i;
  return -1;
}

static bool same_type_text(MlirType a, MlirType b, char *as, char *bs, size_t size) {
  cais_print_type(a, as, size);
  cais_print_type(b, bs, size);
  return strcmp(as, bs) == 0;
}

static void print_skipped_row(verify_run *r, const char *name, const cais_const_data *w,
                              const char *why) {
  if (!r->ctx.out) return;
  char shape[160];
  cais_shape_describe(w->rank, w->shape, shape, sizeof shape);
  fprintf(r->ctx.out, "%-*s %-12s %-16s (left dense: %s)\n", r->width, name, "skipped",
          shape, why);
}

static void verify_unchanged(verify_run *r, const char *name, const cais_weight *cw,
                             MlirOperation orig, MlirOperation comp) {
  cais_verify_ctx *v = &r->ctx;
  cais_error eo, ec;
  cais_const_data a, b;
  bool ra = cais_const_read(orig, &a, &eo) == CAIS_OK;
  bool rb = cais_const_read(comp, &b, &ec) == CAIS_OK;
  bool same = false;
  char as[256], bs[256];
  MlirType ta = mlirValueGetType(mlirOperationGetResult(orig, 0));
  MlirType tb = mlirValueGetType(mlirOperationGetResult(comp, 0));
  if (!same_type_text(ta, tb, as, bs, sizeof as)) {
    cais_verify_violation(v, name, "left dense, but its type changed from %s to %s", as,
                          bs);
    return;
  }
  if (ra && rb) {
    int64_t at = first_difference(&a, &b);
    if (at >= 0)
      cais_verify_violation(v, name,
                            "left dense, but its value changed (first difference at "
                            "flat index %lld: %.9g instead of %.9g)",
                            (long long)at, cais_const_double(&b, at),
                            cais_const_double(&a, at));
    else
      same = true;
  } else if (!ra && !rb) {
    same = printed_values_equal(orig, comp);
    if (!same) cais_verify_violation(v, name, "left dense, but its value changed");
  } else if (!rb) {
    cais_verify_violation(v, name, "left dense, but its value cannot be read: %s",
                          ec.message);
  } else {
    cais_verify_violation(v, name,
                          "left dense, but its value changed (the original's cannot be "
                          "read: %s)",
                          eo.message);
  }
  if (same) v->summary->unchanged++;

  if (cw && cw->eligible && ra) {
    char why[256];
    if (cais_verify_skip_reason(&v->params, &a, cw->axes, why, sizeof why))
      print_skipped_row(r, name, &a, why);
    else
      cais_verify_violation(v, name,
                            "a candidate for compression (%lld elements, above "
                            "weight_num_threshold) was left dense with no reason to "
                            "skip it",
                            (long long)a.numel);
  }
}

/* ---- compressed weights ------------------------------------------------- */

static void print_row(verify_run *r, const char *name, const cais_chain *c, double rel,
                      double max_abs, double snr) {
  if (!r->ctx.out) return;
  char kind[32], shape[160], counts[48], snr_text[32];
  cais_chain_kind_describe(c, kind, sizeof kind);
  cais_shape_describe(c->rank, c->shape, shape, sizeof shape);
  snprintf(counts, sizeof counts, "%lld/%lld", (long long)c->nnz, (long long)c->numel);
  if (isinf(snr))
    snprintf(snr_text, sizeof snr_text, "inf");
  else
    snprintf(snr_text, sizeof snr_text, "%.2f", snr);
  fprintf(r->ctx.out, "%-*s %-12s %-16s %21s %8.4f %11.3e %11.3e %8s\n", r->width, name,
          kind, shape, counts, c->numel ? 1.0 - (double)c->nnz / (double)c->numel : 0.0,
          rel, max_abs, snr_text);
}

static void verify_compressed(verify_run *r, const char *name, const cais_weight *cw,
                              MlirOperation orig, MlirOperation to_dense) {
  cais_verify_ctx *v = &r->ctx;
  cais_error e;
  cais_chain c;
  if (cais_chain_decode(to_dense, &c, &e) != CAIS_OK) {
    if (v->out) fprintf(v->out, "%-*s %-12s\n", r->width, name, "malformed");
    cais_verify_violation(v, name, "malformed op chain: %s", e.message);
    return;
  }
  cais_const_data w;
  if (cais_const_read(orig, &w, &e) != CAIS_OK) {
    cais_verify_violation(v, name, "cannot read the original value: %s", e.message);
    return;
  }
  char ts[256], cs[256];
  if (!same_type_text(w.type, c.dense_type, ts, cs, sizeof ts)) {
    cais_verify_violation(v, name, "the op chain rebuilds %s but the original is %s", cs,
                          ts);
    return;
  }
  v->summary->chains++;

  /* Error statistics over the whole tensor, from what the runtime
   * computes (chain_dense.h). */
  uint32_t *dense = NULL;
  if (cais_chain_dense(&c, &dense, &e) != CAIS_OK) {
    cais_verify_violation(v, name, "cannot decode: %s", e.message);
    return;
  }
  double sq_err = 0.0, sq_norm = 0.0, max_abs = 0.0;
  for (int64_t i = 0; i < c.numel; i++) {
    double x = cais_const_double(&w, i);
    double d = cais_float_bits_to_double(dense[i], c.ftype);
    double diff = x - d;
    sq_err += diff * diff;
    sq_norm += x * x;
    if (fabs(diff) > max_abs || isnan(diff)) max_abs = fabs(diff);
  }
  free(dense);
  double rel = sq_norm > 0.0 ? sqrt(sq_err / sq_norm) : (sq_err > 0.0 ? INFINITY : 0.0);
  double snr = sq_err > 0.0 ? 10.0 * log10(sq_norm / sq_err) : INFINITY;
  print_row(r, name, &c, rel, max_abs, snr);
  if (rel > v->summary->worst_relative_error || isnan(rel) || !r->worst_name[0]) {
    v->summary->worst_relative_error = rel;
    snprintf(r->worst_name, sizeof r->worst_name, "%s", name);
  }

  char why[256];
  if (!cw || !cw->eligible)
    cais_verify_violation(v, name, "compressed, but it is not a candidate: %s",
                          cw ? cw->reason : "not a float constant of the original");
  cais_axes axes = cw && cw->eligible ? cw->axes : (cais_axes){0, 1};
  if (!cw || !cw->eligible) {
    bool disagree;
    char detail[8];
    axes = cais_channel_axes(mlirOperationGetResult(orig, 0), w.rank, &disagree, detail,
                             sizeof detail);
  }
  if (cais_verify_skip_reason(&v->params, &w, axes, why, sizeof why)) {
    cais_verify_violation(v, name, "compressed, but it should have been skipped: %s", why);
    if (strstr(why, "non-finite")) return;
  }
  cais_verify_weight vw = {name, &w, &c, axes};
  cais_verify_chain_values(v, &vw);
  cais_verify_mask_support(v, &vw);
  cais_verify_pruning_pattern(v, &vw);
}

/* An op chain the original already had must be left as it was. */
static void verify_same_chain(verify_run *r, const char *name, MlirOperation orig,
                              MlirOperation comp) {
  cais_verify_ctx *v = &r->ctx;
  cais_error eo, ec;
  cais_chain a, b;
  bool ra = cais_chain_decode(orig, &a, &eo) == CAIS_OK;
  bool rb = cais_chain_decode(comp, &b, &ec) == CAIS_OK;
  if (!rb) {
    if (ra) cais_verify_violation(v, name, "malformed op chain: %s", ec.message);
    else v->summary->unchanged++; /* as broken as it was */
    return;
  }
  bool same = ra && a.kind == b.kind && a.joint == b.joint && a.nbits == b.nbits &&
              a.numel == b.numel && a.nnz == b.nnz && a.ftype == b.ftype;
  for (int64_t i = 0; same && i < a.numel; i++)
    same = cais_chain_mask_bit(&a, i) == cais_chain_mask_bit(&b, i);
  same = same && cais_chain_pruned_bits(&a) == cais_chain_pruned_bits(&b);
  for (int64_t j = 0; same && j < a.nnz; j++)
    same = cais_chain_kept_bits(&a, j) == cais_chain_kept_bits(&b, j);
  if (same)
    v->summary->unchanged++;
  else
    cais_verify_violation(v, name, "the original's op chain was changed");
}

/* ---- the run ------------------------------------------------------------ */

static void describe_params(const cais_compress_params *p, char *buf, size_t size) {
  char joint[32];
  cais_joint_mode_describe(p->joint, p->palettize_nbits, joint, sizeof joint);
  switch (p->prune) {
    case CAIS_PRUNE_MAGNITUDE:
      snprintf(buf, size, "magnitude, target_sparsity %g, joint %s", p->target_sparsity,
               joint);
      break;
    case CAIS_PRUNE_BLOCK:
      snprintf(buf, size, "block %lld, target_sparsity %g, joint %s",
               (long long)p->block_size, p->target_sparsity, joint);
      break;
    case CAIS_PRUNE_NM:
      snprintf(buf, size, "n:m %lld:%lld, joint %s", (long long)p->nm_n,
               (long long)p->nm_m, joint);
      break;
  }
}

static void describe_op(MlirOperation op, char *buf, size_t size) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  char where[300];
  if (!cais_location_get_name(mlirOperationGetLocation(op), where, sizeof where) &&
      !cais_location_get_file_line_col(mlirOperationGetLocation(op), where, sizeof where))
    snprintf(where, sizeof where, "(no location)");
  snprintf(buf, size, "%.*s at %s", (int)name.length, name.data, where);
}

cais_status cais_verify_programs(const cais_program *original,
                                 const cais_program *compressed,
                                 const cais_options *options, FILE *out,
                                 cais_verify_summary *summary, cais_error *err) {
  cais_verify_summary local;
  if (!summary) summary = &local;
  memset(summary, 0, sizeof *summary);
  if (!original || !compressed || !options)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_verify_programs: original, compressed and options are required");
  verify_run r;
  memset(&r, 0, sizeof r);
  r.ctx.out = out;
  r.ctx.summary = summary;
  cais_status st = cais_options_resolve(options, &r.ctx.params, err);
  if (st != CAIS_OK) return st;
  const char *oname = original->source_name ? original->source_name : "original";
  const char *cname = compressed->source_name ? compressed->source_name : "compressed";
  r.orig_source = original->source_name;
  r.comp_source = compressed->source_name;

  cais_weight_set set;
  st = cais_collect_weights(original->module, options->weight_num_threshold, &set, err);
  if (st != CAIS_OK) {
    cais_error_prefix(err, "%s", oname);
    return st;
  }
  cais_slot_list so, sc;
  st = cais_slots_collect(original->module, &so, err);
  if (st != CAIS_OK) {
    cais_weight_set_free(&set);
    return st;
  }
  st = cais_slots_collect(compressed->module, &sc, err);
  if (st != CAIS_OK) {
    cais_slots_free(&so);
    cais_weight_set_free(&set);
    return st;
  }

  r.width = 6;
  for (size_t i = 0; i < so.count; i++) {
    int len = (int)strlen(so.items[i].name);
    if (len > r.width) r.width = len < 48 ? len : 48;
  }
  if (out) {
    char params[160];
    describe_params(&r.ctx.params, params, sizeof params);
    fprintf(out, "verify: %s against %s (%s)\n", cname, oname, params);
    fprintf(out, "%-*s %-12s %-16s %21s %8s %11s %11s %8s\n", r.width, "weight", "kind",
            "shape", "nnz/elements", "sparsity", "rel_error", "max_abs_err", "snr_db");
  }

  for (size_t i = 0; i < sc.orphan_count; i++) {
    char what[400];
    describe_op(sc.orphans[i], what, sizeof what);
    cais_verify_violation(&r.ctx, cname,
                          "%s is not part of a complete op chain (no "
                          "sparse_with_bitmask_to_dense reads it)",
                          what);
  }

  size_t pairs = so.count < sc.count ? so.count : sc.count;
  size_t ci = 0;
  for (size_t k = 0; k < pairs; k++) {
    const cais_slot *os = &so.items[k], *cs = &sc.items[k];
    const char *name = os->name;
    if (os->kind == CAIS_SLOT_CONSTANT) {
      const cais_weight *cw = NULL;
      while (ci < set.count && set.items[ci].op.ptr != os->op.ptr) ci++;
      if (ci < set.count) cw = &set.items[ci];
      if (cs->kind == CAIS_SLOT_CONSTANT)
        verify_unchanged(&r, name, cw, os->op, cs->op);
      else
        verify_compressed(&r, name, cw, os->op, cs->op);
    } else if (cs->kind == CAIS_SLOT_CHAIN) {
      verify_same_chain(&r, name, os->op, cs->op);
    } else {
      cais_verify_violation(&r.ctx, name,
                            "the original's op chain was replaced by a constant");
    }
    check_locations(&r, name, os->op, cs);
  }
  if (sc.leftover_count && out) {
    uint64_t bytes = 0;
    for (size_t i = 0; i < sc.leftover_count; i++) {
      cais_const_data d;
      cais_error e;
      if (cais_const_read(sc.leftovers[i], &d, &e) == CAIS_OK) bytes += d.payload_bytes;
    }
    fprintf(out,
            "note: %s keeps %zu replaced constant(s) with no users after their op "
            "chains (%llu bytes; upstream's sparsify_weights leaves them)\n",
            cname, sc.leftover_count, (unsigned long long)bytes);
  }
  summary->weights = so.count;
  if (so.count != sc.count)
    cais_verify_violation(&r.ctx, cname,
                          "the original has %zu float weight(s) (constants and op "
                          "chains), the compressed program %zu; first unpaired: %s",
                          so.count, sc.count,
                          so.count > sc.count ? so.items[pairs].name : sc.items[pairs].name);

  if (out) {
    fprintf(out, "summary: %zu weight(s): %zu compressed, %zu unchanged; %zu violation(s)",
            summary->weights, summary->chains, summary->unchanged, summary->violations);
    if (summary->chains)
      fprintf(out, "; worst relative error %.3e (%s)", summary->worst_relative_error,
              r.worst_name);
    fputc('\n', out);
  }
  cais_slots_free(&so);
  cais_slots_free(&sc);
  cais_weight_set_free(&set);
  return CAIS_OK;
}
