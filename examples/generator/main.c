/*
 * main.c -- cais-gen-program: writes realistic Core AI programs (a
 * decoder-only transformer or a small conv net) with deterministic
 * pseudo-random weights, for cai-sparsify's tests, benchmarks and examples.
 *
 * Flow: gen_options.c (command line) -> gen_sizing.c (dimensions) ->
 * gen_transformer.c / gen_convnet.c (skeleton text + weight list, via
 * gen_plan.c) -> gen_weights.c (weight values) -> gen_writer.c (MLIR C API:
 * parse, attach dense_resource blobs, write text or bytecode).
 * examples/README.md describes the programs and the options.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "gen_models.h"
#include "gen_options.h"
#include "gen_plan.h"
#include "gen_weights.h"
#include "gen_writer.h"

#define PROG "cais-gen-program"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void print_summary(const gen_options *o, const gen_plan *p) {
  const char *dt = gen_dtype_name(o->dtype);
  if (o->model == GEN_MODEL_TRANSFORMER)
    fprintf(stderr,
            PROG ": transformer %s: %lld layers, hidden %lld, ffn %lld, heads %lld, "
                 "vocab %lld, seq %lld%s\n",
            dt, (long long)o->layers, (long long)o->hidden, (long long)o->ffn,
            (long long)o->heads, (long long)o->vocab, (long long)o->seq,
            o->tie_embeddings ? ", tied embeddings" : "");
  else
    fprintf(stderr,
            PROG ": convnet %s: %lld blocks, width %lld, image %lld, classes %lld\n", dt,
            (long long)o->layers, (long long)o->width, (long long)o->image,
            (long long)o->classes);
  fprintf(stderr, PROG ": %lld parameters, %zu float constants, %.1f MB of weight data\n",
          (long long)p->nparams, p->nweights, (double)p->nbytes / 1e6);
}

int main(int argc, char **argv) {
  gen_options o;
  int stop = 0;
  int rc = gen_options_parse(&o, argc, argv, &stop);
  if (rc != GEN_EXIT_OK || stop) return rc;
  rc = gen_options_resolve_sizes(&o);
  if (rc != GEN_EXIT_OK) return rc;

  gen_plan plan;
  gen_plan_init(&plan, o.dtype);
  const char *source_name;
  int64_t expected;
  if (o.model == GEN_MODEL_TRANSFORMER) {
    gen_build_transformer(&o, &plan);
    source_name = "transformer.mlir";
    expected = gen_transformer_param_count(&o);
  } else {
    gen_build_convnet(&o, &plan);
    source_name = "convnet.mlir";
    expected = gen_convnet_param_count(&o);
  }
  if (plan.oom || gen_text_failed(&plan.text)) {
    fprintf(stderr, PROG ": error: out of memory while building the program\n");
    gen_plan_free(&plan);
    return GEN_EXIT_FAILURE;
  }
  if (plan.nparams != expected) {
    fprintf(stderr, PROG ": internal error: built %lld parameters, sizing expected %lld\n",
            (long long)plan.nparams, (long long)expected);
    gen_plan_free(&plan);
    return GEN_EXIT_FAILURE;
  }
  if (!o.quiet || o.dry_run) print_summary(&o, &plan);
  if (o.dry_run) {
    gen_plan_free(&plan);
    return GEN_EXIT_OK;
  }

  /* Refuse up front what cannot fit: with overcommit, malloc would succeed
   * and the process would be killed halfway through. */
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0 && (double)plan.nbytes > (double)pages * (double)page) {
    fprintf(stderr, PROG ": error: %.1f GB of weights exceed this machine's %.1f GB of memory\n",
            (double)plan.nbytes / 1e9, (double)pages * (double)page / 1e9);
    gen_plan_free(&plan);
    return GEN_EXIT_FAILURE;
  }

  double t0 = now_s();
  if (gen_weights_fill(&plan, o.seed, o.threads) != 0) {
    fprintf(stderr, PROG ": error: out of memory for %.1f MB of weights\n",
            (double)plan.nbytes / 1e6);
    gen_plan_free(&plan);
    return GEN_EXIT_FAILURE;
  }
  double t1 = now_s();
  rc = gen_write_program(&plan, &o, source_name);
  double t2 = now_s();
  if (rc == GEN_EXIT_OK && !o.quiet)
    fprintf(stderr,
            PROG ": weights generated in %.2f s (%.0f M elements/s), written in %.2f s to %s\n",
            t1 - t0, (double)plan.nelements / 1e6 / (t1 - t0 > 1e-9 ? t1 - t0 : 1e-9), t2 - t1,
            o.output && o.output[0] && !(o.output[0] == '-' && !o.output[1]) ? o.output
                                                                               : "<stdout>");
  gen_plan_free(&plan);
  return rc;
}
