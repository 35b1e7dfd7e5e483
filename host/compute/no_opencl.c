/* no_opencl.c -- the OpenCL entry points of a library built without OpenCL
 * (-DCAIS_WITH_OPENCL=OFF): no devices, and asking for one says why. */
#ifndef CAIS_WITH_OPENCL
#include <stdio.h>

#include "common/error.h"
#include "compute/opencl_backend_api.h"

cais_status cais_opencl_backend_create(const cais_engine_config *config,
                                       const char *kernel_cache_dir,
                                       cais_threadpool *pool,
                                       cais_backend **out, bool *quiet,
                                       cais_error *err) {
  (void)config;
  (void)kernel_cache_dir;
  (void)pool;
  (void)out;
  *quiet = true;
  return cais_fail(err, CAIS_ERROR_DEVICE,
                   "this build of cai-sparsify has no OpenCL support");
}

int cais_opencl_list_devices(char *buffer, size_t buffer_size) {
  if (buffer_size) buffer[0] = '\0';
  return 0;
}
#else
typedef int cais_no_opencl_unused; /* ISO C forbids an empty unit */
#endif
