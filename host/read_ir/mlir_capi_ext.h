/*
 * mlir_capi_ext.h -- the few MLIR operations the MLIR 19 C API lacks, in the
 * C API's own style: handles in, plain structs out, `caisMlir` prefix.
 * Implemented in C++ in mlir_capi_ext.cpp, the only C++ file of the library.
 */
#ifndef CAIS_MLIR_CAPI_EXT_H
#define CAIS_MLIR_CAPI_EXT_H

#include <stdbool.h>
#include <stddef.h>

#include <mlir-c/IR.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The bytes behind a `dense_resource<NAME>` attribute.  `present` is false
 *  when the resource has no blob (the file's dialect_resources section lacks
 *  NAME); then data is NULL and size 0. */
typedef struct caisMlirBlob {
  const void *data;
  size_t size;
  size_t alignment;
  bool present;
} caisMlirBlob;

/** Returns the blob of a DenseResourceElementsAttr (any element type). */
caisMlirBlob caisMlirDenseResourceElementsAttrGetBlob(MlirAttribute attr);

/** Returns the resource key NAME of a DenseResourceElementsAttr.  The string
 *  is owned by the context. */
MlirStringRef caisMlirDenseResourceElementsAttrGetKey(MlirAttribute attr);

/** Drops the blob of the resource `attr` refers to, freeing its memory (its
 *  deleter runs).  Only valid when no live operation still uses the
 *  resource: every attribute naming it then reads as having no blob. */
void caisMlirDenseResourceElementsAttrReleaseBlob(MlirAttribute attr);

/** The memory a parsed file occupies while resources may point into it. */
typedef struct caisMlirFileMapping {
  const char *start;
  size_t size;
} caisMlirFileMapping;

/** Parses the file at `path` (MLIR text or bytecode, detected from the
 *  content) into a module.  For bytecode the file is memory-mapped and
 *  resource blobs are used in place where their alignment allows (no copy of
 *  the weights); the mapping lives as long as a blob refers to it.  Returns a
 *  null module on failure; the reason goes to the context's diagnostic
 *  handlers, or, for I/O errors, as text into `ioErrorBuf`.  For bytecode
 *  `*mapping` receives the mapped file's range (valid while a blob of the
 *  module refers to it); for text it is {NULL, 0}. */
MlirModule caisMlirParseSourceFile(MlirContext context, MlirStringRef path,
                                   bool *isBytecode,
                                   caisMlirFileMapping *mapping,
                                   char *ioErrorBuf, size_t ioErrorBufSize);

/** Parses `size` bytes of MLIR text or bytecode (copied; the caller keeps
 *  `data`) into a module; `sourceName` becomes the file name of locations.
 *  Returns a null module on failure, reported to the diagnostic handlers. */
MlirModule caisMlirParseSourceMemory(MlirContext context, const void *data,
                                     size_t size, MlirStringRef sourceName,
                                     bool borrowBytecode);

/** Copies the properties (`<{...}>`) of `from` onto `to`. */
void caisMlirOperationCopyProperties(MlirOperation to, MlirOperation from);

/** Deep-copies `op` like mlirOperationClone, keeping the properties of every
 *  op in it: MLIR 19's clone drops those of unregistered ops (every coreai op
 *  keeps its attributes there).  The copy is owned by the caller. */
MlirOperation caisMlirOperationCloneWithProperties(MlirOperation op);

/** Finds a dense constant (`dense<...>`, in any attribute or property of
 *  any op under `root`) whose stored bytes do not match its type, as MLIR's
 *  bytecode reader can build from a corrupt file.  Returns false when there
 *  is none; otherwise the op and the attribute. */
bool caisMlirFindMalformedDenseElements(MlirOperation root, MlirOperation *badOp,
                                        MlirAttribute *badAttr);

/** Routes LLVM's and MLIR's fatal errors (report_fatal_error, failed
 *  allocations inside MLIR) to `handler`, which must not return (it may
 *  clean up, print and _exit).  Process-wide: for a program's main only. */
void caisMlirInstallFatalErrorHandler(void (*handler)(void *user, const char *reason),
                                      void *user);

/** Writes `op` as MLIR bytecode with every op's properties (`<{...}>`)
 *  stored as attributes (`{...}`), the form Core AI's MLIR 22 reads back
 *  (it misreads MLIR 19's properties encoding).  `op` itself is unchanged. */
void caisMlirOperationWriteBytecodeAsAttributes(MlirOperation op,
                                                MlirStringCallback callback,
                                                void *user);

/** True when `bytes` starts with MLIR's bytecode magic "ML\xefR". */
bool caisMlirIsBytecode(const void *bytes, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_MLIR_CAPI_EXT_H */
