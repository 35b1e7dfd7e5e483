/* nesting_check.c -- see nesting_check.h.  Counting is approximate on
 * purpose, erring towards "not deep": `->`, `>=` and `<=` are not brackets,
 * a stray closer only lowers the count (never below zero). */
#include "read_ir/nesting_check.h"

#include <string.h>

static void position_of(const char *text, size_t offset, unsigned *line,
                        unsigned *column) {
  unsigned l = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; i++)
    if (text[i] == '\n') {
      l++;
      line_start = i + 1;
    }
  *line = l;
  *column = (unsigned)(offset - line_start + 1);
}

bool cais_text_nesting_ok(const char *text, size_t size, int limit,
                          unsigned *line, unsigned *column) {
  int depth = 0;
  for (size_t i = 0; i < size; i++) {
    char c = text[i];
    switch (c) {
      case '"': { /* a string: skip to the closing quote, past escapes */
        for (i++; i < size; i++) {
          const char *q = memchr(text + i, '"', size - i);
          if (!q) return true;
          size_t k = (size_t)(q - text), backslashes = 0;
          while (k - backslashes > i && text[k - 1 - backslashes] == '\\') backslashes++;
          i = (size_t)(q - text);
          if (backslashes % 2 == 0) break;
        }
        break;
      }
      case '/': /* a comment runs to the end of the line */
        if (i + 1 < size && text[i + 1] == '/') {
          const char *nl = memchr(text + i, '\n', size - i);
          if (!nl) return true;
          i = (size_t)(nl - text);
        }
        break;
      case '<':
        if (i + 1 < size && text[i + 1] == '=') break;
        /* fall through */
      case '(':
      case '[':
      case '{':
        if (++depth > limit) {
          position_of(text, i, line, column);
          return false;
        }
        break;
      case '>':
        if ((i > 0 && text[i - 1] == '-') || (i + 1 < size && text[i + 1] == '='))
          break;
        /* fall through */
      case ')':
      case ']':
      case '}':
        if (depth > 0) depth--;
        break;
      default:
        break;
    }
  }
  return true;
}
