/* test_modes.c -- see test_modes.h. */
#include "test_modes.h"

const cais_test_joint cais_test_joints[] = {
    {"none", CAIS_QUANTIZE_NONE, 0},         {"int8", CAIS_QUANTIZE_INT8, 0},
    {"uint8", CAIS_QUANTIZE_UINT8, 0},       {"fp8_e4m3fn", CAIS_QUANTIZE_FP8_E4M3FN, 0},
    {"fp8_e5m2", CAIS_QUANTIZE_FP8_E5M2, 0}, {"pal1", CAIS_QUANTIZE_NONE, 1},
    {"pal2", CAIS_QUANTIZE_NONE, 2},         {"pal3", CAIS_QUANTIZE_NONE, 3},
    {"pal4", CAIS_QUANTIZE_NONE, 4},         {"pal6", CAIS_QUANTIZE_NONE, 6},
    {"pal8", CAIS_QUANTIZE_NONE, 8},
};
const size_t cais_test_joint_count = sizeof cais_test_joints / sizeof *cais_test_joints;

void cais_test_options_for(const cais_test_mode *m, const cais_test_joint *j,
                           int64_t weight_num_threshold, cais_options *o) {
  cais_options_init(o);
  o->target_sparsity_set = m->target >= 0;
  o->target_sparsity = m->target;
  o->block_size = m->block;
  if (m->nm[1] > 0) {
    o->n_m_ratio = m->nm;
    o->n_m_ratio_len = 2;
  }
  o->quantize_dtype = j->quantize;
  o->palettize_nbits = j->nbits;
  o->weight_num_threshold = weight_num_threshold;
}
