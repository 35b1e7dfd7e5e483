/* program_write.c -- cais_program_write_file: MLIR text (generic form, with
 * locations) or bytecode, streamed into an atomic file (atomic_file.h). */
#include <stdio.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "read_ir/program.h"

static void write_chunk(MlirStringRef s, void *user) {
  cais_atomic_file_write(user, s.data, s.length);
}

cais_status cais_program_write_file(const cais_program *program,
                                    const char *path, cais_format format,
                                    cais_error *err) {
  if (!program || !path)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_program_write_file: program and path are required");
  if (format == CAIS_FORMAT_SAME) format = program->source_format;
  if (format != CAIS_FORMAT_TEXT && format != CAIS_FORMAT_BYTECODE)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_program_write_file: unknown format %d", (int)format);

  cais_atomic_file out;
  cais_status st = cais_atomic_file_open(&out, path, err);
  if (st != CAIS_OK) return st;
  MlirOperation top = mlirModuleGetOperation(program->module);
  if (format == CAIS_FORMAT_BYTECODE) {
    mlirOperationWriteBytecode(top, write_chunk, &out);
  } else {
    /* Generic form keeps unregistered ops exact; debug info keeps every
     * location (names identify weights).  The module was verified when
     * parsed and our rewrites keep it valid, so skip re-verifying. */
    MlirOpPrintingFlags flags = mlirOpPrintingFlagsCreate();
    mlirOpPrintingFlagsEnableDebugInfo(flags, true, false);
    mlirOpPrintingFlagsPrintGenericOpForm(flags);
    mlirOpPrintingFlagsAssumeVerified(flags);
    mlirOperationPrintWithFlags(top, flags, write_chunk, &out);
    mlirOpPrintingFlagsDestroy(flags);
    cais_atomic_file_write(&out, "\n", 1);
  }
  return cais_atomic_file_commit(&out, err);
}
