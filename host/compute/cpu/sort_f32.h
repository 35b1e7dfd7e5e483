/*
 * sort_f32.h -- the distinct values of a set of f32 values, with counts
 * (the input of f32 palettization).  LSD radix sort of the value-order keys
 * (elem_access.h) in three passes of 11, 11 and 10 bits.
 */
#ifndef CAIS_CPU_SORT_F32_H
#define CAIS_CPU_SORT_F32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Sorts `bits` (n finite f32 bit patterns, no zeros needed) by value and
 *  returns the d distinct values in ascending order as doubles (*x) with
 *  their multiplicities (*count); both malloc'd.  Returns false when out of
 *  memory.  -0.0 and +0.0 would be separate entries (callers pass none). */
bool cais_sort_f32_distinct(const uint32_t *bits, size_t n, double **x,
                            uint64_t **count, size_t *d);

#endif /* CAIS_CPU_SORT_F32_H */
