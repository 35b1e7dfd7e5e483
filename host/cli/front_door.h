/*
 * front_door.h -- hands Core AI's own formats to the Python front door.
 *
 * MLIR 19 cannot read what Core AI writes: `.aimodel` packages (MLIR 22
 * bytecode of the versioned `aicode` dialect), MLIR 22 bytecode of the raw
 * `coreai` dialect with properties, text with coreai-torch's `#debuginfo`
 * locations, or custom syntax (`str(AIProgram)`).  Only Core AI's Python
 * package reads those, so for such inputs (or `--emit aimodel`) the CLI
 * becomes `python -m caisparse` with the same arguments (python/caisparse):
 * it converts the program to MLIR 19 bytecode, runs this CLI on it (with
 * CAIS_NO_FRONT_DOOR=1, so it is not handed over again) and converts back.
 *
 * Python is found as $CAIS_PYTHON, else $CAIS_VENV/bin/python, else
 * ~/.cache/cai-sparsify/venv/bin/python (where tools/install-python.sh puts
 * it), else python3 on PATH.  When it lacks caisparse or coreai the CLI
 * says what to install and exits 1, having written nothing.
 */
#ifndef CAIS_CLI_FRONT_DOOR_H
#define CAIS_CLI_FRONT_DOOR_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli_args.h"

/** The Core AI form of `path` that MLIR 19 cannot read, described in
 *  `what` (e.g. "reading a Core AI package (.aimodel)"), or false for a file MLIR 19
 *  reads (or cannot open: the normal path reports that).  A directory that
 *  is not a package sets `*not_a_package`. */
bool cli_core_ai_form(const char *path, char *what, size_t what_size,
                      bool *not_a_package);

/** When the arguments need the front door, hands the process over to it
 *  and does not return on success; returns an exit status when the front
 *  door cannot run (the message is printed), or -1 when it is not needed. */
int cli_front_door_maybe_exec(const cli_args *args, int argc, char **argv);

#endif /* CAIS_CLI_FRONT_DOOR_H */
