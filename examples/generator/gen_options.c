/*
 * gen_options.c -- parsing the command line of cais-gen-program.
 */
#include "gen_options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PROG "cais-gen-program"

void gen_options_usage(FILE *f) {
  fputs(
      "usage: " PROG " [options] [-o OUTPUT]\n"
      "\n"
      "Writes a realistic Core AI program (MLIR<CoreAI>, generic form) with\n"
      "deterministic pseudo-random weights, for testing and benchmarking\n"
      "cai-sparsify.  Weights are dense_resource blobs named after their\n"
      "locations (loc(\"layers.0.attn.q_proj.weight\") -> layers_0_attn_q_proj_weight).\n"
      "\n"
      "Model:\n"
      "  --model transformer|convnet  graph to build (default transformer)\n"
      "  --dtype f16|bf16|f32         weight and activation type (default f16)\n"
      "  --params N                   pick dimensions reaching about N parameters;\n"
      "                               suffixes K, M, B (or G), T: 10M, 1.5B, 2e9\n"
      "  --seed S                     weight seed (default 0); same arguments give\n"
      "                               the same bytes\n"
      "\n"
      "Transformer (defaults: 4 layers, hidden 256, ffn 1024, vocab 4096, seq 64):\n"
      "  --layers L      transformer blocks\n"
      "  --hidden H      model width (q/k/v/o weights are [H, H])\n"
      "  --ffn F         MLP width (gate/up [F, H], down [H, F])\n"
      "  --heads N       attention heads (default H/64, or 1)\n"
      "  --vocab V       vocabulary (embedding and lm_head [V, H])\n"
      "  --seq S         sequence length of the token-id input tensor<1xSxsi32>\n"
      "  --tie-embeddings  lm_head reuses the embedding table (two users)\n"
      "  With --params: --layers/--hidden/--ffn/--heads are chosen (giving them\n"
      "  too is an error); --vocab (default 1024, 8192 from 10M, 32000 from 100M)\n"
      "  and --seq are kept.\n"
      "\n"
      "Convnet (defaults: 4 blocks, width 32, image 32, classes 10):\n"
      "  --layers L      conv blocks (stem, then stride-2 conv + depthwise +\n"
      "                  pointwise blocks; channels double up to 8x width)\n"
      "  --width W       stem channels;  --image R  input tensor<1x3xRxRxT>\n"
      "  --classes K     classifier outputs (fc weight [C, K], no transpose)\n"
      "  With --params: --width is chosen.\n"
      "\n"
      "Output:\n"
      "  --format text|bytecode  generic-form text with locations (default) or\n"
      "                          MLIR bytecode\n"
      "  -o, --output PATH  file to write (through a temporary file renamed into\n"
      "                     place); '-' or none: standard output (text only,\n"
      "                     unless stdout is not a terminal)\n"
      "  --threads N     weight-generation threads (default: online CPUs);\n"
      "                  the output does not depend on it\n"
      "  --dry-run       print the chosen dimensions and counts, write nothing\n"
      "  -q, --quiet     no summary on stderr\n"
      "  -h, --help      this text\n"
      "\n"
      "Exit status: 0 done, 1 failure (I/O, memory), 2 bad command line.\n",
      f);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, PROG ": error: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(try '" PROG " --help')\n");
  va_end(ap);
  return GEN_EXIT_USAGE;
}

int gen_parse_count(const char *s, int64_t *out) {
  if (!s || !*s) return -1;
  errno = 0;
  char *end = NULL;
  double v = strtod(s, &end);
  if (end == s || errno) return -1;
  double mult = 1;
  if (*end) {
    switch (*end) {
      case 'k': case 'K': mult = 1e3; break;
      case 'm': case 'M': mult = 1e6; break;
      case 'b': case 'B': case 'g': case 'G': mult = 1e9; break;
      case 't': case 'T': mult = 1e12; break;
      default: return -1;
    }
    if (end[1]) return -1;
  }
  v *= mult;
  if (!(v >= 1) || v > 9.0e15) return -1;
  *out = (int64_t)llround(v);
  return 0;
}

/* A positive integer option value no larger than `max`. */
static int parse_positive(const char *opt, const char *s, int64_t max, int64_t *out) {
  errno = 0;
  char *end = NULL;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end || errno || v < 1 || v > max)
    return usage_error("%s: expected an integer from 1 to %lld, got '%s'", opt,
                       (long long)max, s);
  *out = v;
  return GEN_EXIT_OK;
}

enum {
  OPT_MODEL = 256, OPT_DTYPE, OPT_PARAMS, OPT_SEED, OPT_LAYERS, OPT_HIDDEN,
  OPT_FFN, OPT_HEADS, OPT_VOCAB, OPT_SEQ, OPT_TIE, OPT_WIDTH, OPT_IMAGE,
  OPT_CLASSES, OPT_FORMAT, OPT_THREADS, OPT_DRY_RUN
};

