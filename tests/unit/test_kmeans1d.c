/* test_kmeans1d.c -- weighted 1-D k-means and palettization: the exact DP
 * against brute-force enumeration of every contiguous partition (f16, bf16
 * and f32 values, random multiplicities), against a plain O(k d^2) DP on
 * larger inputs, k >= d, the LUT layout (ascending, unused entries +0.0),
 * nearest-entry ties, the LUT of a palettized weight against the brute-force
 * optimum, the f32 near-optimal path against kmeans1d / scikit-learn
 * references (tests/data/kmeans_f32_reference.txt), and the CPU's lean f32
 * form against a naive sort and the double form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "compute/cpu/kmeans1d.h"
#include "compute/cpu/kmeans1d_dp.h"
#include "compute/cpu/palettize.h"
#include "compute/cpu/sort_f32.h"
#include "cpu_reference.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* d distinct values of type t (sorted) with counts in [1, 40]. */
static size_t random_distinct(cais_float_type t, size_t want, double spread, uint64_t *s,
                              double *x, uint64_t *count) {
  double tmp[64];
  for (size_t i = 0; i < want; i++) {
    double v = spread * (cais_test_uniform(s) - 0.3);
    tmp[i] = cais_float_bits_to_double(cais_double_to_float_bits(v, t), t);
  }
  qsort(tmp, want, sizeof *tmp, cmp_double);
  size_t d = 0;
  for (size_t i = 0; i < want; i++)
    if ((i == 0 || tmp[i] != tmp[i - 1]) && tmp[i] != 0.0) x[d++] = tmp[i];
  for (size_t j = 0; j < d; j++) count[j] = 1 + cais_test_rand(s) % 40;
  return d;
}

/* Minimum SSE over all partitions of [start, d) into `left` clusters. */
static long double brute(const double *x, const uint64_t *c, size_t d, size_t start, int left,
                         size_t *bounds, int depth, long double *best, size_t *best_bounds,
                         int k) {
  if (left == 1) {
    bounds[depth] = start;
    bounds[depth + 1] = d;
    long double v = cais_kmeans1d_sse(x, c, bounds, k);
    if (v < *best) {
      *best = v;
      memcpy(best_bounds, bounds, (size_t)(k + 1) * sizeof *bounds);
    }
    return *best;
  }
  for (size_t cut = start + 1; cut + (size_t)left - 1 <= d; cut++) {
    bounds[depth] = start;
    brute(x, c, d, cut, left - 1, bounds, depth + 1, best, best_bounds, k);
  }
  return *best;
}

static void test_exact_vs_brute_force(void **state) {
  (void)state;
  uint64_t s = 42;
  int trials = 0;
  for (int t = 0; t < 3; t++)
    for (int rep = 0; rep < 60; rep++) {
      double x[64];
      uint64_t c[64];
      /* f16 values in a narrow range collide and sit close together. */
      double spread = rep % 3 == 0 ? 0.01 : 2.0;
      size_t d = random_distinct((cais_float_type)t, 2 + rep % 11, spread, &s, x, c);
      if (d < 2) continue;
      for (int k = 1; k <= 5 && (size_t)k <= d; k++) {
        size_t bounds[8], tmp[8], best_bounds[8];
        int used;
        assert_true(cais_kmeans1d_partition(x, c, d, k, true, bounds, &used));
        assert_int_equal(used, k);
        assert_int_equal(bounds[0], 0);
        assert_int_equal(bounds[k], d);
        for (int i = 0; i < k; i++) assert_true(bounds[i] < bounds[i + 1]);
        long double best = INFINITY;
        brute(x, c, d, 0, k, tmp, 0, &best, best_bounds, k);
        long double ours = cais_kmeans1d_sse(x, c, bounds, k);
        if (!(ours <= best * (1 + 1e-12L) + 1e-300L))
          fail_msg("type %d d %zu k %d: SSE %Lg > optimum %Lg", t, d, k, ours, best);
        trials++;
      }
    }
  assert_true(trials > 300);
}

