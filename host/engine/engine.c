/* engine.c -- creating and destroying engines (caisparse.h, engine.h). */
#include "engine/engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "compute/cpu/cpu_backend.h"
#include "compute/opencl_backend_api.h"

void cais_engine_config_init(cais_engine_config *c) {
  memset(c, 0, sizeof *c);
  c->device = CAIS_DEVICE_AUTO;
  c->opencl_platform = -1;
  c->opencl_device = -1;
  c->auto_device_min_bytes = CAIS_AUTO_DEVICE_MIN_BYTES;
  /* Tests and benchmarks can move the threshold without a rebuild. */
  const char *env = getenv("CAIS_AUTO_DEVICE_MIN_BYTES");
  if (env && *env) c->auto_device_min_bytes = strtoull(env, NULL, 10);
}

void cais_engine_message(const cais_engine *engine, cais_severity severity,
                         const char *subject, const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (engine && engine->config.on_message) {
    engine->config.on_message(engine->config.message_user, severity, subject, text);
    return;
  }
  if (severity != CAIS_SEVERITY_WARNING) return;
  if (subject)
    fprintf(stderr, "warning: %s: %s\n", subject, text);
  else
    fprintf(stderr, "warning: %s\n", text);
}

/* Creates the OpenCL backend.  For auto, failing is not an error: a warning
 * (or, when OpenCL simply has no GPU, a note) and the CPU path. */
static cais_status open_device(cais_engine *e, cais_error *err) {
  cais_error device_err;
  bool quiet = false;
  e->device_probed = true;
  cais_status st = cais_opencl_backend_create(&e->config, e->kernel_cache_dir, e->pool,
                                              &e->device, &quiet, &device_err);
  if (st == CAIS_OK) {
    snprintf(e->device_name, sizeof e->device_name, "%s", e->device->name);
    return CAIS_OK;
  }
  e->device = NULL;
  if (e->config.device == CAIS_DEVICE_OPENCL)
    return cais_fail(err, st, "--device opencl: %s", device_err.message);
  /* auto: quietly the CPU when there is simply no GPU; no OpenCL at all or a
   * broken setup deserves a warning (spec section 7). */
  cais_engine_message(e, quiet ? CAIS_SEVERITY_INFO : CAIS_SEVERITY_WARNING, "device",
                      "using the CPU: %s", device_err.message);
  return CAIS_OK;
}

void cais_engine_prepare_device(cais_engine *e, uint64_t eligible_bytes) {
  if (e->config.device != CAIS_DEVICE_AUTO || e->device_probed) return;
  if (eligible_bytes < e->config.auto_device_min_bytes) return;
  open_device(e, NULL);
}

cais_status cais_engine_create(const cais_engine_config *config,
                               cais_engine **out, cais_error *err) {
  cais_engine_config defaults;
  if (!config) {
    cais_engine_config_init(&defaults);
    config = &defaults;
  }
  if (!out)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_engine_create: out is required");
  if (config->device != CAIS_DEVICE_AUTO && config->device != CAIS_DEVICE_CPU &&
      config->device != CAIS_DEVICE_OPENCL)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS, "unknown device kind %d",
                     (int)config->device);
  cais_engine *e = calloc(1, sizeof *e);
  if (!e) return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "out of memory");
  e->config = *config;
  if (config->kernel_cache_dir) {
    e->kernel_cache_dir = strdup(config->kernel_cache_dir);
    e->config.kernel_cache_dir = e->kernel_cache_dir;
  }
  e->pool = cais_threadpool_create(config->num_threads);
  if (!e->pool) {
    cais_engine_destroy(e);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "cannot start worker threads");
  }
  cais_status st = CAIS_OK;
  e->cpu = cais_cpu_backend_create(e->pool, err);
  if (!e->cpu) {
    cais_engine_destroy(e);
    return err ? err->status : CAIS_ERROR_OUT_OF_MEMORY;
  }
  /* An explicit OpenCL choice is checked now, so a bad device fails the
   * engine; auto waits for a program worth a device (cais_engine_prepare_device). */
  if (config->device == CAIS_DEVICE_OPENCL) {
    st = open_device(e, err);
    if (st != CAIS_OK) {
      cais_engine_destroy(e);
      return st;
    }
  }
  snprintf(e->device_name, sizeof e->device_name, "%s",
           e->device ? e->device->name : e->cpu->name);
  *out = e;
  return CAIS_OK;
}

const char *cais_engine_device_name(const cais_engine *engine) {
  return engine ? engine->device_name : "";
}

void cais_engine_cancel(cais_engine *engine) {
  if (engine) atomic_store(&engine->cancelled, 1);
}

void cais_engine_destroy(cais_engine *engine) {
  if (!engine) return;
  if (engine->device) engine->device->ops->destroy(engine->device);
  if (engine->cpu) engine->cpu->ops->destroy(engine->cpu);
  cais_threadpool_destroy(engine->pool);
  free(engine->kernel_cache_dir);
  free(engine);
}

int cais_list_devices(char *buffer, size_t buffer_size) {
  return cais_opencl_list_devices(buffer, buffer_size);
}