int gen_options_parse(gen_options *o, int argc, char **argv, int *stop) {
  static const struct option longopts[] = {
      {"model", required_argument, 0, OPT_MODEL},
      {"dtype", required_argument, 0, OPT_DTYPE},
      {"params", required_argument, 0, OPT_PARAMS},
      {"seed", required_argument, 0, OPT_SEED},
      {"layers", required_argument, 0, OPT_LAYERS},
      {"hidden", required_argument, 0, OPT_HIDDEN},
      {"ffn", required_argument, 0, OPT_FFN},
      {"heads", required_argument, 0, OPT_HEADS},
      {"vocab", required_argument, 0, OPT_VOCAB},
      {"seq", required_argument, 0, OPT_SEQ},
      {"tie-embeddings", no_argument, 0, OPT_TIE},
      {"width", required_argument, 0, OPT_WIDTH},
      {"image", required_argument, 0, OPT_IMAGE},
      {"classes", required_argument, 0, OPT_CLASSES},
      {"format", required_argument, 0, OPT_FORMAT},
      {"threads", required_argument, 0, OPT_THREADS},
      {"dry-run", no_argument, 0, OPT_DRY_RUN},
      {"output", required_argument, 0, 'o'},
      {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};

  memset(o, 0, sizeof *o);
  o->model = GEN_MODEL_TRANSFORMER;
  o->dtype = GEN_F16;
  o->format = GEN_FORMAT_TEXT;
  *stop = 0;

  /* Sizes are capped so that no shape product overflows int64. */
  const int64_t dim_max = 1 << 20;
  int64_t tmp = 0;
  int rc, c;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
    const char *a = optarg;
    rc = GEN_EXIT_OK;
    switch (c) {
      case OPT_MODEL:
        if (!strcmp(a, "transformer")) o->model = GEN_MODEL_TRANSFORMER;
        else if (!strcmp(a, "convnet")) o->model = GEN_MODEL_CONVNET;
        else return usage_error("--model: expected transformer or convnet, got '%s'", a);
        break;
      case OPT_DTYPE:
        if (!strcmp(a, "f16")) o->dtype = GEN_F16;
        else if (!strcmp(a, "bf16")) o->dtype = GEN_BF16;
        else if (!strcmp(a, "f32")) o->dtype = GEN_F32;
        else return usage_error("--dtype: expected f16, bf16 or f32, got '%s'", a);
        break;
      case OPT_FORMAT:
        if (!strcmp(a, "text")) o->format = GEN_FORMAT_TEXT;
        else if (!strcmp(a, "bytecode")) o->format = GEN_FORMAT_BYTECODE;
        else return usage_error("--format: expected text or bytecode, got '%s'", a);
        break;
      case OPT_PARAMS:
        if (gen_parse_count(a, &o->params))
          return usage_error("--params: expected a count such as 5000000, 10M or 1B, got '%s'", a);
        break;
      case OPT_SEED: {
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(a, &end, 0);
        if (end == a || *end || errno || a[0] == '-')
          return usage_error("--seed: expected a non-negative integer, got '%s'", a);
        o->seed = v;
        break;
      }
      case OPT_LAYERS: rc = parse_positive("--layers", a, 100000, &o->layers); break;
      case OPT_HIDDEN: rc = parse_positive("--hidden", a, dim_max, &o->hidden); break;
      case OPT_FFN: rc = parse_positive("--ffn", a, dim_max, &o->ffn); break;
      case OPT_HEADS: rc = parse_positive("--heads", a, dim_max, &o->heads); break;
      case OPT_VOCAB: rc = parse_positive("--vocab", a, 1 << 24, &o->vocab); break;
      case OPT_SEQ: rc = parse_positive("--seq", a, 1 << 16, &o->seq); break;
      case OPT_TIE: o->tie_embeddings = 1; break;
      case OPT_WIDTH: rc = parse_positive("--width", a, 1 << 16, &o->width); break;
      case OPT_IMAGE: rc = parse_positive("--image", a, 1 << 14, &o->image); break;
      case OPT_CLASSES: rc = parse_positive("--classes", a, 1 << 24, &o->classes); break;
      case OPT_THREADS:
        rc = parse_positive("--threads", a, 256, &tmp);
        o->threads = (int)tmp;
        break;
      case OPT_DRY_RUN: o->dry_run = 1; break;
      case 'o': o->output = a; break;
      case 'q': o->quiet = 1; break;
      case 'h':
        gen_options_usage(stdout);
        *stop = 1;
        return GEN_EXIT_OK;
      case ':':
        return usage_error("%s: missing value", argv[optind - 1]);
      default:
        return usage_error("unknown option '%s'", argv[optind - 1]);
    }
    if (rc != GEN_EXIT_OK) return rc;
  }
  if (optind < argc)
    return usage_error("unexpected argument '%s' (the output goes after -o)", argv[optind]);

  if (o->model == GEN_MODEL_TRANSFORMER && (o->width || o->image || o->classes))
    return usage_error("--width/--image/--classes apply to --model convnet only");
  if (o->model == GEN_MODEL_CONVNET &&
      (o->hidden || o->ffn || o->heads || o->vocab || o->seq || o->tie_embeddings))
    return usage_error("--hidden/--ffn/--heads/--vocab/--seq/--tie-embeddings apply to "
                       "--model transformer only");
  if (o->params && o->model == GEN_MODEL_TRANSFORMER &&
      (o->layers || o->hidden || o->ffn || o->heads))
    return usage_error("--params chooses --layers/--hidden/--ffn/--heads: give one or the "
                       "other");
  if (o->params && o->model == GEN_MODEL_CONVNET && o->width)
    return usage_error("--params chooses --width: give one or the other");
  return GEN_EXIT_OK;
}
