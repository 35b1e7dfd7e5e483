/* parse_probe.c -- see parse_probe.h. */
#include "read_ir/parse_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/memory_limit.h"
#include "read_ir/mlir_capi_ext.h"

/* Memory the child may take beyond twice the file's size. */
#define PROBE_DATA_SLACK ((uint64_t)256 << 20)

/* CPU seconds the child may take: this, plus one per 20 MiB of file. */
#define PROBE_CPU_BASE_SECONDS 10

/* The child's exit codes (anything else: it died). */
enum { PROBE_READ_OK = 0, PROBE_READ_FAILED = 3, PROBE_FATAL = 4 };

/* What the child sends back: the reader's error, or MLIR's fatal reason. */
typedef struct probe_report {
  cais_error error;
} probe_report;

static int g_report_fd = -1;

static void write_all(int fd, const void *data, size_t size) {
  const char *p = data;
  while (size > 0) {
    ssize_t w = write(fd, p, size);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    size -= (size_t)w;
  }
}

/* In the child: MLIR gave up; pass its reason on and leave. */
static void child_fatal(void *user, const char *reason) {
  (void)user;
  probe_report r;
  memset(&r, 0, sizeof r);
  r.error.status = CAIS_ERROR_INVALID_INPUT;
  snprintf(r.error.message, sizeof r.error.message, "%s", reason ? reason : "");
  write_all(g_report_fd, &r, sizeof r);
  _exit(PROBE_FATAL);
}

/* The child must die quietly and must not touch the parent's files: no
 * inherited cleanup handlers, no core dump, MLIR's stderr trail muted, and
 * no more memory than a sane reading of `file_size` bytes needs (a corrupt
 * count makes MLIR allocate gigabytes). */
static void child_setup(uint64_t file_size) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) signal(sigs[i], SIG_DFL);
  sigset_t unblocked; /* the CLI blocks some in every thread (cli/main.c) */
  sigemptyset(&unblocked);
  sigprocmask(SIG_SETMASK, &unblocked, NULL);
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) {
    dup2(devnull, STDERR_FILENO);
    close(devnull);
  }
  /* RLIMIT_DATA (private writable memory) rather than RLIMIT_AS: it also
   * works under AddressSanitizer, which reserves terabytes of address
   * space, and does not count the read-only mapping of the file. */
  struct rlimit data;
  if (getrlimit(RLIMIT_DATA, &data) == 0) {
    unsigned long long vm_kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    while (f && fgets(line, sizeof line, f))
      if (sscanf(line, "VmData: %llu kB", &vm_kb) == 1) break;
    if (f) fclose(f);
    rlim_t cap = (rlim_t)(vm_kb * 1024 + 2 * file_size + PROBE_DATA_SLACK);
    if (vm_kb && (data.rlim_cur == RLIM_INFINITY || cap < data.rlim_cur)) {
      data.rlim_cur = cap;
      setrlimit(RLIMIT_DATA, &data);
    }
  }
  /* A corrupt count can also send the reader into a loop for hours.  A
   * sane reading takes well under a second per 100 MB. */
  rlim_t seconds = (rlim_t)(PROBE_CPU_BASE_SECONDS + file_size / (20u << 20));
  struct rlimit cpu = {seconds, seconds + 5};
  setrlimit(RLIMIT_CPU, &cpu);
  caisMlirInstallFatalErrorHandler(child_fatal, NULL);
}

static void discard(MlirStringRef text, void *user) { (void)text, (void)user; }

