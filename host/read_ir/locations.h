/*
 * locations.h -- turning MLIR locations into the names users see.
 *
 * A weight is named by its location when it has a name (`loc("q.weight")`),
 * else by its position: "file:line:col" for a file location, else
 * "constant#N" with N its index among the program's coreai.constant ops.
 */
#ifndef CAIS_READ_IR_LOCATIONS_H
#define CAIS_READ_IR_LOCATIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <mlir-c/IR.h>

#ifdef __cplusplus
extern "C" {
#endif

/** If `loc` is a name location (`loc("name")` or `loc("name"(...))`), copies
 *  the name into buf and returns true. */
bool cais_location_get_name(MlirLocation loc, char *buf, size_t size);

/** If `loc` is a file location, writes "file:line:col" and returns true. */
bool cais_location_get_file_line_col(MlirLocation loc, char *buf, size_t size);

/** The user-facing name of a weight: its name, else file:line:col, else
 *  "constant#<ordinal>". */
void cais_location_describe_weight(MlirLocation loc, size_t ordinal, char *buf,
                                   size_t size);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_READ_IR_LOCATIONS_H */
