/* kmeans1d_dp_scan_simd.c -- see kmeans1d_dp_scan_simd.h (why the lanes
 * give the scalar scan's result bit for bit).  Host only, not OpenCL C. */
#include "compute/cpu/kmeans1d_dp_scan_simd.h"

#include <math.h> /* INFINITY */
#include <stddef.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* GCC: -ffp-contract=off (host/CMakeLists.txt) */
#endif

typedef void (*scan_fn)(const double *p0, const double *p1, const double *p2,
                        const double *prev, cais_dp_int j, cais_dp_int first,
                        cais_dp_int last, double *best, cais_dp_int *arg);

static void scan_scalar(const double *p0, const double *p1, const double *p2,
                        const double *prev, cais_dp_int j, cais_dp_int first,
                        cais_dp_int last, double *best, cais_dp_int *arg) {
  cais_dp_scan(p0, p1, p2, prev, j, first, last, 1, best, arg);
}

#if defined(__x86_64__)
#include <immintrin.h>

/* Reduces w lanes (value, index) by (value, then smallest index) and
 * applies the result to (*best, *arg) with the scalar scan's strict '<'.
 * A lane that never took a candidate holds +inf, which can replace
 * nothing (whatever its index). */
static inline void reduce_lanes(const double *v, const cais_dp_int *idx, int w,
                                double *best, cais_dp_int *arg) {
  double m = v[0];
  cais_dp_int a = idx[0];
  for (int l = 1; l < w; l++)
    if (v[l] < m || (v[l] == m && idx[l] < a)) {
      m = v[l];
      a = idx[l];
    }
  if (m < *best) {
    *best = m;
    *arg = a;
  }
}

/* ---- SSE2: 2 lanes, two independent accumulators (every x86-64) -------- */

/* prev[i] + (s2 - (s1 * s1) / s0), s_r = q_r - p_r[i]: the scalar order. */
static inline __m128d cand_sse2(__m128d q0, __m128d q1, __m128d q2, const double *p0,
                                const double *p1, const double *p2, const double *prev,
                                cais_dp_int i) {
  __m128d s0 = _mm_sub_pd(q0, _mm_loadu_pd(p0 + i));
  __m128d s1 = _mm_sub_pd(q1, _mm_loadu_pd(p1 + i));
  __m128d s2 = _mm_sub_pd(q2, _mm_loadu_pd(p2 + i));
  __m128d c = _mm_sub_pd(s2, _mm_div_pd(_mm_mul_pd(s1, s1), s0));
  return _mm_add_pd(_mm_loadu_pd(prev + i), c);
}

static inline void take_sse2(__m128d v, __m128i ci, __m128d *bv, __m128i *bi) {
  __m128d lt = _mm_cmplt_pd(v, *bv); /* false for NaN */
  __m128i lti = _mm_castpd_si128(lt);
  *bv = _mm_or_pd(_mm_and_pd(lt, v), _mm_andnot_pd(lt, *bv));
  *bi = _mm_or_si128(_mm_and_si128(lti, ci), _mm_andnot_si128(lti, *bi));
}

