/* main.c -- cai-sparsify, the command-line tool (usage in cli_args.c).
 *
 * Compression reads the input, sparsifies it in place in memory (the input
 * module is not needed afterwards), and writes the output atomically; the
 * output file, or with --in-place the input file, is only replaced once the
 * new content is complete on disk.  SIGINT/SIGTERM (and crashes, and
 * MLIR's fatal errors) remove any temporary file before the process dies.
 * docs/RELIABILITY.md says what is tested. */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli_args.h"
#include "cli/front_door.h"
#include "cli/progress.h"
#include "cli/summary.h"
#include "common/atomic_file.h"
#include "inspect/decode_program.h"
#include "inspect/inspect.h"
#include "read_ir/mlir_capi_ext.h"
#include "read_ir/parse_probe.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Signals that end the process: temporary files go first.
 *
 * The asynchronous ones (SIGINT, SIGTERM, SIGHUP, a SIGABRT sent by kill)
 * are blocked in every thread and taken by one thread with sigwait(): no
 * handler that a library installs can swallow them (LLVM's, installed
 * when PoCL compiles a kernel, returns from a kill()-sent SIGABRT; PoCL's
 * own swallowed SIGINT), and the cleanup never races the creation of a
 * temporary file (atomic_file.h).  Crashes and abort() (SIGSEGV, SIGBUS,
 * SIGFPE, SIGABRT) arrive in the faulting thread: a handler cleans up,
 * then hands over to whatever handled them before us (a sanitizer's
 * report, or the default). */
static const int async_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGABRT};
static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGABRT};
#define NUM_ASYNC (sizeof async_signals / sizeof *async_signals)
#define NUM_FAULT (sizeof fault_signals / sizeof *fault_signals)
static struct sigaction previous_actions[NUM_FAULT];

static void on_fault_signal(int sig, siginfo_t *info, void *context) {
  (void)context;
  cais_atomic_file_cleanup_all();
  for (size_t i = 0; i < NUM_FAULT; i++)
    if (fault_signals[i] == sig) sigaction(sig, &previous_actions[i], NULL);
  /* A real fault re-executes the faulting instruction on return, reaching
   * the previous handler with its real context; abort() and signals sent
   * by kill() (si_code <= 0) are raised again. */
  if (!(info && info->si_code > 0 && sig != SIGABRT)) raise(sig);
}

/* Installs the fault handlers.  Called again once the engine exists, in
 * case an OpenCL runtime replaced them; the previous actions kept are
 * those from before the first call. */
static void install_fault_handlers(void) {
  static bool saved;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault_signal;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < NUM_FAULT; i++)
    sigaction(fault_signals[i], &sa, saved ? NULL : &previous_actions[i]);
  saved = true;
}

static sigset_t g_async_set;

static void *signal_thread(void *arg) {
  (void)arg;
  int sig = 0;
  while (sigwait(&g_async_set, &sig) != 0) {
  }
  cais_atomic_file_cleanup_all_final();
  /* End the process the way the signal would have. */
  signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, NULL);
  raise(sig);
  _exit(128 + sig); /* not reached */
}

/* Before any other thread exists (they inherit the blocked set). */
static void start_signal_thread(void) {
  sigemptyset(&g_async_set);
  for (size_t i = 0; i < NUM_ASYNC; i++) sigaddset(&g_async_set, async_signals[i]);
  pthread_sigmask(SIG_BLOCK, &g_async_set, NULL);
  pthread_t thread;
  if (pthread_create(&thread, NULL, signal_thread, NULL) == 0)
    pthread_detach(thread);
  else /* no thread: take the signals in handlers instead */
    pthread_sigmask(SIG_UNBLOCK, &g_async_set, NULL);
}

/* The file being read, for the fatal error message. */
static const char *g_current_file = "";

/* LLVM/MLIR gave up (report_fatal_error, a failed allocation inside MLIR):
 * the process cannot continue, but it can say why and leave no temporary
 * file behind. */
static void on_mlir_fatal(void *user, const char *reason) {
  (void)user;
  cais_atomic_file_cleanup_all();
  fprintf(stderr, "cai-sparsify: error: %s%sMLIR failed: %s\n", g_current_file,
          g_current_file[0] ? ": " : "", reason);
  fflush(stderr);
  _exit(CLI_EXIT_FAILURE);
}

/* Reads a program; bytecode is probed in a child process first, so that a
 * corrupt file MLIR's reader would crash on is refused with a message
 * (read_ir/parse_probe.h). */
