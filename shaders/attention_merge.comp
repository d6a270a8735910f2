#version 450
// The second pass of attention split over the keys (attention.comp SPLIT_KEYS): for each item (token, query
// head) its chunks' partials (m_c: max score, l_c: sum of exp(s - m_c), o_c: output normalized by l_c) combine
// as out = sum_c w_c o_c / sum_c w_c with w_c = l_c exp(m_c - M), M = max_c m_c: the softmax over all the keys.
// An item whose chunks are all empty (a negative position: no keys) gets zeros, as attention.comp gives.
// One workgroup per item; every thread derives M and the weights' sum itself (chunks are few), then owns dims
// tid, tid + 64, ...
#extension GL_GOOGLE_include_directive : require

#define WG_SIZE 64
#define NEG_BIG (-3.0e38)

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Partials { float partials[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float out_data[]; };

#include "attention_merge.push.h"

#include "grid.glsl"

void main() {
  const uint item = linear_group_id();
  if (item >= p.items) return;  // uniform per workgroup
  const uint stride = p.head_dim + 2u;
  const uint base = item * p.chunks * stride;
  float M = NEG_BIG;
  for (uint c = 0u; c < p.chunks; ++c) M = max(M, partials[base + c * stride]);
  float L = 0.0;
  for (uint c = 0u; c < p.chunks; ++c) L += partials[base + c * stride + 1u] * exp(partials[base + c * stride] - M);
  const float inv = L > 0.0 ? 1.0 / L : 0.0;
  for (uint d = gl_LocalInvocationID.x; d < p.head_dim; d += WG_SIZE) {
    float o = 0.0;
    for (uint c = 0u; c < p.chunks; ++c) {
      const uint at = base + c * stride;
      o += partials[at + 1u] * exp(partials[at] - M) * partials[at + 2u + d];
    }
    out_data[item * p.head_dim + d] = o * inv;
  }
}
