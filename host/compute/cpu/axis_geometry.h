/*
 * axis_geometry.h -- viewing a row-major tensor as [outer, C, inner] around
 * one axis: flat index = (o * C + c) * inner + i.  Block and n:m pruning work
 * on "lines" along the axis: the C elements with one fixed (o, i), stride
 * `inner` apart.
 */
#ifndef CAIS_CPU_AXIS_GEOMETRY_H
#define CAIS_CPU_AXIS_GEOMETRY_H

#include <stddef.h>
#include <stdint.h>

#include "compute/compute_job.h"

typedef struct cais_axis_geometry {
  size_t outer; /**< product of the dimensions before the axis */
  size_t len;   /**< C, the axis' own size */
  size_t inner; /**< product of the dimensions after the axis */
} cais_axis_geometry;

/** The geometry of `w` around `axis` (0 <= axis < rank). */
static inline cais_axis_geometry cais_axis_geometry_of(const cais_tensor_view *w,
                                                       int axis) {
  cais_axis_geometry g = {1, (size_t)w->shape[axis], 1};
  for (int d = 0; d < axis; d++) g.outer *= (size_t)w->shape[d];
  for (int d = axis + 1; d < w->rank; d++) g.inner *= (size_t)w->shape[d];
  return g;
}

#endif /* CAIS_CPU_AXIS_GEOMETRY_H */
