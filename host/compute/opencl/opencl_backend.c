/* opencl_backend.c -- the OpenCL backend object (compute_backend.h) and the
 * entry points of opencl_backend_api.h: choosing a device, creating the
 * context, queues and kernels once per engine, listing devices.  The batch
 * work itself is in ocl_batch.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "compute/opencl/ocl_internal.h"
#include "compute/opencl_backend_api.h"

/* Sizing (docs/ARCHITECTURE.md, "Batching"): a device sub-batch carries at
 * most this many dense bytes (transfers of one sub-batch overlap the
 * kernels of the previous one); CAIS_OPENCL_BATCH_BYTES overrides it. */
#define SUB_BATCH_CAP ((uint64_t)512 << 20)
#define SUB_BATCH_MIN ((uint64_t)1 << 20)
/* Device memory one sub-batch may use, per dense byte: input, compacted
 * values, codes / flags, packed indices, scratch (8 bytes per element) and
 * the mask: about 7 bytes per dense f16 byte; two sub-batches are in flight. */
#define DEVICE_BYTES_PER_DENSE 8
#define ENGINE_BATCH_SUBS 4

static size_t ocl_batches_run(const cais_backend *self) {
  return ((const ocl_backend *)self)->batches;
}

static uint64_t ocl_batch_byte_limit(const cais_backend *self) {
  const ocl_backend *b = (const ocl_backend *)self;
  return b->sub_bytes * ENGINE_BATCH_SUBS;
}

static cais_status ocl_run(cais_backend *self, cais_job *jobs, size_t count,
                           cais_error *err) {
  return ocl_run_batch((ocl_backend *)self, jobs, count, err);
}

static void ocl_destroy(cais_backend *self) {
  ocl_backend *b = (ocl_backend *)self;
  if (!b) return;
  if (b->qc) clFinish(b->qc);
  if (b->qx) clFinish(b->qx);
  for (int i = 0; i < K_COUNT; i++)
    if (b->k[i]) clReleaseKernel(b->k[i]);
  if (b->program) clReleaseProgram(b->program);
  if (b->qc) clReleaseCommandQueue(b->qc);
  if (b->qx) clReleaseCommandQueue(b->qx);
  if (b->ctx) clReleaseContext(b->ctx);
  free(b);
}

static const cais_backend_ops ocl_ops = {ocl_run, ocl_batch_byte_limit, ocl_batches_run,
                                         ocl_destroy};

/* Picks the device `config` asks for.  Returns its index in `list`, or -1
 * with the reason in msg and *quiet set (opencl_backend_api.h). */
static int choose_device(const cais_engine_config *config, const ocl_device_info *list,
                         int n, int platforms, bool *quiet, char *msg, size_t size) {
  *quiet = false;
  if (platforms == 0) {
    snprintf(msg, size, "no OpenCL platform found");
    return -1;
  }
  if (n == 0) {
    snprintf(msg, size, "no OpenCL device found");
    return -1;
  }
  if (config->device == CAIS_DEVICE_OPENCL && config->opencl_platform >= 0) {
    for (int i = 0; i < n; i++) {
      const ocl_device_info *d = &list[i];
      if (d->platform_index != config->opencl_platform ||
          d->device_index != (config->opencl_device >= 0 ? config->opencl_device : 0))
        continue;
      if (d->unusable[0]) {
        snprintf(msg, size, "OpenCL device %d.%d (%s) is not usable: %s", d->platform_index,
                 d->device_index, d->name, d->unusable);
        return -1;
      }
      return i;
    }
    snprintf(msg, size, "no OpenCL device %d.%d (see --list-devices)", config->opencl_platform,
             config->opencl_device >= 0 ? config->opencl_device : 0);
    return -1;
  }
  /* A usable GPU first; with --device opencl any usable device after. */
  const ocl_device_info *bad_gpu = NULL;
  for (int i = 0; i < n; i++) {
    if (!(list[i].type & CL_DEVICE_TYPE_GPU)) continue;
    if (!list[i].unusable[0]) return i;
    if (!bad_gpu) bad_gpu = &list[i];
  }
  if (config->device == CAIS_DEVICE_OPENCL) {
    for (int i = 0; i < n; i++)
      if (!list[i].unusable[0]) return i;
    snprintf(msg, size, "no usable OpenCL device (%s: %s)", list[0].name, list[0].unusable);
    return -1;
  }
  if (bad_gpu) {
    snprintf(msg, size, "the OpenCL GPU %s is not usable: %s", bad_gpu->name, bad_gpu->unusable);
    return -1;
  }
  *quiet = true; /* OpenCL works, there is just no GPU: the CPU is right */
  snprintf(msg, size, "no OpenCL GPU (only %s %s)", list[0].name,
           ocl_type_name(list[0].type));
  return -1;
}

