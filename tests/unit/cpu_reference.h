/*
 * cpu_reference.h -- naive reference implementations of the CPU backend's
 * rules (documented in the headers of host/compute/cpu), shared by the tests/unit/test_*.c
 * suites of the compute core.  Everything here is written the slow, obvious
 * way (sorting, linear scans) so that it checks the fast code independently.
 * Header-only (static functions); include after cmocka.h.
 */
#ifndef CAIS_TEST_CPU_REFERENCE_H
#define CAIS_TEST_CPU_REFERENCE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bitpack.h"
#include "common/float_formats.h"
#include "compute/compute_job.h"
#include "compute/cpu/cpu_backend.h"
#include "compute/cpu/error_stats.h"
#include "test_support.h"

/* ---- tensors ----------------------------------------------------------- */

static inline size_t ref_esize(cais_float_type t) { return t == CAIS_FLOAT_F32 ? 4 : 2; }

static inline uint32_t ref_bits(const void *data, size_t i, cais_float_type t) {
  if (t == CAIS_FLOAT_F32) {
    uint32_t v;
    memcpy(&v, (const char *)data + 4 * i, 4);
    return v;
  }
  uint16_t v;
  memcpy(&v, (const char *)data + 2 * i, 2);
  return v;
}

static inline void ref_set_bits(void *data, size_t i, cais_float_type t, uint32_t bits) {
  if (t == CAIS_FLOAT_F32) {
    memcpy((char *)data + 4 * i, &bits, 4);
  } else {
    uint16_t v = (uint16_t)bits;
    memcpy((char *)data + 2 * i, &v, 2);
  }
}

static inline double ref_value(const void *data, size_t i, cais_float_type t) {
  return cais_float_bits_to_double(ref_bits(data, i, t), t);
}

static inline uint32_t ref_key(const void *data, size_t i, cais_float_type t) {
  return ref_bits(data, i, t) & (t == CAIS_FLOAT_F32 ? 0x7FFFFFFFu : 0x7FFFu);
}

/** A tensor of n elements of type t with values v(i) (rounded to t). */
static inline void *ref_make(cais_float_type t, size_t n, double (*v)(uint64_t *, size_t),
                             uint64_t seed) {
  void *data = malloc(n * ref_esize(t) + 1);
  uint64_t state = seed;
  for (size_t i = 0; i < n; i++) ref_set_bits(data, i, t, cais_double_to_float_bits(v(&state, i), t));
  return data;
}

/** Normal(0, 0.02) values. */
static inline double ref_normal002(uint64_t *s, size_t i) {
  (void)i;
  return 0.02 * cais_test_normal(s);
}

/** Values with many ties and zeros: small integers times 1/8. */
static inline double ref_tied(uint64_t *s, size_t i) {
  (void)i;
  return (double)((int)(cais_test_rand(s) % 9) - 4) / 8.0;
}

/* ---- jobs -------------------------------------------------------------- */

static inline cais_job ref_job(const void *data, cais_float_type t, int rank,
                               const int64_t *shape, int out_axis, int in_axis,
                               const cais_compress_params *p) {
  cais_job job;
  memset(&job, 0, sizeof job);
  job.weight.data = data;
  job.weight.type = t;
  job.weight.rank = rank;
  job.weight.numel = 1;
  for (int d = 0; d < rank; d++) {
    job.weight.shape[d] = shape[d];
    job.weight.numel *= shape[d];
  }
  job.out_axis = out_axis;
  job.in_axis = in_axis;
  job.params = p;
  return job;
}

static inline cais_compress_params ref_params_magnitude(double s, cais_joint_mode joint, int nbits) {
  cais_compress_params p;
  memset(&p, 0, sizeof p);
  p.prune = CAIS_PRUNE_MAGNITUDE;
  p.target_sparsity = s;
  p.joint = joint;
  p.palettize_nbits = nbits;
  return p;
}

/* ---- reference masks (one byte per element, 1 = in mask) --------------- */

typedef struct ref_item {
  uint64_t key; /* ordering key (abs key, or score bits) */
  size_t index;
} ref_item;

