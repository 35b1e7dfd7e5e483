/* program.c -- reading programs into MLIR and the lifetime of cais_program
 * (see caisparse.h and program.h). */
#include "read_ir/program.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/memory_limit.h"
#include "read_ir/locations.h"
#include "read_ir/nesting_check.h"
#include "read_ir/mlir_print.h"

/*--- diagnostics ----------------------------------------------------------*/

/* Keeps the first error as "file:line:col: message"; other diagnostics are
 * swallowed while capturing (we report one clear error, not MLIR's trail). */
static MlirLogicalResult on_diagnostic(MlirDiagnostic diag, void *user) {
  cais_ir_context *ir = user;
  if (!ir->capture_diagnostics) return mlirLogicalResultFailure();
  if (mlirDiagnosticGetSeverity(diag) != MlirDiagnosticError)
    return mlirLogicalResultSuccess();
  if (ir->first_diagnostic[0]) return mlirLogicalResultSuccess();
  char where[512];
  MlirLocation loc = mlirDiagnosticGetLocation(diag);
  if (!cais_location_get_file_line_col(loc, where, sizeof where))
    cais_print_location(loc, where, sizeof where);
  char message[512];
  cais_print_sink sink = {message, sizeof message, 0};
  message[0] = '\0';
  mlirDiagnosticPrint(diag, cais_print_sink_append, &sink);
  snprintf(ir->first_diagnostic, sizeof ir->first_diagnostic, "%s: %s", where,
           message);
  return mlirLogicalResultSuccess();
}

void cais_ir_capture_begin(cais_ir_context *ir) {
  ir->first_diagnostic[0] = '\0';
  ir->capture_diagnostics = true;
}

void cais_ir_capture_end(cais_ir_context *ir) { ir->capture_diagnostics = false; }

/*--- contexts --------------------------------------------------------------*/

static cais_ir_context *ir_context_new(void) {
  cais_ir_context *ir = calloc(1, sizeof *ir);
  if (!ir) return NULL;
  /* No threading inside MLIR: we parse and rewrite from one thread, and our
   * own pool does the heavy work. */
  ir->context = mlirContextCreateWithThreading(false);
  mlirContextSetAllowUnregisteredDialects(ir->context, true);
  ir->owns_context = true;
  ir->refs = 1;
  ir->handler = mlirContextAttachDiagnosticHandler(ir->context, on_diagnostic,
                                                   ir, NULL);
  ir->has_handler = true;
  return ir;
}

static void ir_context_release(cais_ir_context *ir) {
  if (!ir || --ir->refs > 0) return;
  if (ir->has_handler) mlirContextDetachDiagnosticHandler(ir->context, ir->handler);
  if (ir->owns_context) mlirContextDestroy(ir->context);
  free(ir);
}

/*--- reading ----------------------------------------------------------------*/

/* Text that is not MLIR: a NUL byte in the first 4 KiB means binary data. */
static bool looks_binary(const unsigned char *p, size_t n) {
  if (n > 4096) n = 4096;
  return memchr(p, '\0', n) != NULL;
}

/* A dense constant whose bytes do not match its type (corrupt bytecode)
 * would be read past its end later, when printed or compressed. */
static cais_status check_dense_constants(MlirModule module, const char *source_name,
                                         cais_error *err) {
  MlirOperation op;
  MlirAttribute attr;
  if (!caisMlirFindMalformedDenseElements(mlirModuleGetOperation(module), &op, &attr))
    return CAIS_OK;
  char where[512], type[256];
  MlirLocation loc = mlirOperationGetLocation(op);
  if (!cais_location_get_file_line_col(loc, where, sizeof where) &&
      !cais_location_get_name(loc, where, sizeof where))
    cais_print_location(loc, where, sizeof where);
  cais_print_type(mlirAttributeGetType(attr), type, sizeof type);
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                   "%s: corrupt program: a dense constant of type %s in %.*s "
                   "(at %s) holds a different number of bytes than its type needs",
                   source_name, type, (int)name.length, name.data, where);
}

static cais_status finish_read(cais_ir_context *ir, MlirModule module,
                               const char *source_name, cais_format format,
                               caisMlirFileMapping mapping, cais_program **out,
                               cais_error *err) {
  cais_status st = check_dense_constants(module, source_name, err);
  if (st != CAIS_OK) {
    mlirModuleDestroy(module);
    ir_context_release(ir);
    return st;
  }
  cais_program *p = calloc(1, sizeof *p);
  char *name = strdup(source_name);
  if (!p || !name) {
    free(p);
    free(name);
    mlirModuleDestroy(module);
    ir_context_release(ir);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "%s: out of memory",
                     source_name);
  }
  p->ir = ir;
  p->module = module;
  p->owns_module = true;
  p->source_format = format;
  p->source_name = name;
  p->mapping = mapping;
  *out = p;
  return CAIS_OK;
}

