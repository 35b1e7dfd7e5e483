/*
 * gen_weights.c -- filling the weights of a plan (see gen_weights.h).
 *
 * Distribution of a GEN_INIT_DENSE weight (linear, conv, embedding):
 *   - base: Irwin-Hall sum of four 16-bit uniforms from one 64-bit hash,
 *     standardised: roughly normal, mean 0, sd 1, |x| <= 3.46;
 *   - times `std` (the builder passes ~0.64/sqrt(fan_in): 0.02 at fan-in
 *     1024, 0.01 at 4096; 0.02 for embeddings);
 *   - times a per-output-channel scale in [0.6, 1.4], with one channel in
 *     64 (on average) scaled 3x more, as trained weights have;
 *   - ~0.11 % of the elements are exact zeros and ~0.011 % outliers of
 *     6 to 16 standard deviations (sign of the base value).
 * GEN_INIT_NORM_SCALE: 1 + std * base.  GEN_INIT_BIAS: std * base.
 * GEN_INIT_CAUSAL_MASK: 0 where column <= row, -1e4 above the diagonal.
 * Values are computed in float and rounded to nearest even into the
 * element type.
 *
 * Work is cut into chunks of 1 Mi elements, taken by the worker threads
 * from a shared counter; generation runs at about 250 M elements/s per core
 * (2-core machine, f16).  Bit-identical results across machines rely on
 * plain IEEE float arithmetic: the project builds with -ffp-contract=off
 * (no fused multiply-add).
 */
#include "gen_weights.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gen_float.h"

#define CHUNK_ELEMS ((int64_t)1 << 20)
#define BATCH 1024
#define GOLDEN 0x9E3779B97F4A7C15ull

/* SplitMix64's finaliser: a bijective 64-bit mixer. */
static inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* FNV-1a of the weight's name. */
static uint64_t name_hash(const char *s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
  return h;
}

typedef struct {
  gen_weight *w;
  uint64_t key;      /* per-weight stream key */
  int64_t inner;     /* elements per step of the output-channel axis */
  int64_t channels;  /* size of the output-channel axis */
} weight_job;

typedef struct {
  int job;
  int64_t begin, end;
} chunk;

typedef struct {
  weight_job *jobs;
  chunk *chunks;
  size_t nchunks;
  atomic_size_t next;
  gen_dtype dtype;
} fill_state;

/* Roughly standard normal from one hash (Irwin-Hall, n = 4). */
static inline float base_normal(uint64_t h) {
  uint32_t a = (uint32_t)(h & 0xffff) + (uint32_t)((h >> 16) & 0xffff) +
               (uint32_t)((h >> 32) & 0xffff) + (uint32_t)(h >> 48);
  return ((float)a - 131070.0f) * (1.7320508f / 65536.0f);
}

/* Scale of output channel `ch` of a dense weight. */
static float channel_scale(uint64_t key, int64_t ch) {
  uint64_t h = mix64(key ^ 0xC4A77E15C4A77E15ull ^ ((uint64_t)ch * GOLDEN));
  float s = 0.6f + 0.8f * (float)(h & 0xffffff) / 16777216.0f;
  if ((h >> 58) == 0) s *= 3.0f;
  return s;
}

/* Values of elements [i0, i0 + n) of a job, as float. */
static void gen_values(const weight_job *j, int64_t i0, int n, float *out) {
  const gen_weight *w = j->w;
  const float sd = (float)w->std;
  switch (w->init) {
    case GEN_INIT_DENSE: {
      int64_t ch = (i0 / j->inner) % j->channels, rem = i0 % j->inner;
      float scale = sd * channel_scale(j->key, ch);
      for (int k = 0; k < n; k++) {
        uint64_t h = mix64(j->key + (uint64_t)(i0 + k) * GOLDEN);
        float x = base_normal(h);
        uint32_t e = (uint32_t)((h * 0xD6E8FEB86659FD93ull) >> 48);
        if (e < 80) {
          if (e < 7) {
            float mag = 6.0f + (float)((h >> 40) & 1023) * (10.0f / 1024.0f);
            x = x < 0 ? -mag : mag;
          } else {
            x = 0.0f;
          }
        }
        out[k] = x * scale;
        if (++rem == j->inner) {
          rem = 0;
          if (++ch == j->channels) ch = 0;
          scale = sd * channel_scale(j->key, ch);
        }
      }
      break;
    }
    case GEN_INIT_NORM_SCALE:
    case GEN_INIT_BIAS: {
      float base = w->init == GEN_INIT_NORM_SCALE ? 1.0f : 0.0f;
      for (int k = 0; k < n; k++)
        out[k] = base + sd * base_normal(mix64(j->key + (uint64_t)(i0 + k) * GOLDEN));
      break;
    }
    case GEN_INIT_CAUSAL_MASK: {
      int64_t S = w->shape.dim[w->shape.rank - 1];
      for (int k = 0; k < n; k++) {
        int64_t i = i0 + k, col = i % S, row = (i / S) % S;
        out[k] = col > row ? -1.0e4f : 0.0f;
      }
      break;
    }
  }
}

