/*
 * nesting_check.h -- refusing MLIR text nested too deeply to parse.
 *
 * MLIR's text parser, printer and walkers recurse once per level of
 * nesting (regions, arrays, dictionaries, types): 5,000 nested regions or
 * 10,000 nested `[` overflow an 8 MiB stack and kill the process (SIGSEGV;
 * a 400 KB file does it, docs/RELIABILITY.md).  Core AI programs nest a
 * handful of levels, so text deeper than CAIS_MAX_NESTING is refused before
 * MLIR sees it, naming the line and column.  One pass over the text; quoted
 * strings (the weights' hex) are skipped with memchr.
 */
#ifndef CAIS_READ_IR_NESTING_CHECK_H
#define CAIS_READ_IR_NESTING_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The deepest nesting of (), [], {} and <> accepted in MLIR text. */
#define CAIS_MAX_NESTING 512

/** True when `text` nests at most `limit` levels; otherwise false, with the
 *  1-based line and column of the first bracket past the limit. */
bool cais_text_nesting_ok(const char *text, size_t size, int limit,
                          unsigned *line, unsigned *column);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_READ_IR_NESTING_CHECK_H */