static int ref_item_cmp(const void *a, const void *b) {
  const ref_item *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/** Magnitude: prune the n first in (abs key, index) order. */
static inline uint8_t *ref_mask_magnitude(const void *data, cais_float_type t, size_t n_el,
                                          int64_t n) {
  ref_item *items = malloc(n_el * sizeof *items);
  uint8_t *keep = malloc(n_el);
  for (size_t i = 0; i < n_el; i++) {
    items[i].key = ref_key(data, i, t);
    items[i].index = i;
    keep[i] = 1;
  }
  qsort(items, n_el, sizeof *items, ref_item_cmp);
  for (int64_t k = 0; k < n; k++) keep[items[k].index] = 0;
  for (size_t i = 0; i < n_el; i++) keep[i] = keep[i] && ref_key(data, i, t) != 0;
  free(items);
  return keep;
}

/** Flat index of (o, c, i) around an axis. */
static inline void ref_geometry(int rank, const int64_t *shape, int axis, size_t *outer,
                                size_t *len, size_t *inner) {
  *outer = *inner = 1;
  for (int d = 0; d < axis; d++) *outer *= (size_t)shape[d];
  for (int d = axis + 1; d < rank; d++) *inner *= (size_t)shape[d];
  *len = (size_t)shape[axis];
}

/** Block: score blocks, order by (score, block index), prune to >= n. */
static inline uint8_t *ref_mask_block(const void *data, cais_float_type t, int rank,
                                      const int64_t *shape, int axis, int64_t b, int64_t n) {
  size_t outer, len, inner;
  ref_geometry(rank, shape, axis, &outer, &len, &inner);
  size_t nb = (len + (size_t)b - 1) / (size_t)b, total = outer * len * inner;
  size_t nblocks = outer * nb * inner;
  ref_item *items = malloc(nblocks * sizeof *items);
  uint8_t *keep = malloc(total);
  for (size_t o = 0; o < outer; o++)
    for (size_t cb = 0; cb < nb; cb++)
      for (size_t i = 0; i < inner; i++) {
        double s = 0.0;
        for (size_t c = cb * (size_t)b; c < len && c < (cb + 1) * (size_t)b; c++) {
          double x = ref_value(data, (o * len + c) * inner + i, t);
          s += x * x;
        }
        size_t blk = (o * nb + cb) * inner + i;
        memcpy(&items[blk].key, &s, 8);
        items[blk].index = blk;
      }
  qsort(items, nblocks, sizeof *items, ref_item_cmp);
  uint8_t *pruned = calloc(nblocks, 1);
  int64_t done = 0;
  for (size_t k = 0; k < nblocks && done < n; k++) {
    size_t blk = items[k].index, cb = (blk / inner) % nb;
    pruned[blk] = 1;
    done += (int64_t)((cb + 1) * (size_t)b <= len ? (size_t)b : len - cb * (size_t)b);
  }
  for (size_t o = 0; o < outer; o++)
    for (size_t c = 0; c < len; c++)
      for (size_t i = 0; i < inner; i++) {
        size_t e = (o * len + c) * inner + i;
        keep[e] = !pruned[(o * nb + c / (size_t)b) * inner + i] && ref_key(data, e, t) != 0;
      }
  free(items);
  free(pruned);
  return keep;
}

/** n:m: per run, prune the k first by (abs key, index), k as the spec says. */
static inline uint8_t *ref_mask_nm(const void *data, cais_float_type t, int rank,
                                   const int64_t *shape, int axis, int64_t n, int64_t m) {
  size_t outer, len, inner;
  ref_geometry(rank, shape, axis, &outer, &len, &inner);
  size_t total = outer * len * inner;
  uint8_t *keep = malloc(total);
  ref_item *items = malloc((size_t)m * sizeof *items);
  for (size_t e = 0; e < total; e++) keep[e] = ref_key(data, e, t) != 0;
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++)
      for (size_t c0 = 0; c0 < len; c0 += (size_t)m) {
        size_t r = len - c0 < (size_t)m ? len - c0 : (size_t)m;
        int64_t k = n - ((int64_t)m - (int64_t)r);
        if (k <= 0) continue;
        for (size_t p = 0; p < r; p++) {
          size_t e = (o * len + c0 + p) * inner + i;
          items[p].key = ref_key(data, e, t);
          items[p].index = e;
        }
        qsort(items, r, sizeof *items, ref_item_cmp);
        for (int64_t q = 0; q < k && q < (int64_t)r; q++) keep[items[q].index] = 0;
      }
  free(items);
  return keep;
}

