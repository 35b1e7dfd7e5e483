/*
 * gen_options.h -- the command line of cais-gen-program.
 *
 * gen_options_parse() fills a gen_options from argv (defaults first, then
 * the flags); sizes left at 0 are chosen later by gen_sizing.c.  Bad usage
 * returns GEN_EXIT_USAGE with the message already printed to stderr.
 */
#ifndef CAIS_GEN_OPTIONS_H
#define CAIS_GEN_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "gen_plan.h"

/* Exit statuses, as cai-sparsify's: 0 done, 1 failure (I/O, memory),
 * 2 bad command line. */
enum { GEN_EXIT_OK = 0, GEN_EXIT_FAILURE = 1, GEN_EXIT_USAGE = 2 };

typedef enum { GEN_MODEL_TRANSFORMER, GEN_MODEL_CONVNET } gen_model;
typedef enum { GEN_FORMAT_TEXT, GEN_FORMAT_BYTECODE } gen_format;

typedef struct {
  gen_model model;
  gen_dtype dtype;
  gen_format format;
  const char *output;   /* NULL or "-": standard output */
  uint64_t seed;
  int64_t params;       /* --params target, 0 when not given */
  int threads;          /* 0: one per online CPU */
  int quiet;
  int dry_run;          /* summary only, nothing generated or written */

  /* transformer (0: default / chosen from --params) */
  int64_t layers, hidden, ffn, vocab, seq, heads;
  int tie_embeddings;

  /* convnet (layers above is the number of conv blocks) */
  int64_t width, image, classes;
} gen_options;

/** Parses argv.  Returns GEN_EXIT_OK to go on, or an exit status to stop
 *  with (after --help: *stop = 1 and GEN_EXIT_OK). */
int gen_options_parse(gen_options *o, int argc, char **argv, int *stop);

/** Prints the --help text. */
void gen_options_usage(FILE *f);

/** Parses "1000", "10M", "1.5B", "2e9" (K = 1e3, M = 1e6, B/G = 1e9,
 *  T = 1e12).  Returns 0 on success. */
int gen_parse_count(const char *s, int64_t *out);

/** Fills the sizes left at 0: defaults, or the dimensions that reach
 *  o->params.  Returns GEN_EXIT_OK or GEN_EXIT_USAGE (message printed). */
int gen_options_resolve_sizes(gen_options *o);

/** Parameter count of a transformer / convnet with the sizes of `o`
 *  (what the builders will produce). */
int64_t gen_transformer_param_count(const gen_options *o);
int64_t gen_convnet_param_count(const gen_options *o);

#endif /* CAIS_GEN_OPTIONS_H */
