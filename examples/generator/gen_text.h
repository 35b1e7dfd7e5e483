/*
 * gen_text.h -- a growable text buffer with printf-style appends, used to
 * build the program skeleton.  An allocation failure is sticky: the buffer
 * stops growing and gen_text_failed() reports it once, at the end.
 */
#ifndef CAIS_GEN_TEXT_H
#define CAIS_GEN_TEXT_H

#include <stddef.h>

typedef struct {
  char *data;   /* NUL-terminated while not failed */
  size_t len;
  size_t cap;
  int failed;
} gen_text;

void gen_text_init(gen_text *t);
void gen_text_free(gen_text *t);
void gen_text_append(gen_text *t, const char *s);
void gen_text_appendf(gen_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int gen_text_failed(const gen_text *t);

#endif /* CAIS_GEN_TEXT_H */