static void describe_death(int status, char *buf, size_t size) {
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
    snprintf(buf, size, "it did not finish within its CPU time limit");
  else if (WIFSIGNALED(status))
    snprintf(buf, size, "it crashed with signal %d, %s", WTERMSIG(status),
             strsignal(WTERMSIG(status)));
  else
    snprintf(buf, size, "it stopped with exit status %d",
             WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Reads `path` (or, when it is NULL, the `size` bytes at `data`) in a
 * child; `size` is the file's size either way. */
static cais_status probe(const char *path, const void *data, size_t size,
                         const char *name, cais_error *err) {
  int fds[2];
  if (pipe(fds) != 0) return CAIS_OK; /* cannot probe: read as before */
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return CAIS_OK;
  }
  if (pid == 0) {
    close(fds[0]);
    g_report_fd = fds[1];
    child_setup(size);
    cais_program *program = NULL;
    probe_report r;
    memset(&r, 0, sizeof r);
    cais_status st = path ? cais_program_read_file(path, &program, &r.error)
                          : cais_program_read_memory(data, size, name, &program,
                                                     &r.error);
    if (st == CAIS_OK) {
      /* The bytecode reader keeps its own stack of regions, but the printer
       * and the walkers recurse: print once here, so IR too deep for them
       * also dies in the child.  Dense weights are elided, and the module's
       * ops are printed one by one: only the module itself would print the
       * resource blobs (as hex, twice their size). */
      MlirOpPrintingFlags flags = mlirOpPrintingFlagsCreate();
      mlirOpPrintingFlagsElideLargeElementsAttrs(flags, 16);
      mlirOpPrintingFlagsPrintGenericOpForm(flags);
      mlirOpPrintingFlagsAssumeVerified(flags);
      MlirBlock body = mlirModuleGetBody(cais_program_module(program));
      for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
           op = mlirOperationGetNextInBlock(op))
        mlirOperationPrintWithFlags(op, flags, discard, NULL);
      _exit(PROBE_READ_OK); /* no need to free: exiting */
    }
    write_all(fds[1], &r, sizeof r);
    _exit(PROBE_READ_FAILED);
  }
  close(fds[1]);
  probe_report r;
  size_t got = 0;
  while (got < sizeof r) {
    ssize_t n = read(fds[0], (char *)&r + got, sizeof r - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  bool complete = got == sizeof r;
  if (complete) r.error.message[sizeof r.error.message - 1] = '\0';
  if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_READ_OK) return CAIS_OK;
  if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_READ_FAILED && complete)
    return cais_fail(err, r.error.status, "%s", r.error.message);
  if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_FATAL && complete) {
    /* Out of memory is the file's fault only if this process had room for
     * the child's own cap; otherwise the limits are too tight. */
    cais_memory_headroom room = cais_memory_headroom_now(false);
    bool alloc = strstr(r.error.message, "memory") || strstr(r.error.message, "Allocation");
    if (alloc && room.bytes < 2 * (uint64_t)size + PROBE_DATA_SLACK) {
      char room_text[32];
      cais_format_bytes(room.bytes, room_text, sizeof room_text);
      return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY,
                       "%s: not enough memory to read this bytecode program (only %s "
                       "is available, %s)",
                       name, room_text, room.limited_by);
    }
    return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                     "%s: corrupt MLIR bytecode: MLIR's reader gave up on it (%s)",
                     name, r.error.message);
  }
  char what[128];
  describe_death(status, what, sizeof what);
  return cais_fail(err, CAIS_ERROR_INVALID_INPUT,
                   "%s: corrupt MLIR bytecode: MLIR's reader cannot read it (%s)",
                   name, what);
}

cais_status cais_program_probe_file(const char *path, cais_error *err) {
  unsigned char head[4];
  FILE *f = fopen(path, "rb");
  if (!f) return CAIS_OK; /* the real read reports it */
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  if (!caisMlirIsBytecode(head, n)) return CAIS_OK;
  struct stat st;
  size_t size = stat(path, &st) == 0 ? (size_t)st.st_size : 0;
  return probe(path, NULL, size, path, err);
}

cais_status cais_program_probe_memory(const void *data, size_t size,
                                      const char *source_name, cais_error *err) {
  if (!caisMlirIsBytecode(data, size)) return CAIS_OK;
  return probe(NULL, data, size, source_name ? source_name : "<memory>", err);
}
