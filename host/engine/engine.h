/*
 * engine.h -- the internal state of cais_engine: worker threads, the CPU
 * backend, the optional device backend, and how messages leave the library.
 */
#ifndef CAIS_ENGINE_ENGINE_H
#define CAIS_ENGINE_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "caisparse.h"
#include "common/threadpool.h"
#include "compute/compute_backend.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cais_engine {
  cais_engine_config config;
  char *kernel_cache_dir;   /**< owned copy of config.kernel_cache_dir */
  cais_threadpool *pool;
  cais_backend *cpu;        /**< always present */
  cais_backend *device;     /**< OpenCL backend, or NULL */
  bool device_probed;       /**< the OpenCL backend was tried (auto: lazily) */
  bool device_disabled;     /**< a fatal device error happened earlier */
  atomic_int cancelled;
  char device_name[200];
};

/** For CAIS_DEVICE_AUTO: the first time a program's eligible weights reach
 *  config.auto_device_min_bytes, looks for a GPU (warning and CPU path if
 *  OpenCL is missing or broken).  Small programs never pay for loading an
 *  OpenCL runtime: the CPU path is the faster choice for them anyway. */
void cais_engine_prepare_device(cais_engine *engine, uint64_t eligible_bytes);

/** Sends a warning (or info) through the engine's message callback, or to
 *  stderr as "warning: <subject>: <text>". */
void cais_engine_message(const cais_engine *engine, cais_severity severity,
                         const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#ifdef __cplusplus
}
#endif

#endif /* CAIS_ENGINE_ENGINE_H */
