/*
 * caisparse.h -- cai-sparsify: weight sparsification for Core AI programs.
 *
 * libcaisparse compresses the weights of Core AI programs (MLIR modules in
 * Apple's MLIR<CoreAI> dialect, read and written in MLIR's generic form or as
 * MLIR bytecode).  Each eligible `coreai.constant` weight is pruned
 * (magnitude, block or n:m sparsity), optionally joined with int8 / uint8 /
 * fp8 quantization or k-means palettization of the surviving values, and
 * replaced by an op chain that rebuilds the dense weight at run time.  It is
 * the native counterpart of the Python function
 * `coreai_opt.coreai_utils.sparsify_weights`; the behaviour contract is
 * docs/FORMAT.md and docs/ALGORITHMS.md.
 *
 * Conventions used throughout this header (the MLIR C API's, mostly):
 *  - Objects are opaque handles created by `cais_<object>_create` or
 *    `cais_<object>_read_*` and released by `cais_<object>_destroy`.  Destroy
 *    functions accept NULL.
 *  - Functions that can fail return a `cais_status` and, when `err` is not
 *    NULL, fill it with the status and a one-line message that says what went
 *    wrong and where (file, line:column, weight name).  On failure no output
 *    argument is set and nothing the caller owns has been changed.
 *  - Strings returned by the library are owned by the object they came from
 *    and stay valid until it is destroyed.
 *  - Every function is safe to call from any thread, but one object (engine,
 *    program, report) must not be used from two threads at once.
 *
 * Minimal use (see docs/LIBRARY.md for a complete example):
 *
 *     cais_program *in, *out;  cais_options opt;  cais_error err;
 *     cais_options_init(&opt);  opt.palettize_nbits = 4;
 *     if (cais_program_read_file("model.mlirbc", &in, &err) ||
 *         cais_sparsify_weights(in, &opt, &out, NULL, &err) ||
 *         cais_program_write_file(out, "model.sparse.mlirbc",
 *                                 CAIS_FORMAT_SAME, &err))
 *       fprintf(stderr, "error: %s\n", err.message);
 */
#ifndef CAISPARSE_H
#define CAISPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mlir-c/IR.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CAIS_BUILDING_LIBRARY)
#define CAIS_API __attribute__((visibility("default")))
#else
#define CAIS_API
#endif

#define CAIS_VERSION_MAJOR 0
#define CAIS_VERSION_MINOR 1
#define CAIS_VERSION_PATCH 0

/** Returns the library version as "MAJOR.MINOR.PATCH". */
CAIS_API const char *cais_version_string(void);

/*==========================================================================*/
/* Status and errors                                                        */
/*==========================================================================*/

typedef enum cais_status {
  CAIS_OK = 0,
  /** A parameter is invalid (spec section 6).  Nothing was touched. */
  CAIS_ERROR_INVALID_OPTIONS = 1,
  /** The program cannot be read: not MLIR text or bytecode, malformed IR,
   *  a missing or short resource blob. */
  CAIS_ERROR_INVALID_INPUT = 2,
  /** Reading or writing a file failed (permissions, disk full, ...). */
  CAIS_ERROR_IO = 3,
  /** An allocation failed, or the program cannot fit the memory limit. */
  CAIS_ERROR_OUT_OF_MEMORY = 4,
  /** An explicitly requested OpenCL device is unusable.  (With the `auto`
   *  choice device problems never fail a run: the CPU takes over.) */
  CAIS_ERROR_DEVICE = 5,
  /** The run was cancelled through `cais_engine_cancel`. */
  CAIS_ERROR_CANCELLED = 6,
  /** A bug: an invariant of the library itself failed. */
  CAIS_ERROR_INTERNAL = 7,
} cais_status;

/** Where a failing function describes what went wrong. */
typedef struct cais_error {
  cais_status status;
  char message[1024];
} cais_error;

/** Returns a stable lower-case name for `status` ("ok", "invalid-options",
 *  ...), for logs and JSON. */
CAIS_API const char *cais_status_name(cais_status status);

/*==========================================================================*/
/* Options (mirror sparsify_weights' parameters)                            */
/*==========================================================================*/