static uint64_t env_bytes(const char *name) {
  const char *v = getenv(name);
  if (!v || !*v) return 0;
  char *end;
  unsigned long long n = strtoull(v, &end, 10);
  if (*end == 'k' || *end == 'K') n <<= 10;
  if (*end == 'm' || *end == 'M') n <<= 20;
  if (*end == 'g' || *end == 'G') n <<= 30;
  return n;
}

cais_status cais_opencl_backend_create(const cais_engine_config *config,
                                       const char *kernel_cache_dir,
                                       cais_threadpool *pool,
                                       cais_backend **out, bool *quiet,
                                       cais_error *err) {
  *out = NULL;
  *quiet = false;
  ocl_fault fault;
  ocl_fault_from_env(&fault);
  int n = 0, platforms = 0;
  ocl_device_info *list = ocl_enumerate(&fault, &n, &platforms);
  char msg[512];
  int pick = choose_device(config, list, n, platforms, quiet, msg, sizeof msg);
  if (pick < 0) {
    free(list);
    return cais_fail(err, CAIS_ERROR_DEVICE, "%s", msg);
  }
  ocl_backend *b = calloc(1, sizeof *b);
  if (!b) {
    free(list);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "out of memory");
  }
  b->base.ops = &ocl_ops;
  b->pool = pool;
  b->dev = list[pick];
  b->fault = fault;
  free(list);
  snprintf(b->base.name, sizeof b->base.name, "opencl: %.100s (%.40s)", b->dev.name,
           b->dev.platform_name);

  cl_int e;
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)b->dev.platform,
                                   0};
  b->ctx = clCreateContext(props, 1, &b->dev.device, NULL, NULL, &e);
  if (!b->ctx || e != CL_SUCCESS) {
    snprintf(msg, sizeof msg, "cannot create an OpenCL context on %.120s: %s", b->dev.name,
             ocl_error_name(e));
    goto fail;
  }
  b->qc = clCreateCommandQueue(b->ctx, b->dev.device, CL_QUEUE_PROFILING_ENABLE, &e);
  if (!b->qc || e != CL_SUCCESS) {
    snprintf(msg, sizeof msg, "cannot create an OpenCL queue: %s", ocl_error_name(e));
    goto fail;
  }
  b->qx = clCreateCommandQueue(b->ctx, b->dev.device, 0, &e);
  if (!b->qx || e != CL_SUCCESS) {
    snprintf(msg, sizeof msg, "cannot create an OpenCL queue: %s", ocl_error_name(e));
    goto fail;
  }

  char cache[4096] = "";
  if (kernel_cache_dir)
    snprintf(cache, sizeof cache, "%s", kernel_cache_dir);
  else if (!ocl_default_cache_dir(cache, sizeof cache))
    cache[0] = '\0';
  bool from_cache = false;
  b->program = ocl_build_program(b->ctx, &b->dev, cache, &b->fault, &from_cache, msg,
                                 sizeof msg);
  if (!b->program) {
    /* auto: the CPU with a warning.  --device opencl asked for this device:
     * the engine is still created and every batch falls back to the CPU
     * with a warning (spec section 7: a failed kernel build loses nothing). */
    if (config->device != CAIS_DEVICE_OPENCL) goto fail;
    b->broken = true;
    snprintf(b->broken_msg, sizeof b->broken_msg, "%.120s: %.380s", b->dev.name, msg);
  }
  for (int i = 0; i < K_COUNT && b->program; i++) {
    b->k[i] = clCreateKernel(b->program, ocl_kernel_names[i], &e);
    if (!b->k[i] || e != CL_SUCCESS) {
      snprintf(msg, sizeof msg, "kernel %s: %s", ocl_kernel_names[i], ocl_error_name(e));
      goto fail;
    }
    /* Work-group kernels need CAIS_WG items; the others run 64 at a time. */
    bool per_item = i == K_BLOCK_SCORES || i == K_BLOCK_HIST || i == K_NM_RUNS ||
                    i == K_QUANT_SETUP || i == K_STATS || i == K_STATS_TOTAL || i == K_PREFIX;
    size_t need = per_item ? 64 : 256, wg = 0;
    clGetKernelWorkGroupInfo(b->k[i], b->dev.device, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg,
                             NULL);
    if (wg < need) {
      snprintf(msg, sizeof msg, "kernel %s runs only %zu work-items per group on %.120s, %zu needed",
               ocl_kernel_names[i], wg, b->dev.name, need);
      goto fail;
    }
  }

  /* Sizes: a sub-batch and its buffers must fit the largest allocation and,
   * two at a time, a share of global memory. */
  uint64_t cap = SUB_BATCH_CAP;
  uint64_t by_alloc = b->dev.max_alloc / 8; /* the scratch holds 8 bytes per element */
  uint64_t by_global = b->dev.global_mem / (2 * DEVICE_BYTES_PER_DENSE + 4);
  if (by_alloc < cap) cap = by_alloc;
  if (by_global < cap) cap = by_global;
  uint64_t forced = env_bytes("CAIS_OPENCL_BATCH_BYTES");
  if (forced) cap = forced;
  if (cap < SUB_BATCH_MIN && !forced) cap = SUB_BATCH_MIN;
  b->sub_bytes = cap;
  /* One larger tensor still goes to the device, alone in its sub-batch, if
   * its buffers fit (the scratch: 8 bytes per element). */
  uint64_t big = b->dev.max_alloc / 8;
  if (b->dev.global_mem / 16 < big) big = b->dev.global_mem / 16;
  b->big_bytes = forced ? cap : (big > cap ? big : cap);
  uint64_t ws = b->dev.global_mem / 8;
  if (ws > b->dev.max_alloc) ws = b->dev.max_alloc;
  if (ws > ((uint64_t)4 << 30)) ws = (uint64_t)4 << 30;
  b->ws_budget = ws;
  b->max_tensors = 1024;
  *out = &b->base;
  return CAIS_OK;

