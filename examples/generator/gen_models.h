/*
 * gen_models.h -- the two model builders.  Each writes a complete program
 * skeleton into a gen_plan (see gen_plan.h), with sizes already resolved by
 * gen_options_resolve_sizes().
 */
#ifndef CAIS_GEN_MODELS_H
#define CAIS_GEN_MODELS_H

#include "gen_options.h"
#include "gen_plan.h"

/** Decoder-only transformer (gen_transformer.c). */
void gen_build_transformer(const gen_options *o, gen_plan *p);

/** Small conv net with a linear classifier (gen_convnet.c). */
void gen_build_convnet(const gen_options *o, gen_plan *p);

#endif /* CAIS_GEN_MODELS_H */
