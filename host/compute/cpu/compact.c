/* compact.c -- see compact.h.
 *
 * The per-chunk body is written once (emit_chunk) and instantiated for each
 * combination of element width, mask source, payload kind and code source,
 * so the hot loops carry no per-element dispatch.  Within a chunk, work goes
 * by stats chunks of 4096 elements: the mask payload of one stats chunk is
 * first collected in a local stage (branch-free: always store, advance by
 * the mask bit), then copied to the output -- chunks never store outside
 * their own output range, except the packed array's shared edge bytes,
 * which packed_writer.h ORs atomically. */
#include "compute/cpu/compact.h"

#include <stdlib.h>
#include <string.h>

#include "compute/cpu/cpu_parallel.h"
#include "compute/cpu/elem_access.h"
#include "compute/cpu/error_stats.h"
#include "compute/cpu/packed_writer.h"

/* Tensors of at least this many 16-bit elements go through per-bit-pattern
 * tables (the code and both statistic terms of every pattern) instead of
 * per-element arithmetic: the same function, computed 65536 times instead
 * of numel times. */
#define TABLE_MIN_NUMEL ((size_t)1 << 18)

typedef struct emit_ctx {
  const cais_emit *e;
  size_t numel;
  const int64_t *offsets; /* per chunk: output position (elements) */
  double *err_part, *norm_part;
  const float *half;
  const uint8_t *codes; /* table variants: code of every bit pattern */
  const double *terms;  /* table variants: [2 * bits] = w * w,
                           [2 * bits + 1] = (w - decoded)^2 when kept */
} emit_ctx;

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* m ? a : b without a branch (the mask bit is unpredictable), exact. */
ALWAYS_INLINE double select_double(unsigned m, double a, double b) {
  uint64_t ua, ub, mm = (uint64_t)0 - (uint64_t)m;
  memcpy(&ua, &a, 8);
  memcpy(&ub, &b, 8);
  uint64_t r = (ua & mm) | (ub & ~mm);
  double out;
  memcpy(&out, &r, 8);
  return out;
}

/* The code of a mask element without tables. */
ALWAYS_INLINE uint32_t direct_code(const cais_emit *e, uint32_t bits, bool is16,
                                   const float *half, int kind) {
  if (e->code_table) return e->code_table[bits]; /* 16-bit palettes */
  double v = cais_elem_value(bits, is16, half);
  if (kind == CAIS_PAYLOAD_BYTES) return cais_quant_code(e->quant, v);
  return cais_palette_nearest(e->palette, v);
}

ALWAYS_INLINE void emit_chunk(const emit_ctx *ctx, size_t c, const bool is16,
                              const bool by_threshold, const int kind,
                              const bool table) {
  const cais_emit *e = ctx->e;
  const cais_cpu_selection *sel = e->sel;
  const void *data = e->w->data;
  const float *half = ctx->half;
  const uint8_t *codes = ctx->codes;
  const double *terms = ctx->terms;
  const double *decoded = e->decoded;
  const uint32_t km = cais_key_mask(is16);
  const uint32_t threshold = sel->threshold, tie_key = sel->tie_key;
  const int64_t quota = by_threshold ? sel->tie_quota[c] : 0;
  const bool stats = e->stats;
  uint8_t *mask = sel->mask;
  int64_t ties = 0;
  size_t b, end;
  cais_cpu_chunk_range(ctx->numel, c, &b, &end);
  size_t off = (size_t)ctx->offsets[c];
  cais_packed_writer pw;
  if (kind == CAIS_PAYLOAD_PACKED)
    cais_packed_writer_init(&pw, e->out, (uint64_t)off * (unsigned)e->width,
                            (uint64_t)(off + (size_t)sel->chunk_nnz[c]) * (unsigned)e->width);
  uint32_t stage[CAIS_STATS_CHUNK];

  for (size_t s0 = b; s0 < end; s0 += CAIS_STATS_CHUNK) {
    size_t s1 = s0 + CAIS_STATS_CHUNK < end ? s0 + CAIS_STATS_CHUNK : end;
    size_t ns = 0;
    double se = 0.0, sn = 0.0;
    for (size_t g = s0; g < s1; g += 8) {
      unsigned mb = by_threshold ? 0u : mask[g >> 3];
      size_t lim = s1 - g < 8 ? s1 - g : 8;
      for (size_t j = 0; j < lim; j++) {
        uint32_t bits = cais_elem_bits(data, g + j, is16);
        unsigned m;
        if (by_threshold) {
          uint32_t key = bits & km;
          m = key > threshold;
          if (__builtin_expect(key == tie_key, 0)) { /* first `quota` ties go */
            m = ties >= quota;
            ties++;
          }
          mb |= m << j;
        } else {
          m = (mb >> j) & 1u;
        }
        uint32_t payload;
        if (kind == CAIS_PAYLOAD_RAW)
          payload = bits;
        else if (table)
          payload = codes[bits];
        else
          payload = m ? direct_code(e, bits, is16, half, kind) : 0;
        stage[ns] = payload;
        ns += m;
        if (stats && table) {
          se += terms[2 * (size_t)bits + m];
          sn += terms[2 * (size_t)bits];
        } else if (stats) {
          double v = cais_elem_value(bits, is16, half);
          double v2 = v * v;
          double err = 0.0;
          if (kind != CAIS_PAYLOAD_RAW) {
            double d = v - decoded[payload];
            err = d * d;
          }
          se += select_double(m, err, v2);
          sn += v2;
        }
      }
      if (by_threshold) mask[g >> 3] = (uint8_t)mb;
    }
    if (kind == CAIS_PAYLOAD_RAW && is16) {
      uint16_t *out = (uint16_t *)e->out + off;
      for (size_t i = 0; i < ns; i++) out[i] = (uint16_t)stage[i];
    } else if (kind == CAIS_PAYLOAD_RAW) {
      memcpy((uint32_t *)e->out + off, stage, ns * sizeof *stage);
    } else if (kind == CAIS_PAYLOAD_BYTES) {
      uint8_t *out = (uint8_t *)e->out + off;
      for (size_t i = 0; i < ns; i++) out[i] = (uint8_t)stage[i];
    } else {
      for (size_t i = 0; i < ns; i++)
        cais_packed_writer_put(&pw, stage[i], (unsigned)e->width);
    }
    off += ns;
    if (stats) {
      ctx->err_part[s0 / CAIS_STATS_CHUNK] = se;
      ctx->norm_part[s0 / CAIS_STATS_CHUNK] = sn;
    }
  }
  if (kind == CAIS_PAYLOAD_PACKED) cais_packed_writer_finish(&pw);
}

