/*
 * opencl_backend_api.h -- how the engine creates the OpenCL backend and
 * lists devices.  Implemented in compute/opencl/ when the library is built
 * with OpenCL (CAIS_WITH_OPENCL), and by compute/no_opencl.c otherwise.
 */
#ifndef CAIS_COMPUTE_OPENCL_BACKEND_API_H
#define CAIS_COMPUTE_OPENCL_BACKEND_API_H

#include <stdbool.h>

#include "caisparse.h"
#include "common/threadpool.h"
#include "compute/compute_backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Creates the OpenCL backend for the device `config` selects
 *  (config->device is CAIS_DEVICE_AUTO: a GPU only; CAIS_DEVICE_OPENCL: any
 *  device, or the one config->opencl_platform/opencl_device name).  `pool`
 *  is the engine's (for host-side work of the backend).  Fails with
 *  CAIS_ERROR_DEVICE and a reason when no such device is usable; *quiet is
 *  then true when nothing is wrong (auto found OpenCL but no GPU: the CPU
 *  path is the right choice) and false when a warning is due (no OpenCL
 *  platform, a kernel that does not build, ...). */
cais_status cais_opencl_backend_create(const cais_engine_config *config,
                                       const char *kernel_cache_dir,
                                       cais_threadpool *pool,
                                       cais_backend **out, bool *quiet,
                                       cais_error *err);

/** See cais_list_devices in caisparse.h. */
int cais_opencl_list_devices(char *buffer, size_t buffer_size);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_COMPUTE_OPENCL_BACKEND_API_H */
