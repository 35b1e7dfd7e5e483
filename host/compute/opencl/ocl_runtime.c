/* ocl_runtime.c -- see ocl_internal.h: fault injection, device
 * enumeration, the program source and its build with the binary cache. */
#include "compute/opencl/ocl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embedded_kernels.h"

/* ---- fault injection --------------------------------------------------- */

void ocl_fault_from_env(ocl_fault *f) {
  memset(f, 0, sizeof *f);
  const char *v = getenv("CAIS_OPENCL_FAULT");
  if (!v || !*v) return;
  const char *colon = strchr(v, ':');
  size_t len = colon ? (size_t)(colon - v) : strlen(v);
  if (len == 11 && strncmp(v, "no-platform", len) == 0)
    f->kind = OCL_FAULT_NO_PLATFORM;
  else if (len == 5 && strncmp(v, "build", len) == 0)
    f->kind = OCL_FAULT_BUILD;
  else if (len == 5 && strncmp(v, "alloc", len) == 0)
    f->kind = OCL_FAULT_ALLOC;
  else if (len == 7 && strncmp(v, "enqueue", len) == 0)
    f->kind = OCL_FAULT_ENQUEUE;
  f->at = colon ? strtol(colon + 1, NULL, 10) : 1;
  if (f->at < 1) f->at = 1;
}

bool ocl_fault_hit(ocl_fault *f, ocl_fault_kind kind) {
  if (f->kind != kind) return false;
  return ++f->count == f->at;
}

/* ---- errors ------------------------------------------------------------ */

