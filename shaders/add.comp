#version 450
// out = a + b, element-wise; b has n values, or b_n values repeated (a bias added to every row).
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 256, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { float b[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };

#include "add.push.h"

#include "grid.glsl"

void main() {
  const uint i = linear_group_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i < p.n) out_data[i] = a[i] + b[p.b_n == p.n ? i : i % p.b_n];
}