/* ---- checking a result ------------------------------------------------- */

static inline int ref_mask_bit(const uint8_t *mask, size_t i) { return (mask[i / 8] >> (i % 8)) & 1; }

/** Asserts that the packed result mask equals `expected` (one byte per
 *  element) and that padding bits are zero. */
static inline void ref_assert_mask(const cais_job_result *r, const uint8_t *expected, size_t n) {
  assert_int_equal(r->mask_bytes, (n + 7) / 8);
  int64_t nnz = 0;
  for (size_t i = 0; i < n; i++) {
    if (ref_mask_bit(r->mask, i) != expected[i]) fail_msg("mask differs at flat index %zu", i);
    nnz += expected[i];
  }
  for (size_t i = n; i < 8 * r->mask_bytes; i++) assert_int_equal(ref_mask_bit(r->mask, i), 0);
  assert_int_equal(r->nnz, nnz);
}

/** The code a value must get, by the formulas of quantize.h. */
static inline uint8_t ref_quant_code(cais_joint_mode joint, double x, double s) {
  double y = x / s;
  if (joint == CAIS_JOINT_INT8) {
    double q = rint(y);
    q = q < -127 ? -127 : q > 127 ? 127 : q;
    return (uint8_t)(int8_t)q;
  }
  if (joint == CAIS_JOINT_UINT8) {
    double q = rint(y) + 127;
    q = q < 0 ? 0 : q > 254 ? 254 : q;
    return (uint8_t)q;
  }
  cais_fp8_format f = joint == CAIS_JOINT_FP8_E5M2 ? CAIS_FP8_E5M2 : CAIS_FP8_E4M3FN;
  double m = cais_fp8_max_finite(f);
  y = y < -m ? -m : y > m ? m : y;
  return cais_double_to_fp8(y, f);
}

static inline double ref_quant_decode(cais_joint_mode joint, uint8_t q, double s, cais_float_type t) {
  double v;
  if (joint == CAIS_JOINT_INT8)
    v = (double)(int8_t)q * s;
  else if (joint == CAIS_JOINT_UINT8)
    v = (double)((int)q - 127) * s;
  else
    v = cais_fp8_to_double(q, joint == CAIS_JOINT_FP8_E5M2 ? CAIS_FP8_E5M2 : CAIS_FP8_E4M3FN) * s;
  return cais_float_bits_to_double(cais_double_to_float_bits(v, t), t);
}

/** Nearest LUT entry by linear scan, strictly smaller distance wins. */
static inline int ref_nearest(const uint32_t *lut_bits, int entries, cais_float_type t, double x) {
  int best = 0;
  double bd = INFINITY;
  for (int i = 0; i < entries; i++) {
    double d = fabs(x - cais_float_bits_to_double(lut_bits[i], t));
    if (d < bd) {
      bd = d;
      best = i;
    }
  }
  return best;
}

/** Checks everything about a DONE result that follows from its own mask
 *  and parameters: mask/zero rule, payload (values, codes, scale, indices),
 *  LUT order and padding, and the statistics (bitwise, via the reference
 *  fixed-order sum).  Returns the dense decoded weight (malloc'd). */
