/*
 * test_verify_support.h -- helpers shared by the --inspect / --verify
 * suites (tests/ir/test_inspect*.c, tests/ir/test_verify*.c): reading the
 * spec examples, editing program text, parsing it, and running inspect and
 * verify into a string.
 */
#ifndef CAIS_TEST_VERIFY_SUPPORT_H
#define CAIS_TEST_VERIFY_SUPPORT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caisparse.h"
#include "inspect/inspect.h"
#include "test_support.h"

/* A spec example's text (malloc'd), or NULL. */
static inline char *tv_read_example(const char *file) {
  char path[1024];
  snprintf(path, sizeof path, "%s/spec_examples/%s", CAIS_TEST_DATA_DIR, file);
  return cais_test_read_file(path, NULL);
}

static inline char *tv_read_data(const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", CAIS_TEST_DATA_DIR, rel);
  return cais_test_read_file(path, NULL);
}

/* `text` with the first occurrence of `from` replaced by `to` (malloc'd);
 * NULL when `from` does not occur. */
static inline char *tv_replace(const char *text, const char *from, const char *to) {
  const char *at = strstr(text, from);
  if (!at) return NULL;
  size_t head = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
  size_t tail = strlen(at + fl);
  char *out = malloc(head + tl + tail + 1);
  memcpy(out, text, head);
  memcpy(out + head, to, tl);
  memcpy(out + head + tl, at + fl, tail + 1);
  return out;
}

/* Parses `text`; fails the test when it does not parse. */
static inline cais_program *tv_parse(const char *text, const char *name) {
  cais_program *p = NULL;
  cais_error err;
  if (cais_program_read_memory(text, strlen(text), name, &p, &err) != CAIS_OK) {
    fprintf(stderr, "parse of %s failed: %s\n", name, err.message);
    return NULL;
  }
  return p;
}

/* A growable string. */
typedef struct tv_buf {
  char *data;
  size_t len, cap;
} tv_buf;

static inline void tv_printf(tv_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (b->len + (size_t)n + 1 > b->cap) {
    b->cap = (b->len + (size_t)n + 1) * 2;
    b->data = realloc(b->data, b->cap);
  }
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

/* Runs cais_verify_programs on two texts.  Returns the status; the summary
 * and the printed output (malloc'd, in *output when not NULL). */
static inline cais_status tv_verify(const char *original, const char *compressed,
                                    const cais_options *options,
                                    cais_verify_summary *summary, char **output) {
  cais_program *a = tv_parse(original, "original.mlir");
  cais_program *b = tv_parse(compressed, "compressed.mlir");
  if (!a || !b) {
    cais_program_destroy(a);
    cais_program_destroy(b);
    return CAIS_ERROR_INVALID_INPUT;
  }
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  cais_error err;
  cais_status st = cais_verify_programs(a, b, options, out, summary, &err);
  fclose(out);
  if (st != CAIS_OK) fprintf(stderr, "verify failed: %s\n", err.message);
  if (getenv("CAIS_TEST_VERBOSE")) fputs(text, stderr);
  if (output)
    *output = text;
  else
    free(text);
  cais_program_destroy(a);
  cais_program_destroy(b);
  return st;
}

/* Runs cais_inspect_program on a text; output and error as tv_verify. */
static inline cais_status tv_inspect(const char *text, char **output, cais_error *err) {
  cais_program *p = tv_parse(text, "program.mlir");
  if (!p) return CAIS_ERROR_INVALID_INPUT;
  char *buf = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&buf, &size);
  cais_status st = cais_inspect_program(p, out, err);
  fclose(out);
  if (getenv("CAIS_TEST_VERBOSE")) {
    fputs(buf, stderr);
    if (st != CAIS_OK) fprintf(stderr, "error: %s\n", err->message);
  }
  if (output)
    *output = buf;
  else
    free(buf);
  cais_program_destroy(p);
  return st;
}

#endif /* CAIS_TEST_VERIFY_SUPPORT_H */