const char *ocl_error_name(cl_int code) {
  switch (code) {
#define E(x) case x: return #x;
    E(CL_SUCCESS) E(CL_DEVICE_NOT_FOUND) E(CL_DEVICE_NOT_AVAILABLE)
    E(CL_COMPILER_NOT_AVAILABLE) E(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    E(CL_OUT_OF_RESOURCES) E(CL_OUT_OF_HOST_MEMORY) E(CL_BUILD_PROGRAM_FAILURE)
    E(CL_INVALID_VALUE) E(CL_INVALID_DEVICE) E(CL_INVALID_CONTEXT)
    E(CL_INVALID_COMMAND_QUEUE) E(CL_INVALID_MEM_OBJECT) E(CL_INVALID_BINARY)
    E(CL_INVALID_BUILD_OPTIONS) E(CL_INVALID_PROGRAM) E(CL_INVALID_KERNEL_NAME)
    E(CL_INVALID_KERNEL) E(CL_INVALID_ARG_INDEX) E(CL_INVALID_ARG_VALUE)
    E(CL_INVALID_ARG_SIZE) E(CL_INVALID_KERNEL_ARGS) E(CL_INVALID_WORK_DIMENSION)
    E(CL_INVALID_WORK_GROUP_SIZE) E(CL_INVALID_WORK_ITEM_SIZE)
    E(CL_INVALID_GLOBAL_OFFSET) E(CL_INVALID_EVENT_WAIT_LIST) E(CL_INVALID_EVENT)
    E(CL_INVALID_BUFFER_SIZE) E(CL_INVALID_GLOBAL_WORK_SIZE)
    E(CL_MISALIGNED_SUB_BUFFER_OFFSET) E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
#undef E
  }
  return "OpenCL error";
}

/* ---- devices ----------------------------------------------------------- */

const char *ocl_type_name(cl_device_type type) {
  if (type & CL_DEVICE_TYPE_GPU) return "GPU";
  if (type & CL_DEVICE_TYPE_CPU) return "CPU";
  if (type & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  return "other";
}

static void dev_string(cl_device_id d, cl_device_info what, char *buf, size_t size) {
  buf[0] = '\0';
  if (clGetDeviceInfo(d, what, size, buf, NULL) != CL_SUCCESS) buf[0] = '\0';
  buf[size - 1] = '\0';
}

static void plat_string(cl_platform_id p, cl_platform_info what, char *buf, size_t size) {
  buf[0] = '\0';
  if (clGetPlatformInfo(p, what, size, buf, NULL) != CL_SUCCESS) buf[0] = '\0';
  buf[size - 1] = '\0';
}

/* "OpenCL 1.2 ..." / "OpenCL C 1.2 ..." -> major * 10 + minor. */
static int parse_version(const char *s, const char *prefix) {
  size_t n = strlen(prefix);
  int major = 0, minor = 0;
  if (strncmp(s, prefix, n) != 0 || sscanf(s + n, "%d.%d", &major, &minor) != 2) return 0;
  return major * 10 + minor;
}

static void fill_info(ocl_device_info *info) {
  cl_device_id d = info->device;
  dev_string(d, CL_DEVICE_NAME, info->name, sizeof info->name);
  dev_string(d, CL_DEVICE_VERSION, info->version, sizeof info->version);
  dev_string(d, CL_DEVICE_OPENCL_C_VERSION, info->c_version, sizeof info->c_version);
  dev_string(d, CL_DRIVER_VERSION, info->driver, sizeof info->driver);
  plat_string(info->platform, CL_PLATFORM_NAME, info->platform_name,
              sizeof info->platform_name);
  plat_string(info->platform, CL_PLATFORM_VERSION, info->platform_version,
              sizeof info->platform_version);
  cl_device_type type = 0;
  clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  info->type = type;
  cl_ulong gm = 0, ma = 0;
  clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gm, &gm, NULL);
  clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof ma, &ma, NULL);
  info->global_mem = gm;
  info->max_alloc = ma;
  size_t wg = 0;
  clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
  info->max_wg = wg;
  cl_bool avail = CL_FALSE, comp = CL_FALSE;
  clGetDeviceInfo(d, CL_DEVICE_AVAILABLE, sizeof avail, &avail, NULL);
  clGetDeviceInfo(d, CL_DEVICE_COMPILER_AVAILABLE, sizeof comp, &comp, NULL);
  info->available = avail == CL_TRUE;
  info->compiler = comp == CL_TRUE;
  /* fp64: the extension string (OpenCL 1.x), or a double FP config. */
  size_t ext_size = 0;
  info->fp64 = false;
  if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &ext_size) == CL_SUCCESS && ext_size) {
    char *ext = malloc(ext_size + 1);
    if (ext && clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, ext_size, ext, NULL) == CL_SUCCESS) {
      ext[ext_size] = '\0';
      info->fp64 = strstr(ext, "cl_khr_fp64") != NULL;
    }
    free(ext);
  }
  info->unusable[0] = '\0';
  int v = parse_version(info->version, "OpenCL ");
  int cv = parse_version(info->c_version, "OpenCL C ");
  if (!info->available)
    snprintf(info->unusable, sizeof info->unusable, "not available");
  else if (!info->compiler)
    snprintf(info->unusable, sizeof info->unusable, "no OpenCL C compiler");
  else if (v < 12 || cv < 12)
    snprintf(info->unusable, sizeof info->unusable, "OpenCL %d.%d / OpenCL C %d.%d, 1.2 needed",
             v / 10, v % 10, cv / 10, cv % 10);
  else if (!info->fp64)
    snprintf(info->unusable, sizeof info->unusable,
             "no double precision (cl_khr_fp64), which bit-identical results need");
  else if (info->max_wg < 256)
    snprintf(info->unusable, sizeof info->unusable, "work-groups of %zu items, 256 needed",
             info->max_wg);
}