typedef enum cais_quantize_dtype {
  CAIS_QUANTIZE_NONE = 0,
  CAIS_QUANTIZE_INT8 = 1,       /**< si8 values, range [-127, 127]         */
  CAIS_QUANTIZE_UINT8 = 2,      /**< ui8 values, range [0, 254], offset 127 */
  CAIS_QUANTIZE_FP8_E4M3FN = 3, /**< OCP FP8 E4M3FN, largest finite 448    */
  CAIS_QUANTIZE_FP8_E5M2 = 4,   /**< OCP FP8 E5M2, largest finite 57344    */
} cais_quantize_dtype;

/** The parameters of one sparsification.  Initialise with cais_options_init,
 *  which sets the upstream defaults, then change what you need. */
typedef struct cais_options {
  /** Unstructured or block sparsity: the fraction in [0, 1] of elements to
   *  prune.  Used when `target_sparsity_set` is true (default: true, 0.5).
   *  Set `target_sparsity_set = false` to use `n_m_ratio` instead. */
  bool target_sparsity_set;
  double target_sparsity;
  /** Block sparsity along the output-channel axis: 0 means none, otherwise
   *  the block length, which must be greater than 1. */
  int64_t block_size;
  /** n:m sparsity along the input-channel axis: NULL means none, otherwise
   *  `n_m_ratio_len` numbers that must be two integers (n, m) with m > 0 and
   *  0 <= n <= m.  The array is read during the call only. */
  const double *n_m_ratio;
  size_t n_m_ratio_len;
  /** Quantize the surviving values (joint compression). */
  cais_quantize_dtype quantize_dtype;
  /** Palettize the surviving values with 2^k k-means centroids: 0 means
   *  none, otherwise one of 1, 2, 3, 4, 6, 8. */
  int palettize_nbits;
  /** Only weights with more than this many elements are compressed
   *  (default 1024). */
  int64_t weight_num_threshold;
  /** false (default): the input program is untouched and a new one is
   *  returned.  true: the input program itself is changed and returned. */
  bool in_place;
} cais_options;

/** Sets the upstream defaults: target_sparsity 0.5, no block, no n:m, no
 *  joint compression, weight_num_threshold 1024, in_place false. */
CAIS_API void cais_options_init(cais_options *options);

/** Checks `options` the way sparsify_weights does.  Returns
 *  CAIS_ERROR_INVALID_OPTIONS with the upstream wording (for example
 *  "`target_sparsity` and `n_m_ratio` cannot both be set"). */
CAIS_API cais_status cais_options_validate(const cais_options *options,
                                           cais_error *err);

/** Parses "int8", "uint8", "fp8_e4m3fn", "fp8_e5m2" (and "none").  Fails
 *  with "Invalid quantize_dtype" otherwise. */
CAIS_API cais_status cais_quantize_dtype_parse(const char *text,
                                               cais_quantize_dtype *out,
                                               cais_error *err);

/** Returns "none", "int8", "uint8", "fp8_e4m3fn" or "fp8_e5m2". */
CAIS_API const char *cais_quantize_dtype_name(cais_quantize_dtype dtype);

/*==========================================================================*/
/* Programs                                                                 */
/*==========================================================================*/

typedef struct cais_program cais_program;

typedef enum cais_format {
  CAIS_FORMAT_SAME = 0,     /**< writing: the format the program was read in */
  CAIS_FORMAT_TEXT = 1,     /**< MLIR generic form, with locations           */
  /** MLIR bytecode; ops' values are written as attributes, not properties,
   *  so that Core AI's MLIR 22 reads it as well as MLIR 19 */
  CAIS_FORMAT_BYTECODE = 2,
} cais_format;

/** Reads a program from a file.  The format (text or bytecode) is detected
 *  from the content.  Bytecode resources are used in place from a read-only
 *  mapping of the file where MLIR allows it, so a large program is not copied.
 *  Errors name the file and, for text, the line and column. */
CAIS_API cais_status cais_program_read_file(const char *path,
                                            cais_program **out,
                                            cais_error *err);

/** Reads a program from memory; `source_name` appears in locations and
 *  messages.  The bytes are copied as needed: the caller keeps `data`. */
