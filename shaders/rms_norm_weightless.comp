#version 450
// RMSNorm without a weight over groups of `group` consecutive values: out = x / sqrt(mean(x^2) + eps). One
// workgroup per group; the sum of squares in fp32, reduced through shared memory.
#extension GL_GOOGLE_include_directive : require

#define WG_SIZE 64

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

#include "rms_norm.push.h"  // the same layout as rms_norm's

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float out_data[]; };

#include "grid.glsl"

shared float red[WG_SIZE];

void main() {
  const uint g = linear_group_id();
  if (g >= p.n_groups) return;  // uniform per workgroup
  const uint tid = gl_LocalInvocationID.x;
  const uint base = g * p.group;
  float sum = 0.0;
  for (uint i = tid; i < p.group; i += WG_SIZE) sum += x[base + i] * x[base + i];
  red[tid] = sum;
  barrier();
  for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) red[tid] += red[tid + stride];
    barrier();
  }
  // 1 / sqrt rather than inversesqrt: the CPU kernel's formula, better than inversesqrt's 2 ulp.
  const float r = 1.0 / sqrt(red[0] / float(p.group) + p.eps);
  for (uint i = tid; i < p.group; i += WG_SIZE) out_data[base + i] = x[base + i] * r;
}
