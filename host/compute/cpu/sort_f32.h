/*
 * sort_f32.h -- the distinct values of a set of f32 values, with counts
 * (the input of f32 palettization).  LSD radix sort of the value-order keys
 * (elem_access.h) in three passes of 11, 11 and 10 bits.
 *
 * The in-place form is the one the CPU path uses: it needs one scratch
 * array of n words next to the input (8 bytes per value at the peak), and
 * hands back 4-byte distinct patterns and 4-byte counts, so a large f32
 * weight's palettization holds about a tenth of what doubles and 64-bit
 * counts with full prefix sums would.
 */
#ifndef CAIS_CPU_SORT_F32_H
#define CAIS_CPU_SORT_F32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Sorts `bits` (n finite f32 bit patterns, n < 2^32) by value IN PLACE and
 *  compacts them: on return bits[0..*d) are the d distinct patterns in
 *  ascending value order and *count (malloc'd, d entries) their
 *  multiplicities.  The rest of `bits` is unspecified.  Returns false when
 *  out of memory or n >= 2^32 (`bits` unspecified then too).  -0.0 and +0.0
 *  would be separate entries (callers pass none). */
bool cais_sort_f32_distinct_inplace(uint32_t *bits, size_t n, uint32_t **count,
                                    size_t *d);

/** The same on a copy of `bits`, as doubles (*x) and 64-bit counts
 *  (*count), both malloc'd, for callers of the double form of kmeans1d.h
 *  (tests; the engine's CPU and OpenCL paths use the in-place form).
 *  Returns false when out of memory. */
bool cais_sort_f32_distinct(const uint32_t *bits, size_t n, double **x,
                            uint64_t **count, size_t *d);

#endif /* CAIS_CPU_SORT_F32_H */