static cais_status parse_failure(cais_ir_context *ir, const char *name,
                                 bool bytecode, cais_error *err) {
  cais_status st;
  const char *diag = ir->first_diagnostic;
  size_t n = strlen(name);
  if (bytecode && diag[0]) {
    /* The bytecode reader has no line:column; it places every error at
     * "file:0:0", which would only confuse. */
    if (strncmp(diag, name, n) == 0 && strncmp(diag + n, ":0:0: ", 6) == 0)
      diag += n + 6;
    st = cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                   "%s: invalid or truncated MLIR bytecode: %s", name, diag);
  } else if (diag[0]) {
    st = cais_fail(err, CAIS_ERROR_INVALID_INPUT, "%s", diag);
  } else {
    st = cais_fail(err, CAIS_ERROR_INVALID_INPUT, "%s: %s", name,
                   bytecode ? "invalid or truncated MLIR bytecode"
                            : "invalid MLIR text");
  }
  ir_context_release(ir);
  return st;
}

/* Text nested deeper than MLIR's recursive parser can take (see
 * nesting_check.h). */
static cais_status check_nesting(const char *name, const char *text, size_t size,
                                 cais_error *err) {
  unsigned line, column;
  if (cais_text_nesting_ok(text, size, CAIS_MAX_NESTING, &line, &column)) return CAIS_OK;
  return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                   "%s:%u:%u: nested more than %d levels deep; refused (MLIR's "
                   "parser would run out of stack)",
                   name, line, column, CAIS_MAX_NESTING);
}

static cais_status check_file_nesting(const char *path, size_t size, cais_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CAIS_OK; /* the read reports it */
  void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return CAIS_OK;
  cais_status st = check_nesting(path, map, size, err);
  munmap(map, size);
  return st;
}

/* What reading takes beyond the file's bytes: the reader's and printer's
 * own structures, which are small for a model (a few hundred ops). */
#define READ_WORK_BYTES ((uint64_t)32 << 20)

/* Refuses a file that cannot be read within the memory limits (the
 * parser would die in an allocation failure half-way).  Text needs about
 * twice its size (the text, then the decoded constants); bytecode is
 * mapped, so only its address space counts. */
static cais_status check_read_memory(const char *path, uint64_t size,
                                     bool bytecode, cais_error *err) {
  uint64_t need = bytecode ? size + READ_WORK_BYTES : 2 * size + READ_WORK_BYTES;
  cais_memory_headroom room = cais_memory_headroom_now(bytecode);
  if (need <= room.bytes) return CAIS_OK;
  char need_text[32], room_text[32];
  cais_format_bytes(need, need_text, sizeof need_text);
  cais_format_bytes(room.bytes, room_text, sizeof room_text);
  return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY,
                   "%s: reading this %s program needs about %s of memory, but "
                   "only %s is available (%s)",
                   path, bytecode ? "bytecode" : "text", need_text, room_text,
                   room.limited_by);
}

cais_status cais_program_read_file(const char *path, cais_program **out,
                                   cais_error *err) {
  if (!path || !out)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_program_read_file: path and out are required");
  struct stat st;
  if (stat(path, &st) != 0)
    return cais_fail(err, CAIS_ERROR_IO, "%s: cannot open: %s", path,
                     strerror(errno));
  if (S_ISDIR(st.st_mode))
    return cais_fail(err, CAIS_ERROR_IO, "%s: is a directory", path);
  if (st.st_size == 0)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "%s: empty file (expected MLIR text or bytecode)", path);
  FILE *f = fopen(path, "rb");
  if (!f)
    return cais_fail(err, CAIS_ERROR_IO, "%s: cannot open: %s", path,
                     strerror(errno));
  unsigned char head[4096];
  size_t head_len = fread(head, 1, sizeof head, f);
  fclose(f);
  bool bytecode = caisMlirIsBytecode(head, head_len);
  if (!bytecode && looks_binary(head, head_len))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "%s: not an MLIR program (binary data without the MLIR "
                     "bytecode signature)",
                     path);

  cais_status mem = check_read_memory(path, (uint64_t)st.st_size, bytecode, err);
  if (mem != CAIS_OK) return mem;
  if (!bytecode) {
    cais_status deep = check_file_nesting(path, (size_t)st.st_size, err);
    if (deep != CAIS_OK) return deep;
  }

  cais_ir_context *ir = ir_context_new();
  if (!ir)
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
  char io_error[256];
  caisMlirFileMapping mapping = {NULL, 0};
  cais_ir_capture_begin(ir);
  MlirModule module = caisMlirParseSourceFile(
      ir->context, mlirStringRefCreateFromCString(path), &bytecode, &mapping,
      io_error, sizeof io_error);
  cais_ir_capture_end(ir);
  if (mlirModuleIsNull(module)) {
    if (io_error[0]) {
      ir_context_release(ir);
      return cais_fail(err, CAIS_ERROR_IO, "%s: cannot read: %s", path, io_error);
    }
    return parse_failure(ir, path, bytecode, err);
  }
  return finish_read(ir, module, path,
                     bytecode ? CAIS_FORMAT_BYTECODE : CAIS_FORMAT_TEXT, mapping,
                     out, err);
}

