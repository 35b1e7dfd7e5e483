/*
 * engine.h -- the internal state of cais_engine: worker threads, the CPU
 * backend, the optional device backend, and how messages leave the library.
 */
#ifndef CAIS_ENGINE_ENGINE_H
#define CAIS_ENGINE_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>

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
  bool device_disabled;     /**< a fatal device error happened earlier */
  atomic_int cancelled;
  char device_name[200];
};

/** Sends a warning (or info) through the engine's message callback, or to
 *  stderr as "warning: <subject>: <text>". */
void cais_engine_message(const cais_engine *engine, cais_severity severity,
                         const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#ifdef __cplusplus
}
#endif

#endif /* CAIS_ENGINE_ENGINE_H */