ocl_device_info *ocl_enumerate(ocl_fault *fault, int *count, int *platforms) {
  *count = 0;
  *platforms = 0;
  if (fault && fault->kind == OCL_FAULT_NO_PLATFORM) return NULL;
  cl_uint np = 0;
  if (clGetPlatformIDs(0, NULL, &np) != CL_SUCCESS || np == 0) return NULL;
  cl_platform_id *plats = calloc(np, sizeof *plats);
  if (!plats || clGetPlatformIDs(np, plats, NULL) != CL_SUCCESS) {
    free(plats);
    return NULL;
  }
  *platforms = (int)np;
  ocl_device_info *list = NULL;
  int n = 0, cap = 0;
  for (cl_uint p = 0; p < np; p++) {
    cl_uint nd = 0;
    if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || nd == 0)
      continue;
    cl_device_id *devs = calloc(nd, sizeof *devs);
    if (!devs || clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, devs, NULL) != CL_SUCCESS) {
      free(devs);
      continue;
    }
    for (cl_uint d = 0; d < nd; d++) {
      if (n == cap) {
        cap = cap ? 2 * cap : 8;
        ocl_device_info *grown = realloc(list, (size_t)cap * sizeof *list);
        if (!grown) break;
        list = grown;
      }
      ocl_device_info *info = &list[n++];
      memset(info, 0, sizeof *info);
      info->platform = plats[p];
      info->device = devs[d];
      info->platform_index = (int)p;
      info->device_index = (int)d;
      fill_info(info);
    }
    free(devs);
  }
  free(plats);
  *count = n;
  return list;
}

/* ---- program source ---------------------------------------------------- */

/* The kernel files in program order; their includes are spliced. */
static const char *const program_files[] = {"select.cl", "mask.cl", "structured.cl",
                                            "compact.cl", "palette.cl"};

const char *const ocl_kernel_names[K_COUNT] = {
    "k_mag_hist", "k_mag_pick", "k_mag_hist_low", "k_mag_pick_low", "k_mag_ties",
    "k_mask", "k_scan_chunks",
    "k_block_scores", "k_block_hist", "k_block_digit", "k_block_tiew", "k_block_prune",
    "k_nm_runs",
    "k_compact", "k_to_double", "k_quant_setup", "k_quant_codes", "k_pal_codes", "k_pack",
    "k_stats", "k_stats_total",
    "k_kept_hist16", "k_distinct16", "k_prefix", "k_dp", "k_centroids", "k_code_table16"};

static const cais_embedded_file *find_embedded(const char *name) {
  const char *slash = strrchr(name, '/');
  if (slash) name = slash + 1;
  for (const cais_embedded_file *f = cais_embedded_kernels; f->name; f++)
    if (strcmp(f->name, name) == 0) return f;
  return NULL;
}

typedef struct strbuf {
  char *data;
  size_t len, cap;
  bool failed;
} strbuf;

static void sb_put(strbuf *s, const char *p, size_t n) {
  if (s->failed) return;
  if (s->len + n + 1 > s->cap) {
    size_t cap = s->cap ? s->cap : 65536;
    while (s->len + n + 1 > cap) cap *= 2;
    char *grown = realloc(s->data, cap);
    if (!grown) {
      s->failed = true;
      return;
    }
    s->data = grown;
    s->cap = cap;
  }
  memcpy(s->data + s->len, p, n);
  s->len += n;
  s->data[s->len] = '\0';
}

/* Appends `f` with every `#include "name"` of an embedded file replaced by
 * that file (each at most once: `done` lists the spliced names). */
static void splice(strbuf *out, const cais_embedded_file *f, const char **done,
                   int *ndone) {
  for (int i = 0; i < *ndone; i++)
    if (strcmp(done[i], f->name) == 0) return;
  if (*ndone < 64) done[(*ndone)++] = f->name;
  const char *p = f->contents, *end = p + f->size;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *line_end = nl ? nl + 1 : end;
    const char *q = p;
    while (q < line_end && (*q == ' ' || *q == '\t')) q++;
    const cais_embedded_file *inc = NULL;
    if (q < line_end && *q == '#') {
      q++;
      while (q < line_end && (*q == ' ' || *q == '\t')) q++;
      if ((size_t)(line_end - q) > 8 && strncmp(q, "include", 7) == 0) {
        const char *a = memchr(q, '"', (size_t)(line_end - q));
        const char *b = a ? memchr(a + 1, '"', (size_t)(line_end - a - 1)) : NULL;
        if (a && b && b - a - 1 < 200) {
          char name[256];
          memcpy(name, a + 1, (size_t)(b - a - 1));
          name[b - a - 1] = '\0';
          inc = find_embedded(name);
        }
      }
    }
    if (inc) {
      splice(out, inc, done, ndone);
      sb_put(out, "\n", 1);
    } else {
      sb_put(out, p, (size_t)(line_end - p));
    }
    p = line_end;
  }
}

