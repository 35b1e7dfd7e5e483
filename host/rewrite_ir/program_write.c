/* program_write.c -- cais_program_write_file, cais_program_write_memory and
 * cais_program_write_fd: MLIR text (generic form, with locations) or
 * bytecode, streamed into an atomic file (atomic_file.h), a growing buffer or
 * a caller's file descriptor. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/string_sink.h"
#include "read_ir/mlir_capi_ext.h"
#include "read_ir/program.h"

static void write_chunk(MlirStringRef s, void *user) {
  cais_atomic_file_write(user, s.data, s.length);
}

/* Streams the program to `chunk`: bytecode with values as attributes (the
 * form both MLIR 19 and Core AI's MLIR 22 read), or generic text. */
static void emit_program(const cais_program *program, cais_format format,
                         MlirStringCallback chunk, void *user) {
  MlirOperation top = mlirModuleGetOperation(program->module);
  if (format == CAIS_FORMAT_BYTECODE) {
    caisMlirOperationWriteBytecodeAsAttributes(top, chunk, user);
    return;
  }
  /* Generic form keeps unregistered ops exact; debug info keeps every
   * location (names identify weights).  The module was verified when
   * parsed and our rewrites keep it valid, so skip re-verifying. */
  MlirOpPrintingFlags flags = mlirOpPrintingFlagsCreate();
  mlirOpPrintingFlagsEnableDebugInfo(flags, true, false);
  mlirOpPrintingFlagsPrintGenericOpForm(flags);
  mlirOpPrintingFlagsAssumeVerified(flags);
  mlirOperationPrintWithFlags(top, flags, chunk, user);
  mlirOpPrintingFlagsDestroy(flags);
  chunk(mlirStringRefCreate("\n", 1), user);
}

/* Resolves CAIS_FORMAT_SAME to the program's own format and rejects any
 * other than text and bytecode, naming the public call `fn`. */
static cais_status resolve_format(const cais_program *program, cais_format *format,
                                  const char *fn, cais_error *err) {
  if (*format == CAIS_FORMAT_SAME) *format = program->source_format;
  if (*format != CAIS_FORMAT_TEXT && *format != CAIS_FORMAT_BYTECODE)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS, "%s: unknown format %d", fn,
                     (int)*format);
  return CAIS_OK;
}

cais_status cais_program_write_file(const cais_program *program,
                                    const char *path, cais_format format,
                                    cais_error *err) {
  if (!program || !path)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_program_write_file: program and path are required");
  cais_status st = resolve_format(program, &format, "cais_program_write_file", err);
  if (st != CAIS_OK) return st;

  cais_atomic_file out;
  st = cais_atomic_file_open(&out, path, err);
  if (st != CAIS_OK) return st;
  emit_program(program, format, write_chunk, &out);
  return cais_atomic_file_commit(&out, err);
}

cais_status cais_program_write_memory(const cais_program *program,
                                      cais_format format, void **data,
                                      size_t *size, cais_error *err) {
  if (!program || !data || !size)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_program_write_memory: program, data and size are required");
  *data = NULL;
  *size = 0;
  cais_status st = resolve_format(program, &format, "cais_program_write_memory", err);
  if (st != CAIS_OK) return st;
  cais_string_sink sink = {0};
  emit_program(program, format, cais_string_sink_append, &sink);
  if (sink.failed) {
    free(sink.data);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY,
                     "cais_program_write_memory: out of memory after %zu bytes",
                     sink.size);
  }
  *data = sink.data;
  *size = sink.size;
  return CAIS_OK;
}

/* A descriptor sink: the first failed write() is remembered and later
 * chunks are dropped (MLIR's callbacks cannot stop the writer). */
typedef struct {
  int fd;
  int error; /* errno of the first failure, 0 while all went well */
  size_t written;
} fd_sink;

static void write_fd_chunk(MlirStringRef s, void *user) {
  fd_sink *sink = user;
  const char *p = s.data;
  size_t left = s.length;
  while (left > 0 && sink->error == 0) {
    ssize_t n = write(sink->fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      sink->error = errno;
      return;
    }
    p += n;
    left -= (size_t)n;
    sink->written += (size_t)n;
  }
}

cais_status cais_program_write_fd(const cais_program *program, int fd,
                                  cais_format format, cais_error *err) {
  if (!program || fd < 0)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_program_write_fd: a program and an open descriptor are required");
  cais_status st = resolve_format(program, &format, "cais_program_write_fd", err);
  if (st != CAIS_OK) return st;
  fd_sink sink = {fd, 0, 0};
  emit_program(program, format, write_fd_chunk, &sink);
  if (sink.error)
    return cais_fail(err, CAIS_ERROR_IO,
                     "cais_program_write_fd: writing to descriptor %d failed after %zu bytes: %s",
                     fd, sink.written, strerror(sink.error));
  return CAIS_OK;
}

void cais_free(void *data) { free(data); }