/* Builds the table variants' tables; false when out of memory.  *codes_out
 * is e->code_table when given, else a quantization table (malloc'd into
 * *owned). */
static bool build_tables(const cais_emit *e, const float *half,
                         const uint8_t **codes_out, uint8_t **owned,
                         double **terms_out) {
  const uint8_t *codes = e->code_table;
  *owned = NULL;
  if (e->kind == CAIS_PAYLOAD_BYTES && !codes) {
    *owned = malloc(65536);
    if (!*owned) return false;
    cais_quant_code_table16(e->quant, *owned);
    codes = *owned;
  }
  double *terms = malloc(2 * 65536 * sizeof *terms);
  if (!terms) {
    free(*owned);
    *owned = NULL;
    return false;
  }
  for (uint32_t bits = 0; bits < 65536; bits++) {
    double v = (double)half[bits];
    terms[2 * bits] = v * v;
    double err = 0.0;
    if (e->kind != CAIS_PAYLOAD_RAW) {
      double d = v - e->decoded[codes[bits]];
      err = d * d;
    }
    terms[2 * bits + 1] = err;
  }
  *codes_out = codes;
  *terms_out = terms;
  return true;
}

/* The instantiations: V(is16, by_threshold, kind, table). */
#define V(a, b, k, t)                                                      \
  static void emit_##a##b##k##t(void *ctx, size_t c) {                     \
    emit_chunk(ctx, c, a, b, k, t);                                        \
  }
#define V4(a, b) V(a, b, 0, 0) V(a, b, 1, 0) V(a, b, 2, 0) V(a, b, 0, 1) V(a, b, 1, 1) V(a, b, 2, 1)
V4(0, 0) V4(0, 1) V4(1, 0) V4(1, 1)
#undef V4
#undef V

typedef void (*emit_fn)(void *, size_t);
#define ROW(a, b) {{emit_##a##b##00, emit_##a##b##01}, \
                   {emit_##a##b##10, emit_##a##b##11}, \
                   {emit_##a##b##20, emit_##a##b##21}}
static const emit_fn variants[2][2][3][2] = {{ROW(0, 0), ROW(0, 1)},
                                             {ROW(1, 0), ROW(1, 1)}};
#undef ROW

bool cais_cpu_emit(cais_emit *e, cais_threadpool *pool) {
  const cais_cpu_selection *sel = e->sel;
  size_t numel = (size_t)e->w->numel;
  size_t chunks = cais_cpu_chunk_count(numel);
  size_t parts = e->stats ? cais_stats_chunk_count(numel) : 0;
  bool is16 = cais_is16(e->w->type);
  emit_ctx ctx = {e, numel, NULL, NULL, NULL, NULL, NULL, NULL};
  ctx.half = is16 ? cais_half_table(e->w->type) : NULL;
  bool table = is16 && numel >= TABLE_MIN_NUMEL;
  uint8_t *owned_codes = NULL;
  double *terms = NULL;
  int64_t *offsets = malloc(chunks * sizeof *offsets);
  double *partials = parts ? malloc(2 * parts * sizeof *partials) : NULL;
  bool ok = offsets && (!parts || partials) &&
            (!table || build_tables(e, ctx.half, &ctx.codes, &owned_codes, &terms));
  if (ok) {
    int64_t sum = 0;
    for (size_t c = 0; c < chunks; c++) {
      offsets[c] = sum;
      sum += sel->chunk_nnz[c];
    }
    ctx.offsets = offsets;
    ctx.err_part = partials;
    ctx.norm_part = partials ? partials + parts : NULL;
    ctx.terms = terms;
    cais_threadpool_run(pool, chunks, variants[is16][sel->by_threshold][e->kind][table], &ctx);
    e->sq_error = e->sq_norm = 0.0;
    if (parts) {
      e->sq_error = cais_stats_total(ctx.err_part, parts);
      e->sq_norm = cais_stats_total(ctx.norm_part, parts);
    }
  }
  free(offsets);
  free(partials);
  free(owned_codes);
  free(terms);
  return ok;
}
