/* locations.c -- see locations.h.  MLIR 19's C API cannot ask a location its
 * kind, so we read the printed form, which is stable:
 *   name:  loc("name")  or  loc("name"(<child>))
 *   file:  loc("file":line:col)
 * The quoted string may contain escapes (\" and \\ and \XX hex). */
#include "read_ir/locations.h"

#include "read_ir/mlir_print.h"

#include <stdio.h>
#include <string.h>

/* Parses the quoted string starting at s[0] == '"'; writes the unescaped
 * text to out and returns a pointer past the closing quote, or NULL. */
static const char *parse_quoted(const char *s, char *out, size_t size) {
  if (*s != '"') return NULL;
  size_t n = 0;
  for (s++; *s && *s != '"'; s++) {
    char c = *s;
    if (c == '\\' && s[1]) {
      s++;
      if (*s == '"' || *s == '\\') {
        c = *s;
      } else if (s[1]) { /* \XX hex byte */
        unsigned v;
        if (sscanf(s, "%2x", &v) == 1) {
          c = (char)v;
          s++;
        }
      }
    }
    if (n + 1 < size) out[n++] = c;
  }
  if (size) out[n < size ? n : size - 1] = '\0';
  return *s == '"' ? s + 1 : NULL;
}

bool cais_location_get_name(MlirLocation loc, char *buf, size_t size) {
  char printed[1024];
  cais_print_location(loc, printed, sizeof printed);
  if (strncmp(printed, "loc(\"", 5) != 0) return false;
  char name[512];
  const char *rest = parse_quoted(printed + 4, name, sizeof name);
  if (!rest || (*rest != ')' && *rest != '(')) return false;
  snprintf(buf, size, "%s", name);
  return true;
}

bool cais_location_get_file_line_col(MlirLocation loc, char *buf, size_t size) {
  char printed[1024];
  cais_print_location(loc, printed, sizeof printed);
  if (strncmp(printed, "loc(\"", 5) != 0) return false;
  char file[512];
  const char *rest = parse_quoted(printed + 4, file, sizeof file);
  unsigned line, col;
  if (!rest || sscanf(rest, ":%u:%u", &line, &col) != 2) return false;
  snprintf(buf, size, "%s:%u:%u", file, line, col);
  return true;
}

void cais_location_describe_weight(MlirLocation loc, size_t ordinal, char *buf,
                                   size_t size) {
  if (cais_location_get_name(loc, buf, size)) return;
  if (cais_location_get_file_line_col(loc, buf, size)) return;
  snprintf(buf, size, "constant#%zu", ordinal);
}
