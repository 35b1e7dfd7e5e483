/*
 * parse_probe.h -- reading a program once in a child process before this
 * process reads it.
 *
 * MLIR 19's bytecode reader trusts the counts and indices in the file: a
 * corrupted (or hostile) .mlirbc can make it crash (SIGSEGV, stack
 * overflow), abort ("SmallVector unable to grow") or allocate gigabytes
 * from a few bytes (docs/RELIABILITY.md lists the reproducers found by
 * fuzzing).  We cannot fix MLIR, and a well-formed bytecode file is cheap to
 * read twice (weights are mapped, not copied), so the CLI reads bytecode
 * first in a forked child:
 *   - the child reads it, and prints its ops once (weights elided: the
 *     printer recurses where the reader does not): CAIS_OK, the caller then
 *     reads it for real;
 *   - the child reports an error: that error, as the caller would get it;
 *   - the child dies, or MLIR gives up with a fatal error, or it needs far
 *     more memory (2 x the file + 256 MiB) or CPU time (10 s + 1 s per
 *     20 MiB) than the file justifies: CAIS_ERROR_INVALID_INPUT naming the
 *     file and what happened.  The reader never runs on it here.
 * Forking is only safe in a process that controls its threads, so this is
 * for programs (the CLI, the fuzz target), not called inside the library.
 */
#ifndef CAIS_READ_IR_PARSE_PROBE_H
#define CAIS_READ_IR_PARSE_PROBE_H

#include <stddef.h>

#include "caisparse.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Probes the file at `path` when it is bytecode (text: CAIS_OK at once;
 *  MLIR's text parser stands on its own). */
cais_status cais_program_probe_file(const char *path, cais_error *err);

/** The same for bytes in memory, named `source_name` in messages. */
cais_status cais_program_probe_memory(const void *data, size_t size,
                                      const char *source_name, cais_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_READ_IR_PARSE_PROBE_H */
