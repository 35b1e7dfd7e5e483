/*
 * summary.h -- the few lines the CLI prints when a compression is done.
 */
#ifndef CAIS_CLI_SUMMARY_H
#define CAIS_CLI_SUMMARY_H

#include <stdio.h>

#include "caisparse.h"

/** Prints weights compressed / skipped, size before -> after, ratio, worst
 *  relative error, timings; with verbose, one line per weight. */
void cli_print_summary(FILE *out, const cais_report *report, const char *output,
                       double seconds_read, double seconds_write, int verbosity);

#endif /* CAIS_CLI_SUMMARY_H */
