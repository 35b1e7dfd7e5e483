/*
 * gen_text.c -- growable text buffer (see gen_text.h).
 */
#include "gen_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gen_text_init(gen_text *t) { memset(t, 0, sizeof *t); }

void gen_text_free(gen_text *t) {
  free(t->data);
  memset(t, 0, sizeof *t);
}

/* Makes room for `extra` more bytes plus the NUL. */
static int reserve(gen_text *t, size_t extra) {
  if (t->failed) return 0;
  if (t->len + extra + 1 <= t->cap) return 1;
  size_t cap = t->cap ? t->cap : 4096;
  while (cap < t->len + extra + 1) cap *= 2;
  char *d = realloc(t->data, cap);
  if (!d) {
    t->failed = 1;
    return 0;
  }
  t->data = d;
  t->cap = cap;
  return 1;
}

void gen_text_append(gen_text *t, const char *s) {
  size_t n = strlen(s);
  if (!reserve(t, n)) return;
  memcpy(t->data + t->len, s, n + 1);
  t->len += n;
}

void gen_text_appendf(gen_text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    t->failed = 1;
    return;
  }
  if (!reserve(t, (size_t)n)) return;
  if ((size_t)n < sizeof small) {
    memcpy(t->data + t->len, small, (size_t)n + 1);
  } else {
    va_start(ap, fmt);
    vsnprintf(t->data + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  t->len += (size_t)n;
}

int gen_text_failed(const gen_text *t) { return t->failed; }