static void scan_sse2(const double *p0, const double *p1, const double *p2,
                      const double *prev, cais_dp_int j, cais_dp_int first,
                      cais_dp_int last, double *best, cais_dp_int *arg) {
  const __m128d q0 = _mm_set1_pd(p0[j]), q1 = _mm_set1_pd(p1[j]), q2 = _mm_set1_pd(p2[j]);
  __m128d bva = _mm_set1_pd(INFINITY), bvb = bva;
  __m128i bia = _mm_setzero_si128(), bib = bia;
  __m128i cia = _mm_set_epi64x(first + 1, first), cib = _mm_set_epi64x(first + 3, first + 2);
  const __m128i four = _mm_set1_epi64x(4);
  cais_dp_int i = first;
  for (; i <= last - 3; i += 4) {
    take_sse2(cand_sse2(q0, q1, q2, p0, p1, p2, prev, i), cia, &bva, &bia);
    take_sse2(cand_sse2(q0, q1, q2, p0, p1, p2, prev, i + 2), cib, &bvb, &bib);
    cia = _mm_add_epi64(cia, four);
    cib = _mm_add_epi64(cib, four);
  }
  if (i <= last - 1) {
    take_sse2(cand_sse2(q0, q1, q2, p0, p1, p2, prev, i), cia, &bva, &bia);
    i += 2;
  }
  double v[4];
  cais_dp_int idx[4];
  _mm_storeu_pd(v, bva);
  _mm_storeu_pd(v + 2, bvb);
  _mm_storeu_si128((__m128i *)idx, bia);
  _mm_storeu_si128((__m128i *)(idx + 2), bib);
  reduce_lanes(v, idx, 4, best, arg);
  /* The last candidate, if any, comes after all the others: the
   * sequential strict '<' continues from the reduced result. */
  if (i <= last) cais_dp_scan(p0, p1, p2, prev, j, i, last, 1, best, arg);
}

/* ---- AVX2: 4 lanes ------------------------------------------------------ */

__attribute__((target("avx2"))) static inline __m256d
cand_avx2(__m256d q0, __m256d q1, __m256d q2, __m256d x0, __m256d x1, __m256d x2,
          __m256d xp) {
  __m256d s0 = _mm256_sub_pd(q0, x0);
  __m256d s1 = _mm256_sub_pd(q1, x1);
  __m256d s2 = _mm256_sub_pd(q2, x2);
  __m256d c = _mm256_sub_pd(s2, _mm256_div_pd(_mm256_mul_pd(s1, s1), s0));
  return _mm256_add_pd(xp, c);
}

__attribute__((target("avx2"))) static void
scan_avx2(const double *p0, const double *p1, const double *p2, const double *prev,
          cais_dp_int j, cais_dp_int first, cais_dp_int last, double *best,
          cais_dp_int *arg) {
  const __m256d q0 = _mm256_set1_pd(p0[j]), q1 = _mm256_set1_pd(p1[j]),
                q2 = _mm256_set1_pd(p2[j]);
  __m256d bv = _mm256_set1_pd(INFINITY);
  __m256i bi = _mm256_setzero_si256();
  __m256i ci = _mm256_add_epi64(_mm256_set1_epi64x(first), _mm256_set_epi64x(3, 2, 1, 0));
  const __m256i four = _mm256_set1_epi64x(4);
  cais_dp_int i = first;
  for (; i <= last - 3; i += 4) {
    __m256d v = cand_avx2(q0, q1, q2, _mm256_loadu_pd(p0 + i), _mm256_loadu_pd(p1 + i),
                          _mm256_loadu_pd(p2 + i), _mm256_loadu_pd(prev + i));
    __m256d lt = _mm256_cmp_pd(v, bv, _CMP_LT_OQ); /* false for NaN */
    bv = _mm256_blendv_pd(bv, v, lt);
    bi = _mm256_castpd_si256(
        _mm256_blendv_pd(_mm256_castsi256_pd(bi), _mm256_castsi256_pd(ci), lt));
    ci = _mm256_add_epi64(ci, four);
  }
  if (i <= last) {
    /* 1..3 left: masked loads (the masked-off lanes read nothing) and a
     * compare restricted to the live lanes. */
    __m256i live = _mm256_cmpgt_epi64(_mm256_set1_epi64x(last - i + 1),
                                      _mm256_set_epi64x(3, 2, 1, 0));
    __m256d v = cand_avx2(q0, q1, q2, _mm256_maskload_pd(p0 + i, live),
                          _mm256_maskload_pd(p1 + i, live), _mm256_maskload_pd(p2 + i, live),
                          _mm256_maskload_pd(prev + i, live));
    __m256d lt = _mm256_and_pd(_mm256_cmp_pd(v, bv, _CMP_LT_OQ), _mm256_castsi256_pd(live));
    bv = _mm256_blendv_pd(bv, v, lt);
    bi = _mm256_castpd_si256(
        _mm256_blendv_pd(_mm256_castsi256_pd(bi), _mm256_castsi256_pd(ci), lt));
  }
  double v[4];
  cais_dp_int idx[4];
  _mm256_storeu_pd(v, bv);
  _mm256_storeu_si256((__m256i *)idx, bi);
  reduce_lanes(v, idx, 4, best, arg);
}

