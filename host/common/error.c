/* error.c -- see error.h. */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

cais_status cais_fail(cais_error *err, cais_status status, const char *fmt,
                      ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->status = status;
  }
  return status;
}

void cais_error_prefix(cais_error *err, const char *fmt, ...) {
  if (!err) return;
  char prefix[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  /* Long messages are cut at the buffer's end; the prefix comes first. */
  char joined[sizeof prefix + sizeof err->message + 2];
  snprintf(joined, sizeof joined, "%s: %s", prefix, err->message);
  memcpy(err->message, joined, sizeof err->message - 1);
  err->message[sizeof err->message - 1] = '\0';
}

void cais_error_clear(cais_error *err) {
  if (!err) return;
  err->status = CAIS_OK;
  err->message[0] = '\0';
}

const char *cais_status_name(cais_status status) {
  switch (status) {
    case CAIS_OK: return "ok";
    case CAIS_ERROR_INVALID_OPTIONS: return "invalid-options";
    case CAIS_ERROR_INVALID_INPUT: return "invalid-input";
    case CAIS_ERROR_IO: return "io";
    case CAIS_ERROR_OUT_OF_MEMORY: return "out-of-memory";
    case CAIS_ERROR_DEVICE: return "device";
    case CAIS_ERROR_CANCELLED: return "cancelled";
    case CAIS_ERROR_INTERNAL: return "internal";
  }
  return "unknown";
}
