/*
 * program.h -- the internal view of cais_program: an MLIR module plus the
 * context, file mapping and diagnostics it depends on.
 *
 * Programs made from one another (a non-in-place result is a clone of its
 * input) share one `cais_ir_context`, reference-counted, so either can be
 * destroyed first.
 */
#ifndef CAIS_READ_IR_PROGRAM_H
#define CAIS_READ_IR_PROGRAM_H

#include <stdbool.h>

#include "caisparse.h"
#include <mlir-c/Diagnostics.h>

#include "read_ir/mlir_capi_ext.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An MLIR context shared by the programs that live in it. */
typedef struct cais_ir_context {
  MlirContext context;
  bool owns_context;  /**< false for wrapped modules */
  int refs;
  /** First error diagnostic seen while `capture_diagnostics` is set, as
   *  "file:line:col: message". */
  bool capture_diagnostics;
  char first_diagnostic[768];
  MlirDiagnosticHandlerID handler;
  bool has_handler;
} cais_ir_context;

struct cais_program {
  cais_ir_context *ir;
  MlirModule module;
  bool owns_module;
  cais_format source_format;
  char *source_name;
  /** For bytecode read from a file: the mapped file.  Weight data inside it
   *  is file-backed; see cais_program_drop_pages. */
  caisMlirFileMapping mapping;
};

/** Creates a program sharing `from`'s context around `module` (owned). */
cais_status cais_program_new_in_context(const cais_program *from,
                                        MlirModule module, cais_program **out,
                                        cais_error *err);

/** Starts / stops recording the first error diagnostic of the context. */
void cais_ir_capture_begin(cais_ir_context *ir);
void cais_ir_capture_end(cais_ir_context *ir);

/** Tells the kernel it may drop the pages of [data, data+size) when they
 *  belong to the program's mapped file (read-only, re-readable), so a large
 *  bytecode program does not stay resident once its weights are processed.
 *  A no-op for memory that is not part of the mapping. */
void cais_program_drop_pages(const cais_program *program, const void *data,
                             size_t size);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_READ_IR_PROGRAM_H */
