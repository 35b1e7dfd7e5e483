/*
 * error.h -- filling a cais_error, the one error style of the library.
 *
 * Every fallible internal function returns cais_status and takes a
 * `cais_error *err` (which may be NULL); on failure it sets err through
 * cais_fail() and returns the same status, so call sites read
 *     if (bad) return cais_fail(err, CAIS_ERROR_INVALID_INPUT, "...", ...);
 */
#ifndef CAIS_COMMON_ERROR_H
#define CAIS_COMMON_ERROR_H

#include "caisparse.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Sets `err` (if not NULL) to `status` and the printf-formatted message;
 *  returns `status`. */
cais_status cais_fail(cais_error *err, cais_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Prefixes err->message with the printf-formatted context and ": ". */
void cais_error_prefix(cais_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Clears `err` (if not NULL) to CAIS_OK and an empty message. */
void cais_error_clear(cais_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_COMMON_ERROR_H */