fail:
  ocl_destroy(&b->base);
  *quiet = false;
  return cais_fail(err, CAIS_ERROR_DEVICE, "%s", msg);
}

static void human_bytes(uint64_t n, char *buf, size_t size) {
  if (n >= ((uint64_t)1 << 30))
    snprintf(buf, size, "%.1f GiB", (double)n / (double)((uint64_t)1 << 30));
  else
    snprintf(buf, size, "%.0f MiB", (double)n / (double)((uint64_t)1 << 20));
}

int cais_opencl_list_devices(char *buffer, size_t buffer_size) {
  if (buffer_size) buffer[0] = '\0';
  ocl_fault fault;
  ocl_fault_from_env(&fault);
  int n = 0, platforms = 0;
  ocl_device_info *list = ocl_enumerate(&fault, &n, &platforms);
  size_t used = 0;
  for (int i = 0; i < n; i++) {
    const ocl_device_info *d = &list[i];
    char mem[32], alloc[32];
    human_bytes(d->global_mem, mem, sizeof mem);
    human_bytes(d->max_alloc, alloc, sizeof alloc);
    char line[1024];
    snprintf(line, sizeof line,
             "%d.%d: %s (%s), %s, %s; largest allocation %s, %s, %s, driver %s, fp64 %s%s%s\n",
             d->platform_index, d->device_index, d->name, d->platform_name,
             ocl_type_name(d->type), mem, alloc, d->version, d->c_version, d->driver,
             d->fp64 ? "yes" : "no", d->unusable[0] ? "; not usable: " : "", d->unusable);
    size_t len = strlen(line);
    if (buffer_size && used + len < buffer_size) {
      memcpy(buffer + used, line, len + 1);
      used += len;
    }
  }
  free(list);
  return n;
}
