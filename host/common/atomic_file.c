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

/* Held while a temporary file is created and registered, so a thread that
 * cleans up for a termination signal never sees one half-way. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

void cais_atomic_file_cleanup_all(void) {
  for (int i = 0; i < CAIS_MAX_OPEN_TEMPS; i++) {
    char *path = atomic_exchange(&open_temps[i], NULL);
    if (path) unlink(path);
  }
}

void cais_atomic_file_cleanup_all_final(void) {
  pthread_mutex_lock(&registry_lock); /* never released: the process ends */
  cais_atomic_file_cleanup_all();
}

static void release(cais_atomic_file *file) {
  registry_remove(file->slot);
  file->slot = -1;
  free(file->final_path);
  free(file->temp_path);
  file->final_path = file->temp_path = NULL;
  file->stream = NULL;
}

/* A destination that exists and is not a regular file is written in
 * place (see atomic_file.h). */
static cais_status open_direct(cais_atomic_file *file, const char *path,
                               cais_error *err) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || !(file->stream = fdopen(fd, "wb"))) {
    int e = errno;
    if (fd >= 0) close(fd);
    release(file);
    return cais_fail(err, CAIS_ERROR_IO, "%s: cannot open output file: %s", path,
                     strerror(e));
  }
  file->direct = 1;
  return CAIS_OK;
}

cais_status cais_atomic_file_open(cais_atomic_file *file, const char *path,
                                  cais_error *err) {
  memset(file, 0, sizeof *file);
  file->slot = -1;
  const char *fault = getenv("CAIS_FAULT_WRITE_AFTER");
  file->fault_after = fault && *fault ? atoll(fault) : -1;

  struct stat dest;
  if (stat(path, &dest) == 0 && S_ISDIR(dest.st_mode))
    return cais_fail(err, CAIS_ERROR_IO, "%s: cannot write output: is a directory",
                     path);
  if (stat(path, &dest) == 0 && !S_ISREG(dest.st_mode)) {
    file->final_path = strdup(path);
    return open_direct(file, path, err);
  }
  /* Replace a symlink's target, not the link. */
  char *resolved = NULL;
  struct stat link;
  if (lstat(path, &link) == 0 && S_ISLNK(link.st_mode)) resolved = realpath(path, NULL);
  file->final_path = strdup(resolved ? resolved : path);
  free(resolved);
  char *dir_copy = file->final_path ? strdup(file->final_path) : NULL;
  if (!dir_copy) {
    release(file);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
  }
  /* Messages keep naming `path` as the caller gave it (it outlives us);
   * the work is done on the resolved file->final_path. */
  const char *target = file->final_path;
  const char *dir = dirname(dir_copy);
  const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
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
   * an interrupt cannot leave it behind (a handler in this thread), and hold
   * the lock against cais_atomic_file_cleanup_all_final (another thread). */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pthread_mutex_lock(&registry_lock);
  int fd = mkstemp(file->temp_path);
  if (fd >= 0) file->slot = registry_add(file->temp_path);
  pthread_mutex_unlock(&registry_lock);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (fd < 0) {
    int e = errno;
    release(file);
    return cais_fail(err, CAIS_ERROR_IO, "%s: cannot create output file: %s",
                     path, strerror(e));
  }

  struct stat st;
  mode_t mode;
  if (stat(target, &st) == 0) {
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
  if (file->fault_after >= 0 && file->written + (long long)size > file->fault_after) {
    size = (size_t)(file->fault_after - file->written); /* what still "fits" */
    file->write_errno = ENOSPC;
  }
  if (size && fwrite(data, 1, size, file->stream) != size && !file->write_errno)
    file->write_errno = errno ? errno : EIO;
  file->written += (long long)size;
}

/* After the rename: make the new directory entry durable too (best
 * effort; some file systems cannot fsync a directory). */
static void sync_directory(const char *path) {
  char *copy = strdup(path);
  if (!copy) return;
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(copy);
}

cais_status cais_atomic_file_commit(cais_atomic_file *file, cais_error *err) {
  if (!file->stream) {
    release(file);
    return cais_fail(err, CAIS_ERROR_INTERNAL, "output file is not open");
  }
  int e = file->write_errno;
  if (!e && fflush(file->stream) != 0) e = errno;
  /* Devices and pipes cannot be synced (EINVAL); that is no failure. */
  if (!e && fsync(fileno(file->stream)) != 0 && !(file->direct && errno == EINVAL))
    e = errno;
  if (fclose(file->stream) != 0 && !e) e = errno;
  file->stream = NULL;
  if (file->direct) {
    cais_status st = e ? cais_fail(err, CAIS_ERROR_IO, "%s: cannot write output: %s",
                                   file->final_path, strerror(e))
                       : CAIS_OK;
    release(file);
    return st;
  }
  if (!e && rename(file->temp_path, file->final_path) != 0) e = errno;
  if (!e) sync_directory(file->final_path);
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
  if (file->temp_path && !file->direct) unlink(file->temp_path);
  release(file);
}