char *ocl_program_source(void) {
  strbuf out = {0};
  const char *done[64];
  int ndone = 0;
  for (size_t i = 0; i < sizeof program_files / sizeof *program_files; i++) {
    const cais_embedded_file *f = find_embedded(program_files[i]);
    if (!f) {
      free(out.data);
      return NULL;
    }
    splice(&out, f, done, &ndone);
    sb_put(&out, "\n", 1);
  }
  if (out.failed) {
    free(out.data);
    return NULL;
  }
  return out.data;
}

const char *ocl_build_options(void) {
  /* No -cl-fast-relaxed-math, -cl-mad-enable or -cl-unsafe-math-
   * optimizations: double arithmetic must be the IEEE operations the CPU
   * code performs (the sources also say FP_CONTRACT OFF). */
  return "-cl-std=CL1.2";
}

/* ---- binary cache ------------------------------------------------------ */

static uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

static void cache_key(const ocl_device_info *dev, const char *source, char *hex,
                      size_t size) {
  const char *parts[] = {dev->platform_name, dev->platform_version, dev->name, dev->version,
                         dev->driver, source, ocl_build_options()};
  uint64_t a = 0xcbf29ce484222325ull, b = 0x84222325cbf29ce4ull;
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
    size_t n = strlen(parts[i]) + 1; /* the NUL separates the parts */
    a = fnv1a(a, parts[i], n);
    b = fnv1a(b ^ (uint64_t)i, parts[i], n);
  }
  snprintf(hex, size, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

bool ocl_default_cache_dir(char *buf, size_t size) {
  const char *xdg = getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) {
    snprintf(buf, size, "%s/cai-sparsify/kernels", xdg);
    return true;
  }
  const char *home = getenv("HOME");
  if (!home || !*home) return false;
  snprintf(buf, size, "%s/.cache/cai-sparsify/kernels", home);
  return true;
}

static void mkdirs(const char *path) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(tmp, 0755);
    *p = '/';
  }
  mkdir(tmp, 0755);
}

#define CACHE_MAGIC "CAISKBN1"

/* The cached binary for `key`, or NULL (missing, short, or another key). */
static unsigned char *cache_load(const char *dir, const char *key, size_t *size) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.bin", dir, key);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char magic[8], stored_key[32];
  uint64_t n = 0;
  unsigned char *bin = NULL;
  if (fread(magic, 1, 8, f) == 8 && memcmp(magic, CACHE_MAGIC, 8) == 0 &&
      fread(stored_key, 1, 32, f) == 32 && memcmp(stored_key, key, 32) == 0 &&
      fread(&n, sizeof n, 1, f) == 1 && n > 0 && n < ((uint64_t)1 << 31)) {
    bin = malloc((size_t)n);
    if (bin && fread(bin, 1, (size_t)n, f) != (size_t)n) {
      free(bin);
      bin = NULL;
    }
    /* trailing bytes mean a different writer: ignore the entry */
    if (bin && fgetc(f) != EOF) {
      free(bin);
      bin = NULL;
    }
  }
  fclose(f);
  *size = (size_t)n;
  return bin;
}

/* Writes the entry atomically: a temporary file in the same directory,
 * renamed over the final name.  Failures are silent (the cache is an
 * optimisation). */
static void cache_store(const char *dir, const char *key, const unsigned char *bin,
                        size_t size) {
  mkdirs(dir);
  char path[4096], tmp[4200];
  snprintf(path, sizeof path, "%s/%s.bin", dir, key);
  snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, key);
  int fd = mkstemp(tmp);
  if (fd < 0) return;
  FILE *f = fdopen(fd, "wb");
  if (!f) {
    close(fd);
    unlink(tmp);
    return;
  }
  uint64_t n = size;
  bool ok = fwrite(CACHE_MAGIC, 1, 8, f) == 8 && fwrite(key, 1, 32, f) == 32 &&
            fwrite(&n, sizeof n, 1, f) == 1 && fwrite(bin, 1, size, f) == size;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) unlink(tmp);
}

