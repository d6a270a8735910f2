#version 450
// out = gelu_tanh(gate) * up, element-wise.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 256, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Gate { float gate[]; };
layout(std430, set = 0, binding = 1) readonly buffer Up { float up[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };

#include "gelu_mul.push.h"

#include "grid.glsl"
#include "math.glsl"

void main() {
  const uint i = linear_group_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i < p.n) out_data[i] = gelu_tanh(gate[i]) * up[i];
}
