/*
 * string_sink.h -- a growing, NUL-terminated byte buffer fed by MLIR's
 * MlirStringCallback (printing, bytecode writing): one place for the
 * program writer's in-memory output and verify's printed attributes.
 */
#ifndef CAIS_COMMON_STRING_SINK_H
#define CAIS_COMMON_STRING_SINK_H

#include <stdbool.h>
#include <stddef.h>

#include <mlir-c/Support.h>

typedef struct cais_string_sink {
  char *data;    /**< malloc'd, NUL-terminated; the caller frees it */
  size_t size;   /**< bytes written (without the NUL) */
  size_t capacity;
  bool failed;   /**< an allocation failed: later chunks are dropped */
} cais_string_sink;

/** An MlirStringCallback appending to the cais_string_sink `user`; the
 *  capacity doubles as it fills. */
void cais_string_sink_append(MlirStringRef chunk, void *user);

#endif /* CAIS_COMMON_STRING_SINK_H */
