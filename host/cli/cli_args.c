/* cli_args.c -- see cli_args.h. */
#include "cli/cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cli_print_usage(FILE *out) {
  fputs(
      "usage: cai-sparsify [options] INPUT -o OUTPUT\n"
      "       cai-sparsify [options] --in-place INPUT\n"
      "       cai-sparsify --inspect FILE\n"
      "       cai-sparsify [options] --verify ORIGINAL COMPRESSED\n"
      "       cai-sparsify --decode COMPRESSED -o DENSE\n"
      "       cai-sparsify --list-devices\n"
      "\n"
      "Compresses the weights of a Core AI program (MLIR generic text or\n"
      "bytecode): magnitude, block or n:m sparsity, optionally with int8/uint8/\n"
      "fp8 quantization or k-means palettization of the surviving values.\n"
      "\n"
      "Sparsity (one of):\n"
      "  --target-sparsity S      prune the fraction S in [0, 1] of each weight\n"
      "                           (default 0.5 unless --n-m is given)\n"
      "  --n-m N:M                prune N of every M along the input channels\n"
      "  --block-size B           with --target-sparsity: prune whole blocks of B\n"
      "                           along the output channels (B > 1)\n"
      "Joint compression (at most one):\n"
      "  --quantize-dtype T       int8, uint8, fp8_e4m3fn or fp8_e5m2\n"
      "  --palettize-nbits K      k-means palette of 2^K entries, K in 1,2,3,4,6,8\n"
      "Selection:\n"
      "  --weight-num-threshold N compress weights with more than N elements\n"
      "                           (default 1024)\n"
      "Output:\n"
      "  -o, --output FILE        where to write the result (atomically)\n"
      "  --in-place               replace INPUT (atomically) instead\n"
      "  --emit text|bytecode|aimodel  output format (default: the input's;\n"
      "                           aimodel: a Core AI package, via caisparse)\n"
      "  --report FILE.json       write a per-weight JSON report\n"
      "Engine:\n"
      "  --device auto|cpu|opencl[:P.D]  where to compute (default auto: a GPU\n"
      "                           if OpenCL offers one, else the CPU)\n"
      "  --threads N              CPU threads (default: all cores)\n"
      "  --list-devices           list OpenCL devices and exit\n"
      "Other:\n"
      "  --inspect FILE           list the compressed weights of FILE\n"
      "  --verify ORIG COMP       decode COMP's chains, check them against ORIG\n"
      "                           and the options given, print error statistics\n"
      "  --decode FILE -o OUT     write FILE with every op chain (ours or\n"
      "                           upstream's) replaced by its decoded dense weight\n"
      "  -q, --quiet              no progress or summary (warnings still shown)\n"
      "  -v, --verbose            more detail\n"
      "  -h, --help               this text;  --version  the version\n"
      "\n"
      "Exit status: 0 done, 1 unreadable/invalid input or I/O failure (or a\n"
      "--verify violation), 2 bad options.\n",
      out);
}

static int usage_error(const char *option, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  fprintf(stderr, "cai-sparsify: error: %s: %s\n", option, text);
  fprintf(stderr, "Try 'cai-sparsify --help'.\n");
  return CLI_EXIT_USAGE;
}

static bool parse_double(const char *s, double *out) {
  if (!s || !*s) return false;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (*end || errno == ERANGE) return false;
  *out = v;
  return true;
}

static bool parse_int64(const char *s, long long *out) {
  if (!s || !*s) return false;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (*end || errno == ERANGE) return false;
  *out = v;
  return true;
}

/* Whether two paths name one file: the same text, or the same inode. */
static bool same_file(const char *x, const char *y) {
  if (strcmp(x, y) == 0) return true;
  struct stat sx, sy;
  return stat(x, &sx) == 0 && stat(y, &sy) == 0 && sx.st_dev == sy.st_dev &&
         sx.st_ino == sy.st_ino;
}

/* --device auto | cpu | opencl | opencl:P.D */
static int parse_device(const char *s, cais_engine_config *c) {
  if (strcmp(s, "auto") == 0) {
    c->device = CAIS_DEVICE_AUTO;
  } else if (strcmp(s, "cpu") == 0) {
    c->device = CAIS_DEVICE_CPU;
  } else if (strncmp(s, "opencl", 6) == 0 && (s[6] == '\0' || s[6] == ':')) {
    c->device = CAIS_DEVICE_OPENCL;
    if (s[6] == ':') {
      int p, d;
      char tail;
      if (sscanf(s + 7, "%d.%d%c", &p, &d, &tail) != 2 || p < 0 || d < 0)
        return usage_error("--device", "expected opencl:PLATFORM.DEVICE (e.g. "
                                       "opencl:0.1), got '%s'", s);
      c->opencl_platform = p;
      c->opencl_device = d;
    }
  } else {
    return usage_error("--device", "expected auto, cpu or opencl[:P.D], got '%s'", s);
  }
  return 0;
}

