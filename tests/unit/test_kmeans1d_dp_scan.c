/* test_kmeans1d_dp_scan.c -- the SIMD node scans of the exact 1-D k-means DP
 * (host/compute/cpu/kmeans1d_dp_scan_simd.h) against the scalar cais_dp_scan:
 * the same (best, arg), bit for bit, for every implementation this machine
 * runs (the others are reported as skipped), on random prefix sums and on
 * adversarial ones: exact ties (leftmost wins, the caller's starting pair
 * wins against equal candidates), duplicate prev values, +-0.0, infinities,
 * NaN candidates (never win) and a NaN starting best, ranges of length
 * 0..17 and longer at unaligned starts.  Then the whole solver with each
 * implementation selected against the scalar one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/cpu/kmeans1d_dp.h"
#include "compute/cpu/kmeans1d_dp_scan_simd.h"

static uint64_t rng(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static double unit(uint64_t *s) { return (double)(rng(s) >> 11) * 0x1p-53; }

static bool same_double(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Data of the kinds the cases below use, n + 1 entries. */
enum kind {
  K_RANDOM,    /* sorted values, random counts, random prev */
  K_TIES,      /* every cost equal, prev from a few values: exact ties */
  K_ZEROS,     /* every candidate +-0.0 */
  K_NONFINITE, /* some prev +-inf, some candidates NaN (s0 = 0) */
  K_KINDS
};

static void fill(enum kind kind, size_t n, uint64_t *s, double *p0, double *p1, double *p2,
                 double *prev) {
  p0[0] = p1[0] = p2[0] = 0.0;
  for (size_t i = 1; i <= n; i++) {
    double c = (double)(1 + rng(s) % 40), x = unit(s) * 4.0 - 1.0;
    switch (kind) {
    case K_RANDOM:
    case K_NONFINITE:
      p0[i] = p0[i - 1] + c;
      p1[i] = p1[i - 1] + c * x;
      p2[i] = p2[i - 1] + c * x * x;
      break;
    case K_TIES:
      /* s1 = 0 and s2 = p2[j] - 1: cost(i, j) the same for every i. */
      p0[i] = p0[i - 1] + c;
      p1[i] = 0.5;
      p2[i] = 1.0;
      break;
    case K_ZEROS:
      /* s1 = 0 and s2 = +-0.0 (-0.0 - +0.0 = -0.0 when j is odd and i
       * even): candidates +-0.0 + +-0.0. */
      p0[i] = p0[i - 1] + c;
      p1[i] = 0.0;
      p2[i] = i % 2 ? -0.0 : 0.0;
      break;
    default: break;
    }
  }
  for (size_t i = 0; i <= n; i++) {
    switch (kind) {
    case K_RANDOM: prev[i] = unit(s) * 100.0; break;
    case K_TIES: prev[i] = (double)(rng(s) % 3); break; /* many duplicates */
    case K_ZEROS: prev[i] = rng(s) % 2 ? -0.0 : 0.0; break;
    case K_NONFINITE: {
      uint64_t r = rng(s) % 8;
      prev[i] = r == 0 ? INFINITY : r == 1 ? -INFINITY : r == 2 ? NAN : (double)(rng(s) % 4);
      break;
    }
    default: break;
    }
  }
  if (kind == K_RANDOM) /* a few duplicate prev values */
    for (size_t t = 0; t < n / 8; t++) prev[rng(s) % (n + 1)] = prev[rng(s) % (n + 1)];
  if (kind == K_NONFINITE) /* s0 = 0 at some i: 0 / 0, a NaN candidate */
    for (size_t t = 0; t < n / 6; t++) {
      size_t i = 1 + rng(s) % n;
      p0[i] = p0[i - 1];
      p1[i] = p1[i - 1];
    }
}

/* The caller's starting pair: +inf (the DP's), or equal to a candidate (it
 * must win the tie), or below every candidate, or NaN (nothing replaces). */
static void start_pair(uint64_t *s, const double *p0, const double *p1, const double *p2,
                       const double *prev, cais_dp_int j, cais_dp_int first,
                       cais_dp_int last, double *best, cais_dp_int *arg) {
  *arg = first > 0 ? first - 1 : 0;
  switch (rng(s) % 5) {
  case 0:
  case 1: *best = INFINITY; break;
  case 2:
    *best = INFINITY;
    if (last >= first) {
      cais_dp_int i = first + (cais_dp_int)(rng(s) % (uint64_t)(last - first + 1));
      *best = prev[i] + cais_dp_cost(p0, p1, p2, i, j);
    }
    break;
  case 3: *best = -1e300; break;
  default: *best = NAN; break;
  }
}

static int impls[CAIS_DP_SCAN_IMPL_COUNT], nimpls;

