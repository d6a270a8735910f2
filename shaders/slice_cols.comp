#version 450
// out[r, c] = x[r, offset + c] for c < width (ops: slice_cols).
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 256, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float out_data[]; };

#include "slice_cols.push.h"

#include "grid.glsl"

void main() {
  const uint i = linear_group_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i < p.n) out_data[i] = x[(i / p.width) * p.cols + p.offset + i % p.width];
}