/* Weighted, not over distinct values: the heavy value must pull a centroid. */
static void test_weights_matter(void **state) {
  (void)state;
  /* Unweighted, {0, 1, 2} {4} is optimal (SSE 2); with ten copies of 2 it
   * is {0, 1} {2 x10, 4} (SSE 4.14 against 4.5 + ...). */
  double x[4] = {0, 1, 2, 4};
  uint64_t c[4] = {1, 1, 10, 1};
  size_t b[3];
  int used;
  assert_true(cais_kmeans1d_partition(x, c, 4, 2, true, b, &used));
  assert_int_equal(b[1], 2);
  uint64_t u[4] = {1, 1, 1, 1};
  assert_true(cais_kmeans1d_partition(x, u, 4, 2, true, b, &used));
  assert_int_equal(b[1], 3);
  /* Centroid: sum of count * value in ascending order, over the count. */
  assert_true(cais_kmeans1d_centroid(x, c, 2, 4) == 24.0 / 11.0);
}

/* The D&C DP equals a plain full-scan DP (same costs, same tie rule). */
static void test_divide_and_conquer_vs_plain(void **state) {
  (void)state;
  uint64_t s = 9;
  size_t d = 400;
  double *x = malloc(d * sizeof *x);
  uint64_t *c = malloc(d * sizeof *c);
  for (size_t j = 0; j < d; j++) {
    x[j] = j == 0 ? -1.0 : x[j - 1] + 0.001 + 0.01 * cais_test_uniform(&s);
    c[j] = 1 + cais_test_rand(&s) % 100;
  }
  double *p = malloc(3 * (d + 1) * sizeof *p), *p0 = p, *p1 = p + d + 1, *p2 = p + 2 * (d + 1);
  double xr = x[(d - 1) / 2];
  p0[0] = p1[0] = p2[0] = 0;
  for (size_t j = 0; j < d; j++) {
    double xs = x[j] - xr, cc = (double)c[j];
    p0[j + 1] = p0[j] + cc;
    p1[j + 1] = p1[j] + cc * xs;
    p2[j + 1] = p2[j] + cc * xs * xs;
  }
  for (int k = 2; k <= 16; k *= 2) {
    /* plain DP: D[l][j] = min_i D[l-1][i] + cost(i, j), leftmost argmin */
    double *D = malloc((size_t)(k + 1) * (d + 1) * sizeof *D);
    size_t *A = malloc((size_t)(k + 1) * (d + 1) * sizeof *A);
    for (size_t j = 1; j <= d; j++) D[1 * (d + 1) + j] = cais_dp_cost(p0, p1, p2, 0, (cais_dp_int)j);
    for (int l = 2; l <= k; l++)
      for (size_t j = (size_t)l; j <= d; j++) {
        double best = INFINITY;
        size_t arg = 0;
        for (size_t i = (size_t)l - 1; i < j; i++) {
          double v = D[(size_t)(l - 1) * (d + 1) + i] + cais_dp_cost(p0, p1, p2, (cais_dp_int)i, (cais_dp_int)j);
          if (v < best) {
            best = v;
            arg = i;
          }
        }
        D[(size_t)l * (d + 1) + j] = best;
        A[(size_t)l * (d + 1) + j] = arg;
      }
    size_t want[17];
    want[k] = d;
    for (int l = k; l >= 2; l--) want[l - 1] = A[(size_t)l * (d + 1) + want[l]];
    want[0] = 0;
    size_t got[17];
    int used;
    assert_true(cais_kmeans1d_partition(x, c, d, k, true, got, &used));
    for (int l = 0; l <= k; l++) assert_int_equal(got[l], want[l]);
    free(D);
    free(A);
  }
  free(p);
  free(x);
  free(c);
}

