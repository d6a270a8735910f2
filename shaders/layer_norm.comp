#version 450
// LayerNorm of each row: out = (x - mean) / sqrt(var + eps) * w + b, biased variance, two passes (mean,
// then the sum of squared deviations) like the CPU kernel. One workgroup per row; fp32 shared-memory sums.
#extension GL_GOOGLE_include_directive : require

#define WG_SIZE 128

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer W { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { float b[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };

#include "layer_norm.push.h"

#include "grid.glsl"

shared float red[WG_SIZE];

float reduce_sum(float v, uint tid) {
  red[tid] = v;
  barrier();
  for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) red[tid] += red[tid + stride];
    barrier();
  }
  const float total = red[0];
  barrier();  // red is reused by the next reduction
  return total;
}

void main() {
  const uint r = linear_group_id();
  if (r >= p.rows) return;  // uniform per workgroup
  const uint tid = gl_LocalInvocationID.x;
  const uint base = r * p.cols;
  float s = 0.0;
  for (uint i = tid; i < p.cols; i += WG_SIZE) s += x[base + i];
  const float mean = reduce_sum(s, tid) / float(p.cols);
  float v = 0.0;
  for (uint i = tid; i < p.cols; i += WG_SIZE) {
    const float d = x[base + i] - mean;
    v += d * d;
  }
  const float r_std = 1.0 / sqrt(reduce_sum(v, tid) / float(p.cols) + p.eps);
  for (uint i = tid; i < p.cols; i += WG_SIZE) out_data[base + i] = (x[base + i] - mean) * r_std * w[i] + b[i];
}