static int setup(void **state) {
  (void)state;
  nimpls = 0;
  for (int t = CAIS_DP_SCAN_SCALAR + 1; t < CAIS_DP_SCAN_IMPL_COUNT; t++) {
    if (cais_dp_scan_impl_available((cais_dp_scan_impl)t))
      impls[nimpls++] = t;
    else
      print_message("[   INFO   ] %s not available here: skipped\n",
                    cais_dp_scan_impl_name((cais_dp_scan_impl)t));
  }
  print_message("[   INFO   ] auto = %s\n", cais_dp_scan_impl_name(cais_dp_scan_impl_auto()));
  return 0;
}

static void check_scan(cais_dp_scan_impl impl, const double *p0, const double *p1,
                       const double *p2, const double *prev, cais_dp_int j,
                       cais_dp_int first, cais_dp_int last, double best0, cais_dp_int arg0,
                       const char *what) {
  double rb = best0, b = best0;
  cais_dp_int ra = arg0, a = arg0;
  cais_dp_scan(p0, p1, p2, prev, j, first, last, 1, &rb, &ra);
  cais_dp_scan_with(impl, p0, p1, p2, prev, j, first, last, &b, &a);
  if (a != ra || !same_double(b, rb))
    fail_msg("%s %s: j %lld [%lld, %lld] start (%g, %lld): scalar (%a, %lld), got (%a, %lld)",
             cais_dp_scan_impl_name(impl), what, (long long)j, (long long)first,
             (long long)last, best0, (long long)arg0, rb, (long long)ra, b, (long long)a);
}

static const char *const kind_names[K_KINDS] = {"random", "ties", "zeros", "nonfinite"};

static void test_scan_matches_scalar(void **state) {
  (void)state;
  enum { N = 400 };
  double *p0 = malloc((N + 1) * sizeof *p0), *p1 = malloc((N + 1) * sizeof *p1);
  double *p2 = malloc((N + 1) * sizeof *p2), *prev = malloc((N + 1) * sizeof *prev);
  assert_non_null(p0);
  assert_non_null(p1);
  assert_non_null(p2);
  assert_non_null(prev);
  uint64_t s = 0x9e3779b97f4a7c15u;
  long checks = 0, wins = 0;
  for (int kind = 0; kind < K_KINDS; kind++)
    for (int rep = 0; rep < 60; rep++) {
      fill((enum kind)kind, N, &s, p0, p1, p2, prev);
      for (int q = 0; q < 40; q++) {
        /* Lengths 0..17 at every alignment, then longer ones; j is past
         * the range (a node scans i <= j - 1). */
        cais_dp_int len = q < 36 ? q % 18 : (cais_dp_int)(18 + rng(&s) % 300);
        cais_dp_int first = (cais_dp_int)(rng(&s) % (uint64_t)(N - len));
        cais_dp_int last = first + len - 1;
        cais_dp_int j = last + 1 + (cais_dp_int)(rng(&s) % (uint64_t)(N - last));
        if (j > N) j = N;
        double best0;
        cais_dp_int arg0;
        start_pair(&s, p0, p1, p2, prev, j, first, last, &best0, &arg0);
        double rb = best0;
        cais_dp_int ra = arg0;
        cais_dp_scan(p0, p1, p2, prev, j, first, last, 1, &rb, &ra);
        wins += ra != arg0;
        for (int t = 0; t < nimpls; t++) {
          check_scan((cais_dp_scan_impl)impls[t], p0, p1, p2, prev, j, first, last, best0,
                     arg0, kind_names[kind]);
          checks++;
        }
      }
    }
  /* The scalar scan (cais_dp_scan_with SCALAR) is cais_dp_scan itself. */
  fill(K_RANDOM, N, &s, p0, p1, p2, prev);
  check_scan(CAIS_DP_SCAN_SCALAR, p0, p1, p2, prev, N, 3, N - 1, INFINITY, 3, "scalar");
  print_message("[   INFO   ] %ld scans compared, %ld replaced the start\n", checks, wins);
  assert_true(wins > 1000); /* the cases exercise the argmin, not just the start */
  free(p0);
  free(p1);
  free(p2);
  free(prev);
}

