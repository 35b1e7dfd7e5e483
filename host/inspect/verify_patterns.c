/* verify_patterns.c -- the mask of a chain against the pruning rules of
 * spec section 4 (see verify_internal.h).
 *
 * P = {i : mask_i == 0}, K = {i : mask_i == 1}.  Pruned elements and the
 * original's zeros both have mask 0, so the checks are phrased on P:
 *
 *  support     mask_i == 1 only where w_i != 0.
 *  magnitude   n = floor(N * s) (cais_prune_target_count).  |P| ==
 *              max(n, zeros(w)); max_P |w| <= min_K |w|; on a tie at
 *              T = max_P |w| = min_K |w| > 0 every pruned tie comes before
 *              every kept tie in flat order.
 *  block (b)   blocks are b consecutive indices along the output-channel
 *              axis at a fixed position of the other axes (the tail block
 *              shorter); score = sum of w^2 in double, in index order.  Every
 *              block is all mask 0, or has mask == (w != 0).  Z = the
 *              all-mask-0 blocks (pruned blocks, and kept all-zero blocks,
 *              which look the same); Z+ = those of Z with score > 0, which
 *              must have been pruned, after every zero-score block.  Then:
 *              elements(Z) >= n; when Z+ is not empty, elements(Z) minus the
 *              last pruned block (the largest score of Z+; of equal scores
 *              the largest block) < n; and max score(Z+) <= min score of the
 *              other blocks (relative slack 1e-12 for summation order).
 *  n:m         runs of m along the input-channel axis at a fixed position
 *              of the other axes; a tail run of r < m prunes
 *              n_eff = max(0, n - (m - r)) (the padding zeros go first).  Per
 *              run |P_run| == max(n_eff, zeros(run)), and the magnitude
 *              order and tie rule hold within the run.
 * Violations count the offending elements / blocks / runs and show the
 * first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/options.h"
#include "inspect/verify_internal.h"

/* The shortest %g text that reads back as `x`. */
static const char *shortest(double x, char buf[32]) {
  for (int digits = 6; digits <= 17; digits++) {
    snprintf(buf, 32, "%.*g", digits, x);
    if (strtod(buf, NULL) == x) break;
  }
  return buf;
}

/* Extents around `axis`: outer * channels * inner == numel. */
typedef struct axis_geometry {
  int64_t outer, channels, inner;
} axis_geometry;

static axis_geometry geometry(const cais_chain *c, int axis) {
  axis_geometry g = {1, 1, 1};
  if (c->rank == 0) return g;
  if (axis < 0 || axis >= c->rank) axis = 0;
  for (int d = 0; d < axis; d++) g.outer *= c->shape[d];
  g.channels = c->shape[axis];
  for (int d = axis + 1; d < c->rank; d++) g.inner *= c->shape[d];
  return g;
}

void cais_verify_mask_support(cais_verify_ctx *v, const cais_verify_weight *vw) {
  const cais_chain *c = vw->chain;
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < c->numel; i++)
    if (cais_chain_mask_bit(c, i) && cais_vw_w(vw, i) == 0.0 && bad++ == 0) first = i;
  if (bad)
    cais_verify_violation(v, vw->name,
                          "the mask is 1 at %lld element(s) where the original is zero "
                          "(first at flat index %lld)",
                          (long long)bad, (long long)first);
}

/* Order statistics of a set of elements split by the mask. */
typedef struct order_stats {
  int64_t pruned, zeros;
  double max_p, min_k;       /* max |w| over P (-1: none), min |w| over K */
  int64_t max_p_at, min_k_at;
  int64_t last_p_tie, first_k_tie; /* filled by tie_pass */
} order_stats;

static void stats_init(order_stats *s) {
  memset(s, 0, sizeof *s);
  s->max_p = -1.0;
  s->min_k = INFINITY;
  s->max_p_at = s->min_k_at = s->last_p_tie = s->first_k_tie = -1;
}

