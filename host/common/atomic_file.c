/* atomic_file.c -- see atomic_file.h. */
#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

/* Registry of temporary paths for the signal handler: fixed slots holding
 * pointers published with atomics, so the handler never races a half-built
 * entry and never allocates. */
#define CAIS_MAX_OPEN_TEMPS 16
static _Atomic(char *) open_temps[CAIS_MAX_OPEN_TEMPS];

static int registry_add(char *path) {
  for (int i = 0; i < CAIS_MAX_OPEN_TEMPS; i++) {
    char *expected = NULL;
    if (atomic_compare_exchange_strong(&open_temps[i], &expected, path)) return i;
  }
  return -1;
}

static void registry_remove(int slot) {
  if (slot >= 0) atomic_store(&open_temps[slot], NULL);
}

void cais_atomic_file_cleanup_all(void) {
  for (int i = 0; i < CAIS_MAX_OPEN_TEMPS; i++) {
    char *path = atomic_exchange(&open_temps[i], NULL);
    if (path) unlink(path);
  }
}

static void release(cais_atomic_file *file) {
  registry_remove(file->slot);
  file->slot = -1;
  free(file->final_path);
  free(file->temp_path);
  file->final_path = file->temp_path = NULL;
  file->stream = NULL;
}

cais_status cais_atomic_file_open(cais_atomic_file *file, const char *path,
                                  cais_error *err) {
  memset(file, 0, sizeof *file);
  file->slot = -1;
  file->final_path = strdup(path);
  char *dir_copy = strdup(path);
  if (!file->final_path || !dir_copy) {
    free(dir_copy);
    release(file);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
  }
  const char *dir = dirname(dir_copy);
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  size_t len = strlen(dir) + strlen(base) + 32;
  file->temp_path = malloc(len);
  if (!file->temp_path) {
    free(dir_copy);
    release(file);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
  }
  snprintf(file->temp_path, len, "%s/.%s.tmp-XXXXXX", dir, base);
  free(dir_copy);

  /* Block signals while the temp file exists but is not yet registered, so
   * an interrupt cannot leave it behind. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int fd = mkstemp(file->temp_path);
  if (fd >= 0) file->slot = registry_add(file->temp_path);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (fd < 0) {
    int e = errno;
    release(file);
    return cais_fail(err, CAIS_ERROR_IO, "%s: cannot create output file: %s",
                     path, strerror(e));
  }

  struct stat st;
  mode_t mode;
  if (stat(path, &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    mode_t mask = umask(0);
    umask(mask);
    mode = 0666 & ~mask;
  }
  if (fchmod(fd, mode) != 0) { /* keep mkstemp's 0600: still correct data */
  }
  file->stream = fdopen(fd, "wb");
  if (!file->stream) {
    int e = errno;
    close(fd);
    unlink(file->temp_path);
    release(file);
    return cais_fail(err, CAIS_ERROR_IO, "%s: cannot open output file: %s",
                     path, strerror(e));
  }
  setvbuf(file->stream, NULL, _IOFBF, 1 << 20);
  return CAIS_OK;
}

void cais_atomic_file_write(cais_atomic_file *file, const void *data,
                            size_t size) {
  if (!file->stream || file->write_errno || size == 0) return;
  if (fwrite(data, 1, size, file->stream) != size)
    file->write_errno = errno ? errno : EIO;
}

cais_status cais_atomic_file_commit(cais_atomic_file *file, cais_error *err) {
  if (!file->stream) {
    release(file);
    return cais_fail(err, CAIS_ERROR_INTERNAL, "output file is not open");
  }
  int e = file->write_errno;
  if (!e && fflush(file->stream) != 0) e = errno;
  if (!e && fsync(fileno(file->stream)) != 0) e = errno;
  if (fclose(file->stream) != 0 && !e) e = errno;
  file->stream = NULL;
  if (!e && rename(file->temp_path, file->final_path) != 0) e = errno;
  if (e) {
    unlink(file->temp_path);
    cais_status st = cais_fail(err, CAIS_ERROR_IO, "%s: cannot write output: %s",
                               file->final_path, strerror(e));
    release(file);
    return st;
  }
  release(file);
  return CAIS_OK;
}

void cais_atomic_file_abort(cais_atomic_file *file) {
  if (file->stream) {
    fclose(file->stream);
    file->stream = NULL;
  }
  if (file->temp_path) unlink(file->temp_path);
  release(file);
}
