/*
 * options.h -- validating cais_options (spec section 6) and resolving them
 * into the compute parameters every job shares.
 */
#ifndef CAIS_ENGINE_OPTIONS_H
#define CAIS_ENGINE_OPTIONS_H

#include "caisparse.h"
#include "compute/compute_job.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Validates `options` and fills `params`.  Messages carry the upstream
 *  wording (for example "`block_size` must be greater than 1"). */
cais_status cais_options_resolve(const cais_options *options,
                                 cais_compress_params *params, cais_error *err);

/** "magnitude", "block" or "n:m". */
const char *cais_prune_mode_name(cais_prune_mode mode);

/** "none", "int8", "uint8", "fp8_e4m3fn", "fp8_e5m2" or "palettizeK" into
 *  buf (K = nbits). */
void cais_joint_mode_describe(cais_joint_mode joint, int nbits, char *buf,
                              size_t size);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_ENGINE_OPTIONS_H */