static void test_k_at_least_d(void **state) {
  (void)state;
  double x[3] = {-1, 0.5, 2};
  uint64_t c[3] = {5, 1, 2};
  size_t b[9];
  int used;
  assert_true(cais_kmeans1d_partition(x, c, 3, 8, true, b, &used));
  assert_int_equal(used, 3);
  for (int i = 0; i <= 3; i++) assert_int_equal(b[i], (size_t)i);
  cais_palette pal;
  assert_true(cais_palette_build(x, c, 3, 3, CAIS_FLOAT_F16, &pal));
  assert_int_equal(pal.entries, 8);
  assert_int_equal(pal.used, 3);
  assert_int_equal(pal.lut_bits[0], 0xBC00);
  assert_int_equal(pal.lut_bits[1], 0x3800);
  assert_int_equal(pal.lut_bits[2], 0x4000);
  for (int i = 3; i < 256; i++) assert_int_equal(pal.lut_bits[i], 0);
}

/* A palettized weight with fewer distinct values than entries: each value
 * is its own entry, ascending, then +0.0 padding; indices are exact. */
static void test_job_unused_entries(void **state) {
  (void)state;
  const double v[12] = {0.5, -0.25, 0.5, 0.0, 1.5, -0.25, -0.0, 0.5, 1.5, 0.5, -0.25, 0.0};
  for (int t = 0; t < 3; t++) {
    uint32_t data[12];
    for (int i = 0; i < 12; i++)
      ref_set_bits(data, (size_t)i, (cais_float_type)t, cais_double_to_float_bits(v[i], (cais_float_type)t));
    cais_compress_params p = ref_params_magnitude(0.0, CAIS_JOINT_PALETTIZE, 3);
    int64_t shape[2] = {3, 4};
    cais_job job = ref_job(data, (cais_float_type)t, 2, shape, 0, 1, &p);
    cais_cpu_run_job(&job, NULL);
    assert_int_equal(job.result.lut_entries, 8);
    const double want[8] = {-0.25, 0.5, 1.5, 0, 0, 0, 0, 0};
    for (int i = 0; i < 8; i++)
      assert_int_equal(job.result.lut_bits[i], cais_double_to_float_bits(want[i], (cais_float_type)t));
    assert_int_equal(job.result.lut_bits[3], 0); /* +0.0, not -0.0 */
    /* non-zeros: 0.5 -0.25 0.5 1.5 -0.25 0.5 1.5 0.5 -0.25 -> 1 0 1 2 0 1 2 1 0 */
    const uint8_t idx[9] = {1, 0, 1, 2, 0, 1, 2, 1, 0};
    assert_int_equal(job.result.nnz, 9);
    for (int i = 0; i < 9; i++) assert_int_equal(cais_unpack_bits_at(job.result.values, (size_t)i, 3), idx[i]);
    assert_true(job.result.sq_error == 0.0);
    free(ref_check_result(&job));
    cais_job_result_release(&job.result);
  }
}

static void test_nearest_ties(void **state) {
  (void)state;
  cais_palette pal;
  memset(&pal, 0, sizeof pal);
  pal.type = CAIS_FLOAT_F16;
  pal.entries = 8;
  pal.used = 5;
  const double v[5] = {1.0, 2.0, 2.0, 3.0, 5.0};
  for (int i = 0; i < 5; i++) pal.lut[i] = v[i];
  assert_int_equal(cais_palette_nearest(&pal, 1.5), 0); /* tie: lower index */
  assert_int_equal(cais_palette_nearest(&pal, 2.0), 1); /* duplicates: first */
  assert_int_equal(cais_palette_nearest(&pal, 2.5), 1);
  assert_int_equal(cais_palette_nearest(&pal, 2.75), 3);
  assert_int_equal(cais_palette_nearest(&pal, 4.0), 3);
  assert_int_equal(cais_palette_nearest(&pal, 4.5), 4);
  assert_int_equal(cais_palette_nearest(&pal, 100.0), 4);
  assert_int_equal(cais_palette_nearest(&pal, -100.0), 0);
  /* Against the linear scan on many points. */
  for (double q = 0.25; q < 6; q += 0.125) {
    int lin = 0;
    double bd = INFINITY;
    for (int i = 0; i < 5; i++)
      if (fabs(q - v[i]) < bd) {
        bd = fabs(q - v[i]);
        lin = i;
      }
    assert_int_equal(cais_palette_nearest(&pal, q), lin);
  }
}