static void stats_add(order_stats *s, double w, bool kept, int64_t i) {
  double a = fabs(w);
  if (w == 0.0) s->zeros++;
  if (!kept) {
    s->pruned++;
    if (a > s->max_p) {
      s->max_p = a;
      s->max_p_at = i;
    }
  } else if (a < s->min_k) {
    s->min_k = a;
    s->min_k_at = i;
  }
}

/* For a tie T = max_p == min_k > 0: records the last pruned and first kept
 * element with |w| == T (called in increasing index order). */
static void tie_add(order_stats *s, double w, bool kept, int64_t i) {
  if (fabs(w) != s->max_p) return;
  if (!kept)
    s->last_p_tie = i;
  else if (s->first_k_tie < 0)
    s->first_k_tie = i;
}

static bool has_tie(const order_stats *s) {
  return s->max_p > 0.0 && s->max_p == s->min_k;
}

static void check_magnitude(cais_verify_ctx *v, const cais_verify_weight *vw) {
  const cais_chain *c = vw->chain;
  int64_t n = cais_prune_target_count(c->numel, v->params.target_sparsity);
  char sbuf[32];
  order_stats s;
  stats_init(&s);
  for (int64_t i = 0; i < c->numel; i++)
    stats_add(&s, cais_vw_w(vw, i), cais_chain_mask_bit(c, i), i);
  int64_t want = n > s.zeros ? n : s.zeros;
  if (s.pruned != want) {
    /* Upstream's rule, |w| <= np.percentile(|w|, 100 s), prunes every
     * element tied with the threshold: say so when that is what happened
     * (every pruned |w| below every kept one, and fewer than `want` strictly
     * below the largest pruned |w|).  Still a violation: the count is not
     * floor(N s), as upstream's own docstring promises (docs/CONFORMANCE.md). */
    int64_t below = 0;
    if (s.pruned > want && s.max_p < s.min_k)
      for (int64_t i = 0; i < c->numel; i++) below += fabs(cais_vw_w(vw, i)) < s.max_p;
    char why[200] = "";
    if (s.pruned > want && s.max_p < s.min_k && below < want)
      snprintf(why, sizeof why,
               "; the %lld extra are ties at the threshold |w| = %.9g, all pruned "
               "(upstream's percentile rule)",
               (long long)(s.pruned - want), s.max_p);
    cais_verify_violation(v, vw->name,
                          "%lld element(s) have mask 0, expected %lld = max(floor(%lld * "
                          "%s) = %lld, %lld zeros of the original)%s",
                          (long long)s.pruned, (long long)want, (long long)c->numel,
                          shortest(v->params.target_sparsity, sbuf), (long long)n,
                          (long long)s.zeros, why);
  }
  if (s.max_p > s.min_k) {
    cais_verify_violation(v, vw->name,
                          "magnitude order broken: pruned |w| = %.9g (flat index %lld) "
                          "above kept |w| = %.9g (flat index %lld)",
                          s.max_p, (long long)s.max_p_at, s.min_k, (long long)s.min_k_at);
  } else if (has_tie(&s)) {
    for (int64_t i = 0; i < c->numel; i++)
      tie_add(&s, cais_vw_w(vw, i), cais_chain_mask_bit(c, i), i);
    if (s.last_p_tie > s.first_k_tie)
      cais_verify_violation(v, vw->name,
                            "tie at |w| = %.9g not broken by flat index: pruned index "
                            "%lld comes after kept index %lld",
                            s.max_p, (long long)s.last_p_tie, (long long)s.first_k_tie);
  }
}