/* --n-m N:M -> the numbers, however many; the library checks the count and
 * that they are integers, with the upstream wording. */
static int parse_n_m(const char *s, cli_args *a) {
  char copy[256];
  snprintf(copy, sizeof copy, "%s", s);
  size_t count = 0;
  /* Split by hand: strtok would skip empty fields, taking "2:4:" for 2:4. */
  for (char *tok = copy, *next; tok; tok = next) {
    next = strchr(tok, ':');
    if (next) *next++ = '\0';
    if (count == sizeof a->n_m_values / sizeof *a->n_m_values ||
        !parse_double(tok, &a->n_m_values[count]))
      return usage_error("--n-m", "expected N:M with two integers, got '%s'", s);
    count++;
  }
  a->options.n_m_ratio = a->n_m_values;
  a->options.n_m_ratio_len = count;
  return 0;
}

/* Matches "--name" or "--name=value"; returns the value (next argv entry or
 * the text after '='), NULL if the option does not match.  *missing is set
 * when it matches but no value follows. */
static const char *take_value(const char *name, int argc, char **argv, int *i,
                              bool *matched, bool *missing) {
  size_t n = strlen(name);
  const char *arg = argv[*i];
  *matched = false;
  *missing = false;
  if (strncmp(arg, name, n) != 0) return NULL;
  if (arg[n] == '=') {
    *matched = true;
    return arg + n + 1;
  }
  if (arg[n] != '\0') return NULL;
  *matched = true;
  if (*i + 1 >= argc) {
    *missing = true;
    return NULL;
  }
  return argv[++*i];
}