CAIS_API cais_status cais_program_read_memory(const void *data, size_t size,
                                              const char *source_name,
                                              cais_program **out,
                                              cais_error *err);

/** Like cais_program_read_memory, but bytecode is read where it lies,
 *  without a copy: weight blobs point into `data`, which the caller keeps
 *  alive and unchanged until this program and every program made from it
 *  (cais_engine_sparsify without in_place) are destroyed.  The library never
 *  writes to `data`.  Text is copied as by cais_program_read_memory (MLIR's
 *  lexer needs a terminating NUL).  For a caller that already holds the
 *  whole program in memory (the Python front door). */
CAIS_API cais_status cais_program_read_memory_borrowed(const void *data, size_t size,
                                                       const char *source_name,
                                                       cais_program **out,
                                                       cais_error *err);

/** Wraps a module the caller already has.  The program borrows it: the
 *  module and its context must outlive the program, and destroying the
 *  program does not destroy them.  The context must allow unregistered
 *  dialects. */
CAIS_API cais_status cais_program_wrap_module(MlirModule module,
                                              cais_program **out,
                                              cais_error *err);

/** The program's module.  Owned by the program. */
CAIS_API MlirModule cais_program_module(const cais_program *program);

/** The format the program was read in (CAIS_FORMAT_TEXT for wrapped
 *  modules). */
CAIS_API cais_format cais_program_source_format(const cais_program *program);

/** Writes the program to `path`, atomically: the data goes to a temporary
 *  file in the same directory, which is flushed and renamed over `path` only
 *  when complete.  On failure `path` is untouched and no temporary file is
 *  left behind.  Text is written in generic form with locations. */
CAIS_API cais_status cais_program_write_file(const cais_program *program,
                                             const char *path,
                                             cais_format format,
                                             cais_error *err);

/** Writes the program into a new buffer, `*data` (`*size` bytes), that the
 *  caller releases with cais_free; the same bytes cais_program_write_file
 *  writes.  For a caller that passes the program on in memory (the Python
 *  front door hands it to Core AI's MLIR 22).  On failure `*data` is NULL. */
CAIS_API cais_status cais_program_write_memory(const cais_program *program,
                                               cais_format format, void **data,
                                               size_t *size, cais_error *err);

/** Writes the same bytes into the open file descriptor `fd`, from its
 *  current offset, as they are produced: no buffer of the whole program is
 *  held.  The descriptor is neither closed, truncated nor synced.  For a
 *  caller that maps the result (the Python front door writes into a memfd
 *  that MLIR 22 then parses in place).  On failure (CAIS_ERROR_IO, with the
 *  system's reason) some bytes may already have been written. */
CAIS_API cais_status cais_program_write_fd(const cais_program *program,
                                           int fd, cais_format format,
                                           cais_error *err);

/** Releases a buffer the library returned (cais_program_write_memory). */
CAIS_API void cais_free(void *data);

/** Releases the program (and its context, unless it was wrapped). */
CAIS_API void cais_program_destroy(cais_program *program);

/*==========================================================================*/
/* Engine: devices, threads and compiled kernels, reused across programs    */
/*==========================================================================*/

typedef struct cais_engine cais_engine;

typedef enum cais_device_kind {
  /** An OpenCL GPU when one is usable, else the CPU. */
  CAIS_DEVICE_AUTO = 0,
  /** The CPU path only. */
  CAIS_DEVICE_CPU = 1,
  /** An OpenCL device (any type, PoCL's CPU device included); the first one,
   *  or the one `opencl_platform` / `opencl_device` name. */
  CAIS_DEVICE_OPENCL = 2,
} cais_device_kind;

typedef enum cais_severity {
  CAIS_SEVERITY_INFO = 0,
  CAIS_SEVERITY_WARNING = 1,
} cais_severity;

/** Receives warnings and notes.  `subject` names what the message is about
 *  (a weight's location name or position, or "device"); it may be NULL. */
typedef void (*cais_message_fn)(void *user, cais_severity severity,
                                const char *subject, const char *text);

/** Progress of one sparsification, reported after each weight. */
typedef struct cais_progress {
  size_t weights_done, weights_total;
  uint64_t bytes_done, bytes_total; /**< dense weight bytes */
  double seconds_elapsed;
} cais_progress;