static void check_nm(cais_verify_ctx *v, const cais_verify_weight *vw) {
  const cais_chain *c = vw->chain;
  int64_t n = v->params.nm_n, m = v->params.nm_m;
  int axis = vw->axes.in_axis;
  axis_geometry g = geometry(c, axis);
  int64_t bad_count = 0, bad_order = 0;
  int64_t count_at = -1, count_have = 0, count_want = 0;
  int64_t order_at = -1, order_p = -1, order_k = -1;
  for (int64_t o = 0; o < g.outer; o++)
    for (int64_t in = 0; in < g.inner; in++)
      for (int64_t start = 0; start < g.channels; start += m) {
        int64_t r = g.channels - start < m ? g.channels - start : m;
        int64_t n_eff = n - (m - r);
        if (n_eff < 0) n_eff = 0;
        order_stats s;
        stats_init(&s);
        int64_t base = (o * g.channels + start) * g.inner + in;
        for (int64_t k = 0; k < r; k++) {
          int64_t i = base + k * g.inner;
          stats_add(&s, cais_vw_w(vw, i), cais_chain_mask_bit(c, i), i);
        }
        int64_t want = n_eff > s.zeros ? n_eff : s.zeros;
        if (s.pruned != want && bad_count++ == 0) {
          count_at = base;
          count_have = s.pruned;
          count_want = want;
        }
        bool order_ok = s.max_p <= s.min_k;
        if (order_ok && has_tie(&s)) {
          for (int64_t k = 0; k < r; k++) {
            int64_t i = base + k * g.inner;
            tie_add(&s, cais_vw_w(vw, i), cais_chain_mask_bit(c, i), i);
          }
          order_ok = s.last_p_tie < s.first_k_tie;
        }
        if (!order_ok && bad_order++ == 0) {
          order_at = base;
          order_p = s.max_p > s.min_k ? s.max_p_at : s.last_p_tie;
          order_k = s.max_p > s.min_k ? s.min_k_at : s.first_k_tie;
        }
      }
  if (bad_count)
    cais_verify_violation(v, vw->name,
                          "%lld:%lld pattern along axis %d: %lld run(s) prune the wrong "
                          "number of elements (first: the run at flat index %lld has %lld "
                          "with mask 0, expected %lld)",
                          (long long)n, (long long)m, axis, (long long)bad_count,
                          (long long)count_at, (long long)count_have,
                          (long long)count_want);
  if (bad_order)
    cais_verify_violation(v, vw->name,
                          "%lld:%lld pattern along axis %d: %lld run(s) do not prune "
                          "their lowest |w| first (first: the run at flat index %lld, "
                          "pruned flat index %lld vs kept flat index %lld)",
                          (long long)n, (long long)m, axis, (long long)bad_order,
                          (long long)order_at, (long long)order_p, (long long)order_k);
}