static inline double *ref_check_result(const cais_job *job) {
  const cais_job_result *r = &job->result;
  const cais_tensor_view *w = &job->weight;
  size_t n = (size_t)w->numel;
  cais_float_type t = w->type;
  assert_int_equal(r->outcome, CAIS_JOB_DONE);
  assert_non_null(r->mask);
  assert_non_null(r->values);
  double *dec = calloc(n, sizeof *dec);
  double *orig = malloc(n * sizeof *orig);
  int64_t nnz = 0;
  double max_abs = 0.0;
  for (size_t i = 0; i < n; i++) {
    orig[i] = ref_value(w->data, i, t);
    if (ref_mask_bit(r->mask, i)) {
      assert_int_not_equal(ref_key(w->data, i, t), 0);
      nnz++;
      if (fabs(orig[i]) > max_abs) max_abs = fabs(orig[i]);
    }
  }
  for (size_t i = n; i < 8 * r->mask_bytes; i++) assert_int_equal(ref_mask_bit(r->mask, i), 0);
  assert_int_equal(r->nnz, nnz);
  int64_t k = 0;
  switch (r->joint) {
  case CAIS_JOINT_NONE:
    assert_int_equal(r->values_bytes, (size_t)nnz * ref_esize(t));
    for (size_t i = 0; i < n; i++)
      if (ref_mask_bit(r->mask, i)) {
        assert_int_equal(ref_bits(r->values, (size_t)k++, t), ref_bits(w->data, i, t));
        dec[i] = orig[i];
      }
    break;
  case CAIS_JOINT_INT8:
  case CAIS_JOINT_UINT8:
  case CAIS_JOINT_FP8_E4M3FN:
  case CAIS_JOINT_FP8_E5M2: {
    double D = r->joint <= CAIS_JOINT_UINT8 ? 254.0
               : r->joint == CAIS_JOINT_FP8_E4M3FN ? 896.0 : 114688.0;
    assert_int_equal(r->scale_bits, cais_double_to_float_bits((2.0 * max_abs + 1e-6) / D, t));
    assert_int_equal(r->offset1, r->joint == CAIS_JOINT_UINT8 ? 127 : 0);
    double s = cais_float_bits_to_double(r->scale_bits, t);
    assert_int_equal(r->values_bytes, (size_t)nnz);
    for (size_t i = 0; i < n; i++)
      if (ref_mask_bit(r->mask, i)) {
        uint8_t q = ((const uint8_t *)r->values)[k++];
        assert_int_equal(q, ref_quant_code(r->joint, orig[i], s));
        dec[i] = ref_quant_decode(r->joint, q, s, t);
      }
    break;
  }
  case CAIS_JOINT_PALETTIZE: {
    int nbits = job->params->palettize_nbits;
    assert_int_equal(r->lut_entries, 1 << nbits);
    assert_int_equal(r->values_bytes, cais_packed_bytes((size_t)nnz, nbits));
    int used = r->lut_entries;
    while (used > 1 && r->lut_bits[used - 1] == 0) used--;
    for (int i = 1; i < used; i++)
      assert_true(cais_float_bits_to_double(r->lut_bits[i - 1], t) <=
                  cais_float_bits_to_double(r->lut_bits[i], t));
    for (int i = r->lut_entries; i < 256; i++) assert_int_equal(r->lut_bits[i], 0);
    for (size_t i = 0; i < n; i++)
      if (ref_mask_bit(r->mask, i)) {
        int idx = cais_unpack_bits_at(r->values, (size_t)k++, nbits);
        assert_int_equal(idx, ref_nearest(r->lut_bits, r->lut_entries, t, orig[i]));
        dec[i] = cais_float_bits_to_double(r->lut_bits[idx], t);
      }
    size_t total_bits = (size_t)nnz * (size_t)nbits;
    for (size_t b = total_bits; b < 8 * r->values_bytes; b++)
      assert_int_equal((((const uint8_t *)r->values)[b / 8] >> (b % 8)) & 1, 0);
    break;
  }
  }
  double se, sn;
  cais_error_stats_dense(orig, dec, n, &se, &sn);
  if (memcmp(&se, &r->sq_error, 8) != 0 || memcmp(&sn, &r->sq_norm, 8) != 0)
    fail_msg("stats differ: %.17g vs %.17g, %.17g vs %.17g", r->sq_error, se, r->sq_norm, sn);
  free(orig);
  return dec;
}

/** The mask of a result as one byte per element. */
static inline uint8_t *ref_unpack_mask(const cais_job_result *r, size_t n) {
  uint8_t *m = malloc(n ? n : 1);
  for (size_t i = 0; i < n; i++) m[i] = (uint8_t)ref_mask_bit(r->mask, i);
  return m;
}

#endif /* CAIS_TEST_CPU_REFERENCE_H */