/* A palettized weight: LUT = rounded means of the brute-force optimum,
 * unused entries zero, and ref_check_result for indices and stats. */
static void test_job_lut_is_optimal(void **state) {
  (void)state;
  uint64_t s = 77;
  for (int t = 0; t < 3; t++)
    for (int rep = 0; rep < 20; rep++) {
      size_t n = 40;
      void *data = malloc(4 * n);
      for (size_t i = 0; i < n; i++) {
        double v = (double)((int)(cais_test_rand(&s) % 13) - 6) * (0.1 + 0.01 * rep) +
                   0.001 * (double)(cais_test_rand(&s) % 3);
        ref_set_bits(data, i, (cais_float_type)t, cais_double_to_float_bits(v, (cais_float_type)t));
      }
      int nbits = 1 + rep % 3;
      int k = 1 << nbits;
      cais_compress_params p = ref_params_magnitude(0.0, CAIS_JOINT_PALETTIZE, nbits);
      int64_t shape[2] = {5, 8};
      cais_job job = ref_job(data, (cais_float_type)t, 2, shape, 0, 1, &p);
      cais_cpu_run_job(&job, NULL);
      free(ref_check_result(&job));
      /* distinct non-zero values with counts */
      double x[64];
      uint64_t c[64];
      size_t d = 0;
      double vals[64];
      size_t m = 0;
      for (size_t i = 0; i < n; i++)
        if (ref_key(data, i, (cais_float_type)t)) vals[m++] = ref_value(data, i, (cais_float_type)t);
      qsort(vals, m, sizeof *vals, cmp_double);
      for (size_t i = 0; i < m; i++) {
        if (d && x[d - 1] == vals[i]) {
          c[d - 1]++;
        } else {
          x[d] = vals[i];
          c[d++] = 1;
        }
      }
      int used = (size_t)k < d ? k : (int)d;
      size_t tmp[257], best_bounds[257];
      if ((size_t)k < d) {
        long double best = INFINITY;
        brute(x, c, d, 0, k, tmp, 0, &best, best_bounds, k);
      } else {
        for (size_t j = 0; j <= d; j++) best_bounds[j] = j;
      }
      for (int i = 0; i < used; i++) {
        double mean = cais_kmeans1d_centroid(x, c, best_bounds[i], best_bounds[i + 1]);
        assert_int_equal(job.result.lut_bits[i], cais_double_to_float_bits(mean, (cais_float_type)t));
      }
      for (int i = used; i < 256; i++) assert_int_equal(job.result.lut_bits[i], 0);
      cais_job_result_release(&job.result);
      free(data);
    }
}

/* f32 with ~1.17M distinct values: 4 and 8 bits take the near-optimal
 * path, 2 bits the exact one.  Within 0.1% of the optimum and never worse
 * than scikit-learn's best of five k-means++ runs (up to 1e-9 relative, the
 * LUT being rounded to f32). */
