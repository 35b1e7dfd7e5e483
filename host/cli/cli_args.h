/*
 * cli_args.h -- the command line of cai-sparsify, parsed into one struct.
 *
 *   cai-sparsify [options] INPUT -o OUTPUT
 *   cai-sparsify [options] --in-place INPUT
 *   cai-sparsify --inspect FILE
 *   cai-sparsify [options] --verify ORIGINAL COMPRESSED
 *   cai-sparsify --decode COMPRESSED -o DENSE
 *   cai-sparsify --list-devices
 *
 * Parsing checks each option on its own (a number where a number is due,
 * N:M for --n-m, ...) and names the option in its message; combinations are
 * checked by the library (cais_options_validate) with the upstream wording.
 */
#ifndef CAIS_CLI_ARGS_H
#define CAIS_CLI_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "caisparse.h"

typedef enum cli_mode {
  CLI_MODE_COMPRESS,
  CLI_MODE_INSPECT,
  CLI_MODE_VERIFY,
  CLI_MODE_DECODE,
  CLI_MODE_LIST_DEVICES,
  CLI_MODE_HELP,
  CLI_MODE_VERSION,
} cli_mode;

typedef struct cli_args {
  cli_mode mode;
  const char *input;       /**< compress / inspect / decode; verify: ORIGINAL */
  const char *output;      /**< -o; NULL with --in-place */
  const char *compressed;  /**< verify: COMPRESSED */
  const char *report_path; /**< --report */
  bool in_place;
  cais_format emit;        /**< --emit; CAIS_FORMAT_SAME by default */
  bool emit_aimodel;       /**< --emit aimodel (the Python front door) */
  cais_options options;
  double n_m_values[8];    /**< storage behind options.n_m_ratio */
  cais_engine_config engine;
  int verbosity;           /**< 0 quiet, 1 normal, 2 verbose */
} cli_args;

/** Exit statuses (spec section 6). */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

/** Parses argv.  Returns 0, or CLI_EXIT_USAGE after printing
 *  "cai-sparsify: error: <option>: <what>" to stderr. */
int cli_parse_args(int argc, char **argv, cli_args *args);

/** Prints the usage text to `out`. */
void cli_print_usage(FILE *out);

#endif /* CAIS_CLI_ARGS_H */