typedef void (*cais_progress_fn)(void *user, const cais_progress *progress);

typedef struct cais_engine_config {
  cais_device_kind device;   /**< default CAIS_DEVICE_AUTO */
  int opencl_platform;       /**< -1 (default): any */
  int opencl_device;         /**< -1 (default): any */
  int num_threads;           /**< 0 (default): one per online CPU */
  /** Where compiled OpenCL kernels are cached; NULL (default): under
   *  $XDG_CACHE_HOME or ~/.cache, "cai-sparsify/kernels"; "" disables. */
  const char *kernel_cache_dir;
  /** NULL (default): warnings go to stderr as "warning: <subject>: <text>";
   *  info messages are dropped. */
  cais_message_fn on_message;
  void *message_user;
  cais_progress_fn on_progress; /**< NULL (default): no progress */
  void *progress_user;
  /** CAIS_DEVICE_AUTO looks for a GPU only once a program with at least this
   *  many bytes of eligible weights comes (default CAIS_AUTO_DEVICE_MIN_BYTES,
   *  or the environment's CAIS_AUTO_DEVICE_MIN_BYTES; 0: at the first
   *  program).  Below it the CPU path is faster than paying for a device
   *  runtime and transfers. */
  uint64_t auto_device_min_bytes;
} cais_engine_config;

/** Default of cais_engine_config.auto_device_min_bytes: 64 MiB. */
#define CAIS_AUTO_DEVICE_MIN_BYTES ((uint64_t)64 << 20)

/** Sets the defaults listed above. */
CAIS_API void cais_engine_config_init(cais_engine_config *config);

/** Creates an engine: worker threads, and for OpenCL the context, queue and
 *  compiled kernels.  With CAIS_DEVICE_OPENCL an unusable device fails here
 *  with CAIS_ERROR_DEVICE.  With CAIS_DEVICE_AUTO the GPU is looked for at
 *  the first program big enough (auto_device_min_bytes); a missing or broken
 *  OpenCL setup then gives a warning and the CPU path. */
CAIS_API cais_status cais_engine_create(const cais_engine_config *config,
                                        cais_engine **out, cais_error *err);

/** Describes the device the engine computes on, e.g. "CPU (2 threads)" or
 *  "OpenCL: NVIDIA H200 (NVIDIA CUDA)".  With CAIS_DEVICE_AUTO this is the
 *  CPU until a program big enough for the device has been seen. */
CAIS_API const char *cais_engine_device_name(const cais_engine *engine);

/** Asks a running cais_engine_sparsify to stop at the next weight; it then
 *  fails with CAIS_ERROR_CANCELLED and leaves the input untouched unless the
 *  options said in_place.  Async-signal-safe. */
CAIS_API void cais_engine_cancel(cais_engine *engine);

CAIS_API void cais_engine_destroy(cais_engine *engine);

/** Writes one line per OpenCL device, "P.D: name (platform), type, memory",
 *  into `buffer` (always NUL-terminated); returns the number of devices, or
 *  0 when there is no usable OpenCL platform. */
CAIS_API int cais_list_devices(char *buffer, size_t buffer_size);

/*==========================================================================*/
/* Sparsification                                                           */
/*==========================================================================*/

typedef struct cais_report cais_report;

/** Sparsifies the weights of `program` (spec sections 2-5).
 *
 *  On success `*result` is the sparsified program: with options->in_place it
 *  is `program` itself (changed; do not destroy it twice), otherwise a new
 *  program the caller destroys, and `program` is untouched.  When `report` is
 *  not NULL it receives a report the caller destroys.  Weights that cannot be
 *  compressed are skipped with a warning (they are not errors).  On failure
 *  the input program is untouched and nothing is returned.
 *
 *  The engine may be NULL: a temporary one (device auto) is used. */
CAIS_API cais_status cais_engine_sparsify(cais_engine *engine,
                                          cais_program *program,
                                          const cais_options *options,
                                          cais_program **result,
                                          cais_report **report,
                                          cais_error *err);

/** The one-call convenience form of cais_engine_sparsify, with a temporary
 *  engine; named after the upstream function it mirrors. */
