/* opencl_backend.c -- PLACEHOLDER until the OpenCL backend lands: reports
 * that no device is usable, so every engine runs on the CPU. */
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
  return cais_fail(err, CAIS_ERROR_DEVICE, "the OpenCL backend is not available yet");
}

int cais_opencl_list_devices(char *buffer, size_t buffer_size) {
  if (buffer_size) buffer[0] = '\0';
  return 0;
}