/* Every candidate equal: the leftmost wins whichever lane it is in. */
static void test_scan_leftmost_tie(void **state) {
  (void)state;
  enum { N = 64 };
  double p0[N + 1], p1[N + 1], p2[N + 1], prev[N + 1];
  uint64_t s = 7;
  fill(K_TIES, N, &s, p0, p1, p2, prev);
  for (int i = 0; i <= N; i++) prev[i] = 2.0;
  for (int t = 0; t < nimpls; t++)
    for (cais_dp_int first = 1; first < 10; first++) /* i = 0 costs more */
      for (cais_dp_int last = first - 1; last < first + 20; last++) {
        double b = INFINITY;
        cais_dp_int a = -5;
        cais_dp_scan_with((cais_dp_scan_impl)impls[t], p0, p1, p2, prev, N, first, last, &b, &a);
        assert_int_equal(a, last >= first ? first : -5);
        /* A start equal to the candidates keeps its own index. */
        b = prev[1] + cais_dp_cost(p0, p1, p2, 1, N);
        a = -5;
        cais_dp_scan_with((cais_dp_scan_impl)impls[t], p0, p1, p2, prev, N, first, last, &b, &a);
        assert_int_equal(a, -5);
        /* One strictly smaller candidate in the middle wins. */
        if (last >= first) {
          cais_dp_int mid = first + (last - first) / 2;
          prev[mid] = 1.0;
          b = INFINITY;
          a = -5;
          cais_dp_scan_with((cais_dp_scan_impl)impls[t], p0, p1, p2, prev, N, first, last, &b,
                            &a);
          assert_int_equal(a, mid);
          prev[mid] = 2.0;
        }
      }
}

/* The solver with each implementation selected: the same bounds and cost. */
static void test_solver_matches_scalar(void **state) {
  (void)state;
  enum { M = 3000 };
  double *p0 = malloc((M + 1) * sizeof *p0), *p1 = malloc((M + 1) * sizeof *p1);
  double *p2 = malloc((M + 1) * sizeof *p2), *prev = malloc((M + 1) * sizeof *prev);
  double *cur = malloc((M + 1) * sizeof *cur);
  cais_dp_split16 *split16 = malloc((size_t)CAIS_DP_SPLIT_ENTRIES(M, 256) * sizeof *split16);
  cais_dp_int ref[257], got[257];
  assert_true(p0 && p1 && p2 && prev && cur && split16);
  uint64_t s = 12345;
  static const int ks[] = {2, 16, 64, 256};
  for (int rep = 0; rep < 6; rep++) {
    /* Sorted values, some runs of near-equal ones (ties in cost). */
    p0[0] = p1[0] = p2[0] = 0.0;
    double x = -1.0;
    for (int i = 1; i <= M; i++) {
      double c = (double)(1 + rng(&s) % (rep % 2 ? 3 : 200));
      x += rng(&s) % 4 == 0 ? 0.0 : unit(&s) * 1e-3;
      double d = x - 0.25;
      p0[i] = p0[i - 1] + c;
      p1[i] = p1[i - 1] + c * d;
      p2[i] = p2[i - 1] + c * d * d;
    }
    cais_dp_int m = rep < 3 ? M : 700 + rep;
    for (size_t t = 0; t < sizeof ks / sizeof *ks; t++) {
      int k = ks[t];
      cais_dp_scan_select(CAIS_DP_SCAN_SCALAR);
      double rc = cais_kmeans1d_dp_solve(p0, p1, p2, m, k, prev, cur, NULL, split16, ref);
      for (int u = 0; u < nimpls; u++) {
        assert_int_equal(cais_dp_scan_select((cais_dp_scan_impl)impls[u]), impls[u]);
        double c = cais_kmeans1d_dp_solve(p0, p1, p2, m, k, prev, cur, NULL, split16, got);
        if (!same_double(c, rc) || memcmp(got, ref, (size_t)(k + 1) * sizeof *got) != 0)
          fail_msg("%s: m %lld k %d: cost %a vs scalar %a or bounds differ",
                   cais_dp_scan_impl_name((cais_dp_scan_impl)impls[u]), (long long)m, k, c, rc);
      }
    }
  }
  cais_dp_scan_select(CAIS_DP_SCAN_AUTO);
  free(p0);
  free(p1);
  free(p2);
  free(prev);
  free(cur);
  free(split16);
}

static void test_impl_queries(void **state) {
  (void)state;
  assert_true(cais_dp_scan_impl_available(CAIS_DP_SCAN_AUTO));
  assert_true(cais_dp_scan_impl_available(CAIS_DP_SCAN_SCALAR));
  cais_dp_scan_impl a = cais_dp_scan_impl_auto();
  assert_true(a != CAIS_DP_SCAN_AUTO && cais_dp_scan_impl_available(a));
  assert_int_equal(cais_dp_scan_select(CAIS_DP_SCAN_AUTO), a);
#if defined(__x86_64__)
  assert_true(cais_dp_scan_impl_available(CAIS_DP_SCAN_SSE2));
  assert_true(a != CAIS_DP_SCAN_SCALAR);
#else
  assert_int_equal(a, CAIS_DP_SCAN_SCALAR);
#endif
  for (int t = 0; t < CAIS_DP_SCAN_IMPL_COUNT; t++)
    assert_true(strcmp(cais_dp_scan_impl_name((cais_dp_scan_impl)t), "?") != 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_impl_queries),
      cmocka_unit_test(test_scan_matches_scalar),
      cmocka_unit_test(test_scan_leftmost_tie),
      cmocka_unit_test(test_solver_matches_scalar),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