static void check_block(cais_verify_ctx *v, const cais_verify_weight *vw) {
  const cais_chain *c = vw->chain;
  int64_t b = v->params.block_size;
  int64_t n = cais_prune_target_count(c->numel, v->params.target_sparsity);
  char sbuf[32];
  int axis = vw->axes.out_axis;
  axis_geometry g = geometry(c, axis);
  int64_t mixed = 0, mixed_at = -1;
  int64_t zero_elems = 0, pos_blocks = 0;
  double max_pos = -1.0, min_kept = INFINITY;
  int64_t max_pos_size = 0, max_pos_at = -1, min_kept_at = -1;
  for (int64_t o = 0; o < g.outer; o++)
    for (int64_t start = 0; start < g.channels; start += b)
      for (int64_t in = 0; in < g.inner; in++) {
        int64_t r = g.channels - start < b ? g.channels - start : b;
        int64_t base = (o * g.channels + start) * g.inner + in;
        bool all_zero_mask = true, matches = true;
        double score = 0.0;
        for (int64_t k = 0; k < r; k++) {
          int64_t i = base + k * g.inner;
          double w = cais_vw_w(vw, i);
          bool bit = cais_chain_mask_bit(c, i);
          score += w * w;
          if (bit) all_zero_mask = false;
          if (bit != (w != 0.0)) matches = false;
        }
        if (all_zero_mask) {
          zero_elems += r;
          if (score > 0.0) {
            pos_blocks++;
            if (score > max_pos || (score == max_pos && r > max_pos_size)) {
              max_pos = score;
              max_pos_size = r;
              max_pos_at = base;
            }
          }
        } else if (!matches) {
          if (mixed++ == 0) mixed_at = base;
        } else if (score < min_kept) {
          min_kept = score;
          min_kept_at = base;
        }
      }
  if (mixed)
    cais_verify_violation(v, vw->name,
                          "block %lld along axis %d: %lld block(s) are neither pruned "
                          "whole nor kept whole (first: the block at flat index %lld)",
                          (long long)b, axis, (long long)mixed, (long long)mixed_at);
  if (zero_elems < n)
    cais_verify_violation(v, vw->name,
                          "block %lld along axis %d: %lld element(s) in pruned blocks, "
                          "expected at least floor(%lld * %s) = %lld",
                          (long long)b, axis, (long long)zero_elems, (long long)c->numel,
                          shortest(v->params.target_sparsity, sbuf), (long long)n);
  else if (pos_blocks > 0 && zero_elems - max_pos_size >= n)
    cais_verify_violation(v, vw->name,
                          "block %lld along axis %d: %lld element(s) in pruned blocks, "
                          "more than needed for floor(%lld * %s) = %lld (the last "
                          "pruned block, at flat index %lld, was not needed)",
                          (long long)b, axis, (long long)zero_elems, (long long)c->numel,
                          shortest(v->params.target_sparsity, sbuf), (long long)n, (long long)max_pos_at);
  if (pos_blocks > 0 && max_pos > min_kept * (1.0 + 1e-12))
    cais_verify_violation(v, vw->name,
                          "block %lld along axis %d: a pruned block (flat index %lld, "
                          "sum of squares %.9g) scores above a kept one (flat index "
                          "%lld, %.9g)",
                          (long long)b, axis, (long long)max_pos_at, max_pos,
                          (long long)min_kept_at, min_kept);
}

void cais_verify_pruning_pattern(cais_verify_ctx *v, const cais_verify_weight *vw) {
  switch (v->params.prune) {
    case CAIS_PRUNE_MAGNITUDE: check_magnitude(v, vw); break;
    case CAIS_PRUNE_BLOCK: check_block(v, vw); break;
    case CAIS_PRUNE_NM: check_nm(v, vw); break;
  }
}

bool cais_verify_skip_reason(const cais_compress_params *p, const cais_const_data *w,
                             cais_axes axes, char *why, size_t size) {
  int64_t bad = 0, first = -1;
  if (w->elem.kind == CAIS_ELEM_FLOAT)
    for (int64_t i = 0; i < w->numel; i++)
      if (!cais_float_bits_is_finite((uint32_t)cais_const_bits(w, i), w->elem.ftype) &&
          bad++ == 0)
        first = i;
  if (bad) {
    snprintf(why, size, "contains %lld non-finite value(s) (first at flat index %lld)",
             (long long)bad, (long long)first);
    return true;
  }
  if (p->prune == CAIS_PRUNE_MAGNITUDE) return false;
  if (w->rank <= 1) {
    snprintf(why, size, "%s pruning does not apply to a rank-%d weight",
             cais_prune_mode_name(p->prune), w->rank);
    return true;
  }
  int axis = p->prune == CAIS_PRUNE_BLOCK ? axes.out_axis : axes.in_axis;
  if (axis < 0 || axis >= w->rank) axis = 0;
  int64_t channels = w->shape[axis];
  int64_t size_along = p->prune == CAIS_PRUNE_BLOCK ? p->block_size : p->nm_m;
  if (size_along > channels / 2) {
    snprintf(why, size, "%s %lld is more than half the %lld channels of axis %d",
             p->prune == CAIS_PRUNE_BLOCK ? "block size" : "m", (long long)size_along,
             (long long)channels, axis);
    return true;
  }
  return false;
}