static bool program_binary(cl_program prog, unsigned char **bin, size_t *size) {
  size_t sz = 0;
  if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof sz, &sz, NULL) != CL_SUCCESS ||
      sz == 0)
    return false;
  unsigned char *b = malloc(sz);
  if (!b) return false;
  unsigned char *ptrs[1] = {b};
  if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof ptrs, ptrs, NULL) != CL_SUCCESS) {
    free(b);
    return false;
  }
  *bin = b;
  *size = sz;
  return true;
}

static void build_log(cl_program prog, cl_device_id dev, char *msg, size_t size) {
  size_t n = 0;
  msg[0] = '\0';
  if (clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &n) != CL_SUCCESS || !n)
    return;
  char *log = malloc(n + 1);
  if (!log) return;
  if (clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, n, log, NULL) == CL_SUCCESS) {
    log[n] = '\0';
    /* one line is enough for a warning; the whole log with CAIS_OPENCL_LOG */
    if (getenv("CAIS_OPENCL_LOG")) fprintf(stderr, "%s\n", log);
    char *nl = strchr(log, '\n');
    while (nl && nl == log) { /* skip leading empty lines */
      memmove(log, log + 1, strlen(log));
      nl = strchr(log, '\n');
    }
    if (nl) *nl = '\0';
    snprintf(msg, size, "%s", log);
  }
  free(log);
}

cl_program ocl_build_program(cl_context ctx, const ocl_device_info *dev,
                             const char *cache_dir, ocl_fault *fault,
                             bool *from_cache, char *msg, size_t msg_size) {
  *from_cache = false;
  msg[0] = '\0';
  if (fault && fault->kind == OCL_FAULT_BUILD) {
    snprintf(msg, msg_size, "kernel build failed (injected by CAIS_OPENCL_FAULT=build)");
    return NULL;
  }
  char *source = ocl_program_source();
  if (!source) {
    snprintf(msg, msg_size, "the embedded kernel sources are incomplete");
    return NULL;
  }
  char key[40];
  cache_key(dev, source, key, sizeof key);
  bool use_cache = cache_dir && *cache_dir;
  cl_int e = CL_SUCCESS;
  if (use_cache) {
    size_t size = 0;
    unsigned char *bin = cache_load(cache_dir, key, &size);
    if (bin) {
      const unsigned char *bins[1] = {bin};
      cl_int status = CL_SUCCESS;
      cl_program prog =
          clCreateProgramWithBinary(ctx, 1, &dev->device, &size, bins, &status, &e);
      free(bin);
      if (prog && e == CL_SUCCESS && status == CL_SUCCESS &&
          clBuildProgram(prog, 1, &dev->device, ocl_build_options(), NULL, NULL) ==
              CL_SUCCESS) {
        free(source);
        *from_cache = true;
        return prog;
      }
      if (prog) clReleaseProgram(prog); /* corrupt or stale: rebuild */
    }
  }
  const char *src = source;
  cl_program prog = clCreateProgramWithSource(ctx, 1, &src, NULL, &e);
  if (!prog || e != CL_SUCCESS) {
    snprintf(msg, msg_size, "clCreateProgramWithSource: %s", ocl_error_name(e));
    free(source);
    return NULL;
  }
  e = clBuildProgram(prog, 1, &dev->device, ocl_build_options(), NULL, NULL);
  if (e != CL_SUCCESS) {
    char log[400];
    build_log(prog, dev->device, log, sizeof log);
    snprintf(msg, msg_size, "kernel build failed (%s)%s%s", ocl_error_name(e),
             log[0] ? ": " : "", log);
    clReleaseProgram(prog);
    free(source);
    return NULL;
  }
  free(source);
  if (use_cache) {
    unsigned char *bin = NULL;
    size_t size = 0;
    if (program_binary(prog, &bin, &size)) {
      cache_store(cache_dir, key, bin, size);
      free(bin);
    }
  }
  return prog;
}