/* ---- AVX-512F: 8 lanes -------------------------------------------------- */

__attribute__((target("avx512f"))) static inline __m512d
cand_avx512(__m512d q0, __m512d q1, __m512d q2, __m512d x0, __m512d x1, __m512d x2,
            __m512d xp) {
  __m512d s0 = _mm512_sub_pd(q0, x0);
  __m512d s1 = _mm512_sub_pd(q1, x1);
  __m512d s2 = _mm512_sub_pd(q2, x2);
  __m512d c = _mm512_sub_pd(s2, _mm512_div_pd(_mm512_mul_pd(s1, s1), s0));
  return _mm512_add_pd(xp, c);
}

__attribute__((target("avx512f"))) static void
scan_avx512(const double *p0, const double *p1, const double *p2, const double *prev,
            cais_dp_int j, cais_dp_int first, cais_dp_int last, double *best,
            cais_dp_int *arg) {
  const __m512d q0 = _mm512_set1_pd(p0[j]), q1 = _mm512_set1_pd(p1[j]),
                q2 = _mm512_set1_pd(p2[j]);
  __m512d bv = _mm512_set1_pd(INFINITY);
  __m512i bi = _mm512_setzero_si512();
  __m512i ci = _mm512_add_epi64(_mm512_set1_epi64(first),
                                _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
  const __m512i eight = _mm512_set1_epi64(8);
  cais_dp_int i = first;
  for (; i <= last - 7; i += 8) {
    __m512d v = cand_avx512(q0, q1, q2, _mm512_loadu_pd(p0 + i), _mm512_loadu_pd(p1 + i),
                            _mm512_loadu_pd(p2 + i), _mm512_loadu_pd(prev + i));
    __mmask8 lt = _mm512_cmp_pd_mask(v, bv, _CMP_LT_OQ); /* false for NaN */
    bv = _mm512_mask_mov_pd(bv, lt, v);
    bi = _mm512_mask_mov_epi64(bi, lt, ci);
    ci = _mm512_add_epi64(ci, eight);
  }
  if (i <= last) {
    /* 1..7 left: masked loads (the masked-off lanes read nothing, and are
     * zero) and a compare restricted to the live lanes. */
    __mmask8 live = (__mmask8)((1u << (unsigned)(last - i + 1)) - 1u);
    __m512d v = cand_avx512(q0, q1, q2, _mm512_maskz_loadu_pd(live, p0 + i),
                            _mm512_maskz_loadu_pd(live, p1 + i),
                            _mm512_maskz_loadu_pd(live, p2 + i),
                            _mm512_maskz_loadu_pd(live, prev + i));
    __mmask8 lt = _mm512_mask_cmp_pd_mask(live, v, bv, _CMP_LT_OQ);
    bv = _mm512_mask_mov_pd(bv, lt, v);
    bi = _mm512_mask_mov_epi64(bi, lt, ci);
  }
  /* (value, then smallest index): the minimum value, then the smallest
   * index among the lanes equal to it, and that lane's own value (a -0.0
   * and a +0.0 compare equal; the scalar scan keeps the leftmost). */
  double m = _mm512_reduce_min_pd(bv);
  if (!(m < *best)) return;
  __mmask8 eq = _mm512_cmp_pd_mask(bv, _mm512_set1_pd(m), _CMP_EQ_OQ);
  cais_dp_int a = _mm512_mask_reduce_min_epi64(eq, bi);
  double v[8];
  _mm512_storeu_pd(v, bv);
  *best = v[(a - first) & 7];
  *arg = a;
}

static bool cpu_has(cais_dp_scan_impl impl) {
  __builtin_cpu_init();
  switch (impl) {
  case CAIS_DP_SCAN_SSE2: return true;
  case CAIS_DP_SCAN_AVX2: return __builtin_cpu_supports("avx2");
  case CAIS_DP_SCAN_AVX512: return __builtin_cpu_supports("avx512f");
  default: return false;
  }
}
#else  /* !__x86_64__ */
static bool cpu_has(cais_dp_scan_impl impl) {
  (void)impl;
  return false;
}
#endif

bool cais_dp_scan_impl_available(cais_dp_scan_impl impl) {
  if (impl == CAIS_DP_SCAN_AUTO || impl == CAIS_DP_SCAN_SCALAR) return true;
  return cpu_has(impl);
}

cais_dp_scan_impl cais_dp_scan_impl_auto(void) {
  if (cpu_has(CAIS_DP_SCAN_AVX512)) return CAIS_DP_SCAN_AVX512;
  if (cpu_has(CAIS_DP_SCAN_AVX2)) return CAIS_DP_SCAN_AVX2;
  if (cpu_has(CAIS_DP_SCAN_SSE2)) return CAIS_DP_SCAN_SSE2;
  return CAIS_DP_SCAN_SCALAR;
}

const char *cais_dp_scan_impl_name(cais_dp_scan_impl impl) {
  switch (impl) {
  case CAIS_DP_SCAN_AUTO: return "auto";
  case CAIS_DP_SCAN_SCALAR: return "scalar";
  case CAIS_DP_SCAN_SSE2: return "sse2";
  case CAIS_DP_SCAN_AVX2: return "avx2";
  case CAIS_DP_SCAN_AVX512: return "avx512";
  default: return "?";
  }
}

/* The function of an available implementation (AUTO resolved). */
static scan_fn impl_fn(cais_dp_scan_impl impl) {
  if (impl == CAIS_DP_SCAN_AUTO) impl = cais_dp_scan_impl_auto();
  if (!cais_dp_scan_impl_available(impl)) return scan_scalar;
  switch (impl) {
#if defined(__x86_64__)
  case CAIS_DP_SCAN_SSE2: return scan_sse2;
  case CAIS_DP_SCAN_AVX2: return scan_avx2;
  case CAIS_DP_SCAN_AVX512: return scan_avx512;
#endif
  default: return scan_scalar;
  }
}

void cais_dp_scan_with(cais_dp_scan_impl impl, const double *p0, const double *p1,
                       const double *p2, const double *prev, cais_dp_int j,
                       cais_dp_int first, cais_dp_int last, double *best,
                       cais_dp_int *arg) {
  impl_fn(impl)(p0, p1, p2, prev, j, first, last, best, arg);
}

/* What cais_dp_scan_fast calls: resolved on first use.  Threads that race
 * there all store the same pointer; the atomics keep that well defined. */
static scan_fn active;

cais_dp_scan_impl cais_dp_scan_select(cais_dp_scan_impl impl) {
  if (impl == CAIS_DP_SCAN_AUTO) impl = cais_dp_scan_impl_auto();
  if (!cais_dp_scan_impl_available(impl)) impl = CAIS_DP_SCAN_SCALAR;
  __atomic_store_n(&active, impl_fn(impl), __ATOMIC_RELEASE);
  return impl;
}

void cais_dp_scan_fast(const double *p0, const double *p1, const double *p2,
                       const double *prev, cais_dp_int j, cais_dp_int first,
                       cais_dp_int last, double *best, cais_dp_int *arg) {
  scan_fn f = __atomic_load_n(&active, __ATOMIC_ACQUIRE);
  if (!f) {
    f = impl_fn(CAIS_DP_SCAN_AUTO);
    __atomic_store_n(&active, f, __ATOMIC_RELEASE);
  }
  f(p0, p1, p2, prev, j, first, last, best, arg);
}
