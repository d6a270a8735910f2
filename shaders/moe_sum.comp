#version 450
// out[t][h] = sum over s = 0..k-1 of routes[t][s] * y[t*k + s][h] (ops: moe_sum), one invocation per output
// value, s ascending and `precise` (no fma) as the CPU kernel: the same bits.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 256, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Y { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer Routes { float routes[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };

#include "moe_sum.push.h"

#include "grid.glsl"

void main() {
  const uint i = linear_group_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= p.n) return;
  const uint t = i / p.cols, h = i % p.cols;
  precise float acc = 0.0;
  for (uint s = 0u; s < p.k; ++s) acc += routes[t * 2u * p.k + s] * y[(t * p.k + s) * p.cols + h];
  out_data[i] = acc;
}
