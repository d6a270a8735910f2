#version 450
// Average pooling of a side x side grid of rows (row y * side + x) in k x k blocks, stride k: output row
// ty * (side / k) + tx, column c = mean of the block, summed in the CPU kernel's order. One invocation per
// output value.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 256, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float out_data[]; };

#include "avg_pool.push.h"

#include "grid.glsl"

void main() {
  const uint out_side = p.side / p.kernel;
  const uint i = linear_group_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= out_side * out_side * p.cols) return;
  const uint c = i % p.cols;
  const uint t = i / p.cols;
  const uint ty = t / out_side, tx = t % out_side;
  float s = 0.0;
  for (uint a = 0u; a < p.kernel; ++a)
    for (uint b = 0u; b < p.kernel; ++b) s += x[((p.kernel * ty + a) * p.side + p.kernel * tx + b) * p.cols + c];
  out_data[i] = s * (1.0 / float(p.kernel * p.kernel));
}