static void test_f32_against_references(void **state) {
  (void)state;
  static const double center[5] = {-0.31, -0.07, 0.05, 0.19, 0.42};
  static const double width[5] = {0.05, 0.11, 0.02, 0.08, 0.15};
  const size_t n = 1200000;
  float *data = malloc(n * sizeof *data);
  uint64_t s = 20240611;
  for (size_t i = 0; i < n; i++) {
    uint64_t r = cais_test_rand(&s), r2 = cais_test_rand(&s);
    double u = (double)(r >> 11) * (1.0 / 9007199254740992.0);
    int j = (int)(r2 % 5);
    data[i] = (float)(center[j] + width[j] * (u - 0.5));
  }
  size_t size;
  char *text = cais_test_read_file(CAIS_TEST_DATA_DIR "/kmeans_f32_reference.txt", &size);
  assert_non_null(text);
  cais_threadpool *pool = cais_threadpool_create(2);
  int lines = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (line[0] == '#') continue;
    int nbits;
    double opt, sk_best, sk_worst;
    assert_int_equal(sscanf(line, "%d %lf %lf %lf", &nbits, &opt, &sk_best, &sk_worst), 4);
    cais_compress_params p = ref_params_magnitude(0.0, CAIS_JOINT_PALETTIZE, nbits);
    int64_t shape[2] = {1200, 1000};
    cais_job job = ref_job(data, CAIS_FLOAT_F32, 2, shape, 0, 1, &p);
    cais_cpu_run_job(&job, pool);
    assert_int_equal(job.result.outcome, CAIS_JOB_DONE);
    assert_int_equal(job.result.nnz, (int64_t)n);
    double ours = job.result.sq_error;
    print_message("nbits %d: ours %.10g, optimum %.10g (+%.3g%%), sklearn best %.10g, %s\n", nbits,
                  ours, opt, 100.0 * (ours / opt - 1), sk_best,
                  cais_kmeans1d_is_exact(1166298, 1 << nbits, false) ? "exact" : "near-optimal");
    assert_true(ours <= opt * 1.001);
    assert_true(ours <= sk_best * (1 + 1e-9));
    free(ref_check_result(&job));
    cais_job_result_release(&job.result);
    lines++;
  }
  assert_int_equal(lines, 3);
  cais_threadpool_destroy(pool);
  free(text);
  free(data);
}

/* The near-optimal path against the exact DP on normal and heavy-tailed
 * f32 data (200k values, 128 and 256 clusters: k * d * log2 d > 2^28). */
