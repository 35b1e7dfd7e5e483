/* main.c -- cai-sparsify, the command-line tool (usage in cli_args.c).
 *
 * Compression reads the input, sparsifies it in place in memory (the input
 * module is not needed afterwards), and writes the output atomically; the
 * output file, or with --in-place the input file, is only replaced once the
 * new content is complete on disk.  SIGINT/SIGTERM remove any temporary
 * file before the process dies. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli_args.h"
#include "cli/progress.h"
#include "cli/summary.h"
#include "common/atomic_file.h"
#include "inspect/inspect.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void on_fatal_signal(int sig) {
  cais_atomic_file_cleanup_all();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void install_signal_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
}

/* Library status -> exit status (spec section 6). */
static int exit_code(cais_status st) {
  return st == CAIS_ERROR_INVALID_OPTIONS ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
}

/* The CLI option behind each upstream parameter name, so a combination
 * error names the options the user typed. */
static void print_options_error(const char *message) {
  static const char *const names[][2] = {
      {"`target_sparsity`", "--target-sparsity"}, {"`n_m_ratio`", "--n-m"},
      {"`block_size`", "--block-size"},           {"`quantize_dtype`", "--quantize-dtype"},
      {"quantize_dtype", "--quantize-dtype"},     {"`palettize_nbits`", "--palettize-nbits"},
      {"palettize_nbits", "--palettize-nbits"},
      {"`weight_num_threshold`", "--weight-num-threshold"},
  };
  char options[160] = "";
  size_t n = 0;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    if (!strstr(message, names[i][0]) || strstr(options, names[i][1])) continue;
    int k = snprintf(options + n, sizeof options - n, "%s%s", n ? ", " : "", names[i][1]);
    if (k > 0) n += (size_t)k;
  }
  fprintf(stderr, "cai-sparsify: error: %s%s%s\n", options, n ? ": " : "", message);
}

static int fail(const cais_error *err) {
  if (err->status == CAIS_ERROR_INVALID_OPTIONS)
    print_options_error(err->message);
  else
    fprintf(stderr, "cai-sparsify: error: %s\n", err->message);
  return exit_code(err->status);
}

static int run_compress(cli_args *a) {
  cais_error err;
  /* Options are checked before any file is read. */
  if (cais_options_validate(&a->options, &err) != CAIS_OK) return fail(&err);

  cli_progress progress;
  cli_progress_init(&progress, a->verbosity);
  a->engine.on_progress = cli_progress_update;
  a->engine.progress_user = &progress;
  cais_engine *engine = NULL;
  if (cais_engine_create(&a->engine, &engine, &err) != CAIS_OK) return fail(&err);

  double t0 = now_seconds();
  cais_program *program = NULL;
  if (cais_program_read_file(a->input, &program, &err) != CAIS_OK) {
    cais_engine_destroy(engine);
    return fail(&err);
  }
  double t_read = now_seconds() - t0;

  cais_program *result = NULL;
  cais_report *report = NULL;
  cais_status st = cais_engine_sparsify(engine, program, &a->options, &result, &report, &err);
  cli_progress_clear(&progress);
  if (st != CAIS_OK) {
    cais_program_destroy(program);
    cais_engine_destroy(engine);
    return fail(&err);
  }

  const char *output = a->in_place ? a->input : a->output;
  double t1 = now_seconds();
  st = cais_program_write_file(result, output, a->emit, &err);
  double t_write = now_seconds() - t1;
  if (st == CAIS_OK && a->report_path) {
    cais_report_set_io_seconds(report, t_read, t_write);
    st = cais_report_write_json(report, a->report_path, &err);
  }
  if (st == CAIS_OK && a->verbosity > 0)
    cli_print_summary(stdout, report, output, t_read, t_write, a->verbosity);
  cais_report_destroy(report);
  cais_program_destroy(program); /* in place: result is program */
  cais_engine_destroy(engine);
  return st == CAIS_OK ? CLI_EXIT_OK : fail(&err);
}

static int run_inspect(const cli_args *a) {
  cais_error err;
  cais_program *program = NULL;
  if (cais_program_read_file(a->input, &program, &err) != CAIS_OK) return fail(&err);
  cais_status st = cais_inspect_program(program, stdout, &err);
  cais_program_destroy(program);
  return st == CAIS_OK ? CLI_EXIT_OK : fail(&err);
}

static int run_verify(const cli_args *a) {
  cais_error err;
  if (cais_options_validate(&a->options, &err) != CAIS_OK) return fail(&err);
  cais_program *original = NULL, *compressed = NULL;
  if (cais_program_read_file(a->input, &original, &err) != CAIS_OK) return fail(&err);
  if (cais_program_read_file(a->compressed, &compressed, &err) != CAIS_OK) {
    cais_program_destroy(original);
    return fail(&err);
  }
  cais_verify_summary summary;
  cais_status st =
      cais_verify_programs(original, compressed, &a->options, stdout, &summary, &err);
  cais_program_destroy(original);
  cais_program_destroy(compressed);
  if (st != CAIS_OK) return fail(&err);
  if (summary.violations) {
    fprintf(stderr, "cai-sparsify: verify: %zu violation(s)\n", summary.violations);
    return CLI_EXIT_FAILURE;
  }
  return CLI_EXIT_OK;
}

static int run_list_devices(void) {
  char text[8192];
  int n = cais_list_devices(text, sizeof text);
  if (n == 0) {
    printf("no OpenCL devices (the CPU path is used)\n");
    return CLI_EXIT_OK;
  }
  fputs(text, stdout);
  return CLI_EXIT_OK;
}

int main(int argc, char **argv) {
  cli_args args;
  int rc = cli_parse_args(argc, argv, &args);
  if (rc) return rc;
  install_signal_handlers();
  switch (args.mode) {
    case CLI_MODE_HELP: cli_print_usage(stdout); return CLI_EXIT_OK;
    case CLI_MODE_VERSION: printf("cai-sparsify %s\n", cais_version_string()); return CLI_EXIT_OK;
    case CLI_MODE_LIST_DEVICES: return run_list_devices();
    case CLI_MODE_INSPECT: return run_inspect(&args);
    case CLI_MODE_VERIFY: return run_verify(&args);
    case CLI_MODE_COMPRESS: break;
  }
  return run_compress(&args);
}
