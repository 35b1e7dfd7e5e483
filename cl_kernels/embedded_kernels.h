/*
 * embedded_kernels.h -- the OpenCL sources of cl_kernels/, compiled into the
 * library by cmake/EmbedKernels.cmake.  Host code only; guarded so the file
 * can sit next to the kernels without being mistaken for one of their
 * headers.
 */
#ifndef CAIS_EMBEDDED_KERNELS_H
#define CAIS_EMBEDDED_KERNELS_H
#ifndef __OPENCL_VERSION__
#include <stddef.h>

typedef struct cais_embedded_file {
  const char *name;     /**< file name, e.g. "select.cl"; NULL ends the table */
  const char *contents; /**< NUL-terminated source text */
  size_t size;          /**< bytes, without the terminating NUL */
} cais_embedded_file;

/** Every *.cl and *.h of cl_kernels/, sorted by name, ending with a NULL name. */
extern const cais_embedded_file cais_embedded_kernels[];

#endif
#endif
