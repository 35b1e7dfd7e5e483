/*
 * atomic_file.h -- writing an output file so that a failure never leaves a
 * partial or truncated file behind.
 *
 * Data goes to a temporary file created next to the destination (same
 * directory, so the final rename is atomic).  cais_atomic_file_commit()
 * flushes, fsyncs and renames it over the destination; any failure, or
 * cais_atomic_file_abort(), removes the temporary file and leaves the
 * destination as it was.  Temporary files still open are also removed by
 * cais_atomic_file_cleanup_all(), which is async-signal-safe and is what the
 * CLI's SIGINT/SIGTERM handler calls.
 *
 * A destination that is a symbolic link is resolved first, so the link
 * stays and its target is replaced.  A destination that exists and is not a
 * regular file (/dev/null, /dev/stdout, a FIFO) is written directly: it
 * cannot be replaced atomically, and renaming over it would replace the
 * device node itself.
 *
 * Fault injection for tests: with CAIS_FAULT_WRITE_AFTER=N in the
 * environment, writes fail with ENOSPC once N bytes are written to a file,
 * as on a full disk (docs/RELIABILITY.md).  Inert unless set.
 */
#ifndef CAIS_COMMON_ATOMIC_FILE_H
#define CAIS_COMMON_ATOMIC_FILE_H

#include <stdio.h>

#include "caisparse.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cais_atomic_file {
  FILE *stream;      /**< write here (buffered) */
  char *final_path;  /**< malloc'd */
  char *temp_path;   /**< malloc'd */
  int slot;          /**< index in the cleanup registry, or -1 */
  int write_errno;   /**< first write error seen by cais_atomic_file_write */
  int direct;        /**< writing straight to a non-regular destination */
  long long written;     /**< bytes accepted so far */
  long long fault_after; /**< CAIS_FAULT_WRITE_AFTER, or -1 */
} cais_atomic_file;

/** Creates the temporary file for `path`.  The final file gets the mode of
 *  an existing `path` (so --in-place keeps permissions), else 0666 & ~umask. */
cais_status cais_atomic_file_open(cais_atomic_file *file, const char *path,
                                  cais_error *err);

/** Appends bytes; remembers the first error for commit to report. */
void cais_atomic_file_write(cais_atomic_file *file, const void *data,
                            size_t size);

/** Flushes, fsyncs and renames into place.  On failure the temporary file is
 *  removed and the destination untouched.  Always releases `file`. */
cais_status cais_atomic_file_commit(cais_atomic_file *file, cais_error *err);

/** Removes the temporary file.  Accepts an already released `file`. */
void cais_atomic_file_abort(cais_atomic_file *file);

/** Unlinks every temporary file still open.  Async-signal-safe (for
 *  signal handlers). */
void cais_atomic_file_cleanup_all(void);

/** The same for a thread that handles termination signals with sigwait()
 *  (not a signal handler): waits until no temporary file is half-created,
 *  unlinks every one, and keeps new ones from being created.  The caller
 *  then ends the process. */
void cais_atomic_file_cleanup_all_final(void);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_COMMON_ATOMIC_FILE_H */