/* cais_program_read_memory and its borrowing form. */
static cais_status read_memory(const void *data, size_t size, const char *source_name,
                               bool borrow, cais_program **out, cais_error *err) {
  if (!out || (!data && size))
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_program_read_memory: data and out are required");
  const char *name = source_name ? source_name : "<memory>";
  if (size == 0)
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "%s: empty input (expected MLIR text or bytecode)", name);
  bool bytecode = caisMlirIsBytecode(data, size);
  if (!bytecode && looks_binary(data, size))
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "%s: not an MLIR program (binary data without the MLIR "
                     "bytecode signature)",
                     name);
  if (!bytecode) {
    cais_status deep = check_nesting(name, data, size, err);
    if (deep != CAIS_OK) return deep;
  }
  cais_ir_context *ir = ir_context_new();
  if (!ir)
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "%s: out of memory", name);
  cais_ir_capture_begin(ir);
  MlirModule module = caisMlirParseSourceMemory(
      ir->context, data, size, mlirStringRefCreateFromCString(name), borrow);
  cais_ir_capture_end(ir);
  if (mlirModuleIsNull(module)) return parse_failure(ir, name, bytecode, err);
  caisMlirFileMapping none = {NULL, 0};
  return finish_read(ir, module, name,
                     bytecode ? CAIS_FORMAT_BYTECODE : CAIS_FORMAT_TEXT, none,
                     out, err);
}

cais_status cais_program_read_memory(const void *data, size_t size,
                                     const char *source_name,
                                     cais_program **out, cais_error *err) {
  return read_memory(data, size, source_name, false, out, err);
}

cais_status cais_program_read_memory_borrowed(const void *data, size_t size,
                                              const char *source_name,
                                              cais_program **out, cais_error *err) {
  return read_memory(data, size, source_name, true, out, err);
}

cais_status cais_program_wrap_module(MlirModule module, cais_program **out,
                                     cais_error *err) {
  if (!out || mlirModuleIsNull(module))
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_program_wrap_module: a module and out are required");
  MlirContext ctx = mlirModuleGetContext(module);
  if (!mlirContextGetAllowUnregisteredDialects(ctx))
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_program_wrap_module: the module's context must allow "
                     "unregistered dialects (coreai ops are unregistered)");
  cais_ir_context *ir = calloc(1, sizeof *ir);
  cais_program *p = calloc(1, sizeof *p);
  char *name = strdup("<module>");
  if (!ir || !p || !name) {
    free(ir);
    free(p);
    free(name);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "out of memory");
  }
  ir->context = ctx;
  ir->owns_context = false;
  ir->refs = 1;
  p->ir = ir;
  p->module = module;
  p->owns_module = false;
  p->source_format = CAIS_FORMAT_TEXT;
  p->source_name = name;
  *out = p;
  return CAIS_OK;
}

cais_status cais_program_new_in_context(const cais_program *from,
                                        MlirModule module, cais_program **out,
                                        cais_error *err) {
  cais_program *p = calloc(1, sizeof *p);
  char *name = strdup(from->source_name);
  if (!p || !name) {
    free(p);
    free(name);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "out of memory");
  }
  from->ir->refs++;
  p->ir = from->ir;
  p->module = module;
  p->owns_module = true;
  p->source_format = from->source_format;
  p->source_name = name;
  p->mapping = from->mapping;
  *out = p;
  return CAIS_OK;
}

MlirModule cais_program_module(const cais_program *program) {
  return program ? program->module : (MlirModule){NULL};
}

cais_format cais_program_source_format(const cais_program *program) {
  return program ? program->source_format : CAIS_FORMAT_TEXT;
}

void cais_program_destroy(cais_program *program) {
  if (!program) return;
  if (program->owns_module) mlirModuleDestroy(program->module);
  ir_context_release(program->ir);
  free(program->source_name);
  free(program);
}

void cais_program_drop_pages(const cais_program *program, const void *data,
                             size_t size) {
  const char *start = program->mapping.start;
  const char *p = data;
  if (!start || p < start || p + size > start + program->mapping.size) return;
  long page = sysconf(_SC_PAGESIZE);
  uintptr_t lo = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
  uintptr_t hi = ((uintptr_t)p + size) & ~((uintptr_t)page - 1);
  if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}
