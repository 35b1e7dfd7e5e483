/* structured_shape.c -- see structured_shape.h. */
#include "compute/cpu/structured_shape.h"

#include <inttypes.h>
#include <stdio.h>

bool cais_cpu_structured_unusable(const cais_tensor_view *w, int axis, int64_t group,
                                  const cais_structured_words *words, char *msg,
                                  size_t msg_size) {
  if (w->rank < 2) {
    snprintf(msg, msg_size,
             "%s needs a weight of rank >= 2 (this one has rank %d); left uncompressed",
             words->mode, w->rank);
    return true;
  }
  if (axis < 0 || axis >= w->rank) {
    snprintf(msg, msg_size, "invalid channel axis %d for a rank-%d weight; left uncompressed",
             axis, w->rank);
    return true;
  }
  int64_t channels = w->shape[axis];
  if (group > channels || 2 * group > channels) { /* group > C/2, overflow-safe */
    snprintf(msg, msg_size,
             "%s %" PRId64 " is more than half of the %" PRId64
             " %s channels (axis %d); left uncompressed",
             words->group, group, channels, words->channels, axis);
    return true;
  }
  return false;
}