static void test_f32_near_optimal_vs_exact(void **state) {
  (void)state;
  const size_t n = 200000;
  uint32_t *bits = malloc(n * sizeof *bits);
  for (int dist = 0; dist < 2; dist++) {
    uint64_t s = 1000 + (uint64_t)dist;
    for (size_t i = 0; i < n; i++) {
      double v = dist == 0 ? 0.02 * cais_test_normal(&s)
                           : 0.02 * tan(3.14159 * (cais_test_uniform(&s) - 0.5));
      float f = (float)v;
      memcpy(&bits[i], &f, 4);
    }
    double *x;
    uint64_t *c;
    size_t d;
    assert_true(cais_sort_f32_distinct(bits, n, &x, &c, &d));
    for (int k = 128; k <= 256; k *= 2) {
      assert_false(cais_kmeans1d_is_exact(d, k, false));
      size_t approx[257], exact[257];
      int used;
      assert_true(cais_kmeans1d_partition(x, c, d, k, false, approx, &used));
      assert_true(cais_kmeans1d_partition(x, c, d, k, true, exact, &used));
      long double sa = cais_kmeans1d_sse(x, c, approx, k), se = cais_kmeans1d_sse(x, c, exact, k);
      print_message("%s k %d: near-optimal %.10Lg exact %.10Lg (+%.2Lg%%)\n",
                    dist ? "heavy-tailed" : "normal", k, sa, se, 100 * (sa / se - 1));
      assert_true(sa <= se * 1.001L);
      assert_true(se <= sa * (1 + 1e-12L));
    }
    free(x);
    free(c);
  }
  free(bits);
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

/* The CPU's lean f32 form (in-place sort to bit patterns and 32-bit counts,
 * cais_kmeans1d_partition_f32, cais_palette_from_values32) against a naive
 * sort and against the double form, on data with many repeats, through the
 * exact path (few values) and the near-optimal one (k * d * log2 d > 2^28). */
static void test_f32_lean_form(void **state) {
  (void)state;
  const size_t sizes[2] = {3000, 300000};
  const int ks[2] = {16, 256};
  for (int c = 0; c < 2; c++) {
    size_t n = sizes[c];
    float *f = malloc(n * sizeof *f);
    uint32_t *bits = malloc(n * sizeof *bits);
    uint64_t s = 77 + (uint64_t)c;
    for (size_t i = 0; i < n; i++) {
      double v = 0.05 * cais_test_normal(&s);
      if (i % 3 == 0) v = round(v * 4096.0) / 4096.0; /* repeats */
      if (v == 0.0) v = 0.5;
      f[i] = (float)v;
      memcpy(&bits[i], &f[i], 4);
    }
    double *x;
    uint64_t *c64;
    size_t d64;
    assert_true(cais_sort_f32_distinct(bits, n, &x, &c64, &d64));

    uint32_t *lean = malloc(n * sizeof *lean);
    memcpy(lean, bits, n * sizeof *lean);
    uint32_t *c32;
    size_t d;
    assert_true(cais_sort_f32_distinct_inplace(lean, n, &c32, &d));
    /* naive: qsort the floats, count runs */
    qsort(f, n, sizeof *f, cmp_float);
    size_t j = 0;
    for (size_t i = 0; i < n; j++) {
      size_t r = i;
      while (r < n && f[r] == f[i]) r++;
      assert_true(j < d);
      uint32_t want;
      memcpy(&want, &f[i], 4);
      assert_int_equal(lean[j], want);
      assert_int_equal(c32[j], r - i);
      assert_true(x[j] == (double)f[i] && c64[j] == r - i);
      i = r;
    }
    assert_int_equal(j, d);
    assert_int_equal(d, d64);

    int k = ks[c];
    assert_int_equal(cais_kmeans1d_is_exact(d, k, false), c == 0);
    size_t b_lean[257], b_dbl[257];
    int u_lean, u_dbl;
    assert_true(cais_kmeans1d_partition_f32(lean, c32, d, k, b_lean, &u_lean));
    assert_true(cais_kmeans1d_partition(x, c64, d, k, false, b_dbl, &u_dbl));
    assert_int_equal(u_lean, u_dbl);
    for (int t = 0; t <= u_lean; t++) assert_int_equal(b_lean[t], b_dbl[t]);
    for (int t = 0; t < u_lean; t++)
      assert_true(cais_kmeans1d_centroid_f32(lean, c32, b_lean[t], b_lean[t + 1]) ==
                  cais_kmeans1d_centroid(x, c64, b_dbl[t], b_dbl[t + 1]));

    cais_palette from_values, from_doubles;
    int nbits = c == 0 ? 4 : 8;
    memcpy(lean, bits, n * sizeof *lean);
    assert_true(cais_palette_from_values32(lean, n, nbits, &from_values));
    assert_true(cais_palette_build(x, c64, d, nbits, CAIS_FLOAT_F32, &from_doubles));
    assert_int_equal(from_values.used, from_doubles.used);
    assert_memory_equal(from_values.lut_bits, from_doubles.lut_bits, sizeof from_values.lut_bits);

    free(c32);
    free(lean);
    free(x);
    free(c64);
    free(bits);
    free(f);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_vs_brute_force),
      cmocka_unit_test(test_weights_matter),
      cmocka_unit_test(test_divide_and_conquer_vs_plain),
      cmocka_unit_test(test_k_at_least_d),
      cmocka_unit_test(test_job_unused_entries),
      cmocka_unit_test(test_nearest_ties),
      cmocka_unit_test(test_job_lut_is_optimal),
      cmocka_unit_test(test_f32_against_references),
      cmocka_unit_test(test_f32_near_optimal_vs_exact),
      cmocka_unit_test(test_f32_lean_form),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
