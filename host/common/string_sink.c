/* string_sink.c -- see string_sink.h. */
#include "common/string_sink.h"

#include <stdlib.h>
#include <string.h>

void cais_string_sink_append(MlirStringRef chunk, void *user) {
  cais_string_sink *s = user;
  if (s->failed) return;
  if (s->size + chunk.length + 1 > s->capacity) {
    size_t cap = s->capacity ? s->capacity : 256;
    while (cap < s->size + chunk.length + 1) cap *= 2;
    char *grown = realloc(s->data, cap);
    if (!grown) {
      s->failed = true;
      return;
    }
    s->data = grown;
    s->capacity = cap;
  }
  if (chunk.length) memcpy(s->data + s->size, chunk.data, chunk.length);
  s->size += chunk.length;
  s->data[s->size] = '\0';
}
