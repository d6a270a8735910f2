#version 450
// RoPE, half-split (NEOX) pairing: within each head of head_dim values, pair (i, i + head_dim/2) rotates by
// angle = (float(pos) * freq_scale) * inv_freq[i]. One workgroup per (row, head).
// sin/cos come from include/math.glsl (range-reduced, accurate for large angles).
// rope_store (STORE): row r goes to ring slot positions[r] % capacity of sequence sequence[r] in the KV cache
// bound as the output (runtime/ops/rope_store.h: the key rotated as it is written, without a kv_store dispatch
// after it).
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 64, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Positions { int positions[]; };
layout(std430, set = 0, binding = 2) readonly buffer InvFreq { float inv_freq[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };
#ifdef STORE
layout(std430, set = 0, binding = 4) readonly buffer Sequence { int sequence[]; };
#endif

#include "rope.push.h"

#include "grid.glsl"
#include "math.glsl"

void main() {
  const uint heads = p.cols / p.head_dim;
  const uint item = linear_group_id();
  if (item >= p.rows * heads) return;
  const uint r = item / heads;
  const uint base = r * p.cols + (item % heads) * p.head_dim;
#ifdef STORE
  const uint slot = uint(positions[r]) % p.capacity;
  const uint out_base = (slot * p.sequences + uint(sequence[r])) * p.cols + (item % heads) * p.head_dim;
#else
  const uint out_base = base;
#endif
  const uint half_dim = p.head_dim / 2u;
  const float pos = float(positions[r]) * p.freq_scale;
  for (uint i = gl_LocalInvocationID.x; i < half_dim; i += gl_WorkGroupSize.x) {
    float s, c;
    sincos_accurate(pos * inv_freq[i], s, c);
    const float a = x[base + i];
    const float b = x[base + i + half_dim];
    precise float o0 = a * c - b * s;  // precise: same rounding as the CPU (no fma)
    precise float o1 = b * c + a * s;
    out_data[out_base + i] = o0;
    out_data[out_base + i + half_dim] = o1;
  }
}
