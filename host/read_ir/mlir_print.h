/*
 * mlir_print.h -- MLIR objects printed into fixed-size buffers, for messages
 * and names (long output is cut, always NUL-terminated).
 */
#ifndef CAIS_READ_IR_MLIR_PRINT_H
#define CAIS_READ_IR_MLIR_PRINT_H

#include <stddef.h>

#include <mlir-c/IR.h>

#ifdef __cplusplus
extern "C" {
#endif

void cais_print_type(MlirType type, char *buf, size_t size);
void cais_print_location(MlirLocation loc, char *buf, size_t size);
void cais_print_attribute(MlirAttribute attr, char *buf, size_t size);

/** A string callback for the MLIR print functions that appends into a
 *  cais_print_sink. */
typedef struct cais_print_sink {
  char *buf;
  size_t size, len;
} cais_print_sink;
void cais_print_sink_append(MlirStringRef s, void *sink);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_READ_IR_MLIR_PRINT_H */
