/* mlir_print.c -- see mlir_print.h. */
#include "read_ir/mlir_print.h"

void cais_print_sink_append(MlirStringRef s, void *user) {
  cais_print_sink *p = user;
  if (p->size == 0) return;
  for (size_t i = 0; i < s.length && p->len + 1 < p->size; i++)
    p->buf[p->len++] = s.data[i];
  p->buf[p->len] = '\0';
}

#define PRINT_INTO(fn, obj, buf, size)          \
  do {                                          \
    if ((size) == 0) return;                    \
    (buf)[0] = '\0';                            \
    cais_print_sink sink = {(buf), (size), 0};  \
    fn((obj), cais_print_sink_append, &sink);   \
  } while (0)

void cais_print_type(MlirType type, char *buf, size_t size) {
  PRINT_INTO(mlirTypePrint, type, buf, size);
}

void cais_print_location(MlirLocation loc, char *buf, size_t size) {
  PRINT_INTO(mlirLocationPrint, loc, buf, size);
}

void cais_print_attribute(MlirAttribute attr, char *buf, size_t size) {
  PRINT_INTO(mlirAttributePrint, attr, buf, size);
}