static void store(gen_dtype dt, void *dst, int64_t i0, const float *v, int n) {
  switch (dt) {
    case GEN_F32:
      memcpy((float *)dst + i0, v, (size_t)n * sizeof(float));
      break;
    case GEN_F16: {
      uint16_t *o = (uint16_t *)dst + i0;
      for (int k = 0; k < n; k++) o[k] = gen_f32_to_f16(v[k]);
      break;
    }
    case GEN_BF16: {
      uint16_t *o = (uint16_t *)dst + i0;
      for (int k = 0; k < n; k++) o[k] = gen_f32_to_bf16(v[k]);
      break;
    }
  }
}

static void *worker(void *arg) {
  fill_state *st = arg;
  float buf[BATCH];
  for (;;) {
    size_t c = atomic_fetch_add(&st->next, 1);
    if (c >= st->nchunks) break;
    const chunk *ck = &st->chunks[c];
    const weight_job *j = &st->jobs[ck->job];
    for (int64_t i = ck->begin; i < ck->end; i += BATCH) {
      int n = (int)(ck->end - i < BATCH ? ck->end - i : BATCH);
      gen_values(j, i, n, buf);
      store(st->dtype, j->w->data, i, buf, n);
    }
  }
  return NULL;
}

/* Large buffers: ask for transparent huge pages, which makes first-touch
 * page faults (a good part of the generation time at 1e9 parameters) about
 * 500x fewer.  Advisory only; ignored where unsupported. */
static void advise_huge_pages(void *data, size_t nbytes) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20;
  if (nbytes < 4 * huge) return;
  uintptr_t b = ((uintptr_t)data + huge - 1) & ~(huge - 1);
  uintptr_t e = ((uintptr_t)data + nbytes) & ~(huge - 1);
  if (e > b) (void)madvise((void *)b, e - b, MADV_HUGEPAGE);
#else
  (void)data;
  (void)nbytes;
#endif
}

int gen_weights_fill(gen_plan *p, uint64_t seed, int threads) {
  size_t nw = p->nweights, nchunks = 0;
  for (size_t i = 0; i < nw; i++) {
    gen_weight *w = &p->weights[i];
    if (!w->data) w->data = malloc(w->nbytes ? w->nbytes : 1);
    if (!w->data) return -1;
    advise_huge_pages(w->data, w->nbytes);
    nchunks += (size_t)((w->numel + CHUNK_ELEMS - 1) / CHUNK_ELEMS);
  }

  fill_state st;
  memset(&st, 0, sizeof st);
  st.dtype = p->dtype;
  st.jobs = calloc(nw ? nw : 1, sizeof *st.jobs);
  st.chunks = calloc(nchunks ? nchunks : 1, sizeof *st.chunks);
  if (!st.jobs || !st.chunks) {
    free(st.jobs);
    free(st.chunks);
    return -1;
  }
  uint64_t seed_key = mix64(seed ^ 0x5EED5EED5EED5EEDull);
  for (size_t i = 0; i < nw; i++) {
    gen_weight *w = &p->weights[i];
    weight_job *j = &st.jobs[i];
    j->w = w;
    j->key = mix64(seed_key ^ name_hash(w->name));
    j->channels = w->shape.rank ? w->shape.dim[w->out_axis] : 1;
    j->inner = 1;
    for (int a = w->out_axis + 1; a < w->shape.rank; a++) j->inner *= w->shape.dim[a];
    if (j->channels < 1) j->channels = 1;
    for (int64_t b = 0; b < w->numel; b += CHUNK_ELEMS) {
      chunk *ck = &st.chunks[st.nchunks++];
      ck->job = (int)i;
      ck->begin = b;
      ck->end = b + CHUNK_ELEMS < w->numel ? b + CHUNK_ELEMS : w->numel;
    }
  }
  atomic_init(&st.next, 0);

  if (threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n > 0 ? (int)(n < 64 ? n : 64) : 1;
  }
  if ((size_t)threads > st.nchunks) threads = st.nchunks ? (int)st.nchunks : 1;
  pthread_t tids[256];
  int started = 0;
  for (int t = 1; t < threads && t < 256; t++) {
    if (pthread_create(&tids[started], NULL, worker, &st) != 0) break;
    started++;
  }
  worker(&st); /* the calling thread works too */
  for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
  free(st.jobs);
  free(st.chunks);
  return 0;
}