int cli_parse_args(int argc, char **argv, cli_args *a) {
  memset(a, 0, sizeof *a);
  a->mode = CLI_MODE_COMPRESS;
  a->emit = CAIS_FORMAT_SAME;
  a->verbosity = 1;
  cais_options_init(&a->options);
  cais_engine_config_init(&a->engine);
  bool sparsity_given = false;
  const char *positional[3];
  int npos = 0;

  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    bool m = false, missing = false; /* set by VALUE(); "-o" bypasses it */
    const char *v;
#define VALUE(name)                                                          \
  (v = take_value(name, argc, argv, &i, &m, &missing), m)
#define NEED(name) \
  if (missing) return usage_error(name, "needs a value")

    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      a->mode = CLI_MODE_HELP;
      return 0;
    } else if (strcmp(arg, "--version") == 0) {
      a->mode = CLI_MODE_VERSION;
      return 0;
    } else if (strcmp(arg, "--list-devices") == 0) {
      a->mode = CLI_MODE_LIST_DEVICES;
    } else if (strcmp(arg, "--in-place") == 0) {
      a->in_place = true;
    } else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
      a->verbosity = 0;
    } else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
      a->verbosity = 2;
    } else if (strcmp(arg, "--inspect") == 0) {
      a->mode = CLI_MODE_INSPECT;
    } else if (strcmp(arg, "--verify") == 0) {
      a->mode = CLI_MODE_VERIFY;
    } else if (strcmp(arg, "--decode") == 0) {
      a->mode = CLI_MODE_DECODE;
    } else if (strcmp(arg, "-o") == 0 || VALUE("--output")) {
      if (strcmp(arg, "-o") == 0) {
        if (i + 1 >= argc) return usage_error("-o", "needs a file name");
        v = argv[++i];
      }
      NEED("--output");
      if (!*v) return usage_error("-o", "needs a file name");
      a->output = v;
    } else if (VALUE("--target-sparsity")) {
      NEED("--target-sparsity");
      double s;
      if (!parse_double(v, &s))
        return usage_error("--target-sparsity", "expected a number in [0, 1], got '%s'", v);
      a->options.target_sparsity = s;
      sparsity_given = true;
    } else if (VALUE("--block-size")) {
      NEED("--block-size");
      long long b;
      if (!parse_int64(v, &b))
        return usage_error("--block-size", "expected an integer, got '%s'", v);
      if (b <= 1)
        return usage_error("--block-size", "`block_size` must be greater than 1 (got %lld)", b);
      a->options.block_size = b;
    } else if (VALUE("--n-m")) {
      NEED("--n-m");
      int rc = parse_n_m(v, a);
      if (rc) return rc;
    } else if (VALUE("--quantize-dtype")) {
      NEED("--quantize-dtype");
      cais_error err;
      if (cais_quantize_dtype_parse(v, &a->options.quantize_dtype, &err) != CAIS_OK)
        return usage_error("--quantize-dtype", "%s", err.message);
    } else if (VALUE("--palettize-nbits")) {
      NEED("--palettize-nbits");
      long long k;
      if (!parse_int64(v, &k) || !(k == 1 || k == 2 || k == 3 || k == 4 || k == 6 || k == 8))
        return usage_error("--palettize-nbits",
                           "Invalid palettize_nbits '%s': expected one of 1, 2, 3, 4, 6, 8", v);
      a->options.palettize_nbits = (int)k;
    } else if (VALUE("--weight-num-threshold")) {
      NEED("--weight-num-threshold");
      long long t;
      if (!parse_int64(v, &t) || t < 0)
        return usage_error("--weight-num-threshold",
                           "expected an integer >= 0, got '%s'", v);
      a->options.weight_num_threshold = t;
    } else if (VALUE("--device")) {
      NEED("--device");
      int rc = parse_device(v, &a->engine);
      if (rc) return rc;
    } else if (VALUE("--threads")) {
      NEED("--threads");
      long long t;
      if (!parse_int64(v, &t) || t < 1 || t > 1024)
        return usage_error("--threads", "expected an integer in [1, 1024], got '%s'", v);
      a->engine.num_threads = (int)t;
    } else if (VALUE("--emit")) {
      NEED("--emit");
      if (strcmp(v, "text") == 0) a->emit = CAIS_FORMAT_TEXT;
      else if (strcmp(v, "bytecode") == 0) a->emit = CAIS_FORMAT_BYTECODE;
      else if (strcmp(v, "aimodel") == 0) a->emit_aimodel = true;
      else return usage_error("--emit", "expected text, bytecode or aimodel, got '%s'", v);
    } else if (VALUE("--report")) {
      NEED("--report");
      if (!*v) return usage_error("--report", "needs a file name");
      a->report_path = v;
    } else if (arg[0] == '-' && arg[1] != '\0') {
      return usage_error(arg, "unknown option");
    } else {
      if (npos == 3) return usage_error(arg, "too many file arguments");
      positional[npos++] = arg;
    }
#undef VALUE
#undef NEED
  }

  /* --n-m alone selects n:m: the 0.5 default applies only when neither is
   * given; both given is the library's "cannot both be set". */
  a->options.target_sparsity_set = sparsity_given || a->options.n_m_ratio == NULL;

  switch (a->mode) {
    case CLI_MODE_LIST_DEVICES:
      if (npos) return usage_error(positional[0], "--list-devices takes no file");
      return 0;
    case CLI_MODE_INSPECT:
      if (npos != 1) return usage_error("--inspect", "expected exactly one FILE");
      a->input = positional[0];
      return 0;
    case CLI_MODE_VERIFY:
      if (npos != 2) return usage_error("--verify", "expected ORIGINAL and COMPRESSED files");
      a->input = positional[0];
      a->compressed = positional[1];
      return 0;
    case CLI_MODE_DECODE:
      if (npos != 1) return usage_error("--decode", "expected exactly one COMPRESSED file");
      if (!a->output) return usage_error("-o", "--decode needs an output file");
      if (a->in_place) return usage_error("--in-place", "cannot be combined with --decode");
      a->input = positional[0];
      return 0;
    default:
      break;
  }
  if (npos == 0) return usage_error("INPUT", "no input file given");
  if (npos > 1) return usage_error(positional[1], "only one INPUT file is accepted (use -o for the output)");
  a->input = positional[0];
  if (a->in_place && a->output)
    return usage_error("--in-place", "cannot be combined with -o");
  if (!a->in_place && !a->output)
    return usage_error("-o", "an output file is required (or --in-place)");
  /* The report would replace the program it describes. */
  const char *program_out = a->in_place ? a->input : a->output;
  if (a->report_path && same_file(a->report_path, program_out))
    return usage_error("--report", "'%s' is also the output program", a->report_path);
  a->options.in_place = true; /* the CLI never needs the input module again */
  return 0;
}
