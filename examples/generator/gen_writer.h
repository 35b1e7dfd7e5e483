/*
 * gen_writer.h -- from a filled plan to a program file, through MLIR.
 */
#ifndef CAIS_GEN_WRITER_H
#define CAIS_GEN_WRITER_H

#include "gen_options.h"
#include "gen_plan.h"

/** Parses the plan's skeleton (unregistered coreai dialect allowed; ops
 *  without a location get `source_name`:line:col), replaces each weight's
 *  placeholder with an unmanaged dense_resource over its buffer (no copy,
 *  alignment 4), and writes generic-form text with locations or bytecode
 *  to o->output (a regular file: through a temporary file renamed into
 *  place; an existing non-regular file such as /dev/null: directly) or
 *  standard output.
 *  Returns GEN_EXIT_OK, GEN_EXIT_USAGE or GEN_EXIT_FAILURE (message
 *  printed). */
int gen_write_program(const gen_plan *p, const gen_options *o, const char *source_name);

#endif /* CAIS_GEN_WRITER_H */