CAIS_API cais_status cais_sparsify_weights(cais_program *program,
                                           const cais_options *options,
                                           cais_program **result,
                                           cais_report **report,
                                           cais_error *err);

/*==========================================================================*/
/* Reports                                                                  */
/*==========================================================================*/

typedef enum cais_weight_outcome {
  CAIS_WEIGHT_COMPRESSED = 0,
  /** A candidate that could not be compressed (warned): non-finite values,
   *  a block or m too large for the channel count, rank 1. */
  CAIS_WEIGHT_SKIPPED = 1,
  /** A float constant that is not a candidate (spec section 2): too small,
   *  or used by an op that does not take compressed weights. */
  CAIS_WEIGHT_NOT_ELIGIBLE = 2,
} cais_weight_outcome;

#define CAIS_MAX_RANK 8

typedef struct cais_weight_report {
  const char *name;        /**< location name, or "constant#<position>" */
  int rank;
  int64_t shape[CAIS_MAX_RANK];
  const char *dtype;       /**< "f16", "bf16" or "f32" */
  cais_weight_outcome outcome;
  const char *reason;      /**< why skipped / not eligible; NULL otherwise */
  const char *warning;     /**< a warning about a compressed weight, or NULL */
  const char *mode;        /**< "magnitude", "block" or "n:m" */
  const char *joint;       /**< "none", "int8", ..., "palettize4", ... */
  int output_axis, input_axis;
  int64_t elements, nonzeros;
  double sparsity;         /**< achieved: 1 - nonzeros / elements */
  uint64_t bytes_before;   /**< dense bytes of the original constant */
  uint64_t bytes_after;    /**< bytes of every constant in its op chain */
  /** ||w - decoded|| / ||w|| over the whole tensor (0 when ||w|| = 0). */
  double relative_error;
  double seconds;          /**< compute time spent on this weight: */
  double seconds_select;   /**<   threshold / score selection and the mask */
  double seconds_compact;  /**<   gathering the non-zeros */
  double seconds_joint;    /**<   quantization or k-means and index packing */
  double seconds_stats;    /**<   reconstruction error */
} cais_weight_report;

typedef struct cais_report_totals {
  size_t weights_compressed, weights_skipped, weights_not_eligible;
  uint64_t bytes_before, bytes_after; /**< compressed weights only */
  double worst_relative_error;
  const char *worst_weight;           /**< NULL when nothing was compressed */
  /** Wall-clock seconds per phase of cais_engine_sparsify: finding and
   *  checking the weights, computing (all batches), rewriting the IR. */
  double seconds_collect, seconds_compute, seconds_rewrite, seconds_total;
  /** The weights' compute seconds summed per step (thread time, so with
   *  several threads they can add up to more than seconds_compute). */
  double compute_select, compute_compact, compute_joint, compute_stats;
  const char *device;                 /**< as cais_engine_device_name */
  size_t device_batches;              /**< batches sent to an OpenCL device */
  size_t device_fallbacks;            /**< batches redone on the CPU */
} cais_report_totals;

CAIS_API size_t cais_report_weight_count(const cais_report *report);
CAIS_API const cais_weight_report *cais_report_weight(const cais_report *report,
                                                      size_t index);
CAIS_API const cais_report_totals *cais_report_totals_get(
    const cais_report *report);

/** Records the seconds spent reading and writing the program files, so the
 *  JSON report has the whole run (the CLI calls this). */
CAIS_API void cais_report_set_io_seconds(cais_report *report,
                                         double seconds_read,
                                         double seconds_write);

/** Sets the program's name in the report (its JSON "input"); by default the
 *  name the program was read under.  A caller that compressed a temporary
 *  copy (the Python front door) passes the user's file name. */
CAIS_API void cais_report_set_source_name(cais_report *report, const char *name);

/** Writes the report as JSON (schema in docs/REPORT.md), atomically. */
CAIS_API cais_status cais_report_write_json(const cais_report *report,
                                            const char *path, cais_error *err);

CAIS_API void cais_report_destroy(cais_report *report);

#ifdef __cplusplus
}
#endif

#endif /* CAISPARSE_H */
