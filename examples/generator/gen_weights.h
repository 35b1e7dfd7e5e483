/*
 * gen_weights.h -- deterministic pseudo-random weight values.
 *
 * Every element is a pure function of (seed, weight name, flat index): a
 * counter-based hash, so the bytes do not depend on the thread count or on
 * which other weights the program holds.  See gen_weights.c for the
 * distribution.
 */
#ifndef CAIS_GEN_WEIGHTS_H
#define CAIS_GEN_WEIGHTS_H

#include <stdint.h>

#include "gen_plan.h"

/** Allocates and fills the data buffer of every weight of the plan, with
 *  `threads` worker threads (0: one per online CPU).  Returns 0, or -1 when
 *  memory runs out (buffers allocated so far stay with the plan). */
int gen_weights_fill(gen_plan *p, uint64_t seed, int threads);

#endif /* CAIS_GEN_WEIGHTS_H */
