/*
 * test_modes.h -- the pruning modes and joint compressions the end-to-end
 * suites sweep (every joint compression of spec section 5), and turning a
 * (mode, joint) pair into cais_options.
 */
#ifndef CAIS_TEST_MODES_H
#define CAIS_TEST_MODES_H

#include <stddef.h>
#include <stdint.h>

#include "caisparse.h"

typedef struct cais_test_mode {
  const char *name;
  double target;  /**< target_sparsity; < 0: unset (n:m) */
  int64_t block;  /**< block_size; 0: none */
  double nm[2];   /**< (n, m); m == 0: none */
} cais_test_mode;

typedef struct cais_test_joint {
  const char *name;
  cais_quantize_dtype quantize;
  int nbits;      /**< palettize_nbits; 0: none */
} cais_test_joint;

/** none, int8, uint8, fp8_e4m3fn, fp8_e5m2, palettize 1, 2, 3, 4, 6, 8. */
extern const cais_test_joint cais_test_joints[];
extern const size_t cais_test_joint_count;

/** Options for `mode` + `joint` with the given weight_num_threshold.  The
 *  options point into `mode` (n_m_ratio), which must outlive them. */
void cais_test_options_for(const cais_test_mode *mode, const cais_test_joint *joint,
                           int64_t weight_num_threshold, cais_options *options);

#endif /* CAIS_TEST_MODES_H */