static cais_status read_program(const char *path, cais_program **out,
                                cais_error *err) {
  g_current_file = path;
  cais_status st = cais_program_probe_file(path, err);
  if (st == CAIS_OK) st = cais_program_read_file(path, out, err);
  return st;
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

  /* The input is read before the engine starts (threads, OpenCL): a bad
   * file fails fast, and the bytecode probe forks a process that has no
   * other threads yet. */
  double t0 = now_seconds();
  cais_program *program = NULL;
  if (read_program(a->input, &program, &err) != CAIS_OK) return fail(&err);
  double t_read = now_seconds() - t0;

  cli_progress progress;
  cli_progress_init(&progress, a->verbosity);
  a->engine.on_progress = cli_progress_update;
  a->engine.progress_user = &progress;
  cais_engine *engine = NULL;
  cais_status created = cais_engine_create(&a->engine, &engine, &err);
  install_fault_handlers();
  if (created != CAIS_OK) {
    cais_program_destroy(program);
    return fail(&err);
  }

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
  /* The Python front door runs us on temporary MLIR 19 copies of Core AI
   * files; these name the user's files in the report and the summary. */
  const char *shown_input = getenv("CAIS_DISPLAY_INPUT");
  const char *shown_output = getenv("CAIS_DISPLAY_OUTPUT");
  if (shown_input && *shown_input) cais_report_set_source_name(report, shown_input);
  if (st == CAIS_OK && a->report_path) {
    cais_report_set_io_seconds(report, t_read, t_write);
    st = cais_report_write_json(report, a->report_path, &err);
  }
  if (st == CAIS_OK && a->verbosity > 0)
    cli_print_summary(stdout, report,
                      shown_output && *shown_output ? shown_output : output, t_read,
                      t_write, a->verbosity);
  cais_report_destroy(report);
  cais_program_destroy(program); /* in place: result is program */
  cais_engine_destroy(engine);
  return st == CAIS_OK ? CLI_EXIT_OK : fail(&err);
}

static int run_inspect(const cli_args *a) {
  cais_error err;
  cais_program *program = NULL;
  if (read_program(a->input, &program, &err) != CAIS_OK) return fail(&err);
  cais_status st = cais_inspect_program(program, stdout, &err);
  cais_program_destroy(program);
  return st == CAIS_OK ? CLI_EXIT_OK : fail(&err);
}

static int run_verify(const cli_args *a) {
  cais_error err;
  if (cais_options_validate(&a->options, &err) != CAIS_OK) return fail(&err);
  cais_program *original = NULL, *compressed = NULL;
  if (read_program(a->input, &original, &err) != CAIS_OK) return fail(&err);
  if (read_program(a->compressed, &compressed, &err) != CAIS_OK) {
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

/* --decode: every chain back to a dense constant (decode_program.h). */
static int run_decode(const cli_args *a) {
  cais_error err;
  cais_program *program = NULL;
  if (read_program(a->input, &program, &err) != CAIS_OK) return fail(&err);
  cais_decode_summary summary;
  cais_status st = cais_decode_program(program, &summary, &err);
  if (st == CAIS_OK) st = cais_program_write_file(program, a->output, a->emit, &err);
  if (st == CAIS_OK && a->verbosity > 0)
    printf("decoded %zu op chain(s), removed %zu unused constant(s): %s\n", summary.chains,
           summary.leftovers, a->output);
  cais_program_destroy(program);
  return st == CAIS_OK ? CLI_EXIT_OK : fail(&err);
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
  /* Core AI's own formats go to the Python front door (front_door.h). */
  rc = cli_front_door_maybe_exec(&args, argc, argv);
  if (rc >= 0) return rc;
  start_signal_thread();
  install_fault_handlers();
  caisMlirInstallFatalErrorHandler(on_mlir_fatal, NULL);
  switch (args.mode) {
    case CLI_MODE_HELP: cli_print_usage(stdout); return CLI_EXIT_OK;
    case CLI_MODE_VERSION: printf("cai-sparsify %s\n", cais_version_string()); return CLI_EXIT_OK;
    case CLI_MODE_LIST_DEVICES: return run_list_devices();
    case CLI_MODE_INSPECT: return run_inspect(&args);
    case CLI_MODE_VERIFY: return run_verify(&args);
    case CLI_MODE_DECODE: return run_decode(&args);
    case CLI_MODE_COMPRESS: break;
  }
  return run_compress(&args);
}
