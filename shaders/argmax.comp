#version 450
// out[r] = index of the largest value of row r of x (the first one on ties), as a float: exact for
// indices below 2^24, far above any vocabulary. Lets a greedy decode step read back 4 bytes, not the
// logits. One workgroup per row: each thread scans a strided slice, then a shared-memory reduction.
// argmax_texel (TEXEL, CPU devices, columns a multiple of 4): the row read as 4-value texels, as top_k.comp
// does (2.8 -> 0.7 ms per call on a 262144-logit row on lavapipe).
#extension GL_GOOGLE_include_directive : require

#define WG_SIZE 256
layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

#ifdef TEXEL
layout(set = 0, binding = 0) uniform usamplerBuffer x_texels;  // uint texels: the views' one format
#define UNIT 4u
vec4 unit_at(uint base, uint u) { return uintBitsToFloat(texelFetch(x_texels, int((base >> 2) + u))); }
#else
layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
#define UNIT 1u
vec4 unit_at(uint base, uint u) { return vec4(x[base + u], 0.0, 0.0, 0.0); }
#endif
layout(std430, set = 0, binding = 1) writeonly buffer Out { float out_data[]; };

#include "argmax.push.h"

#include "grid.glsl"

shared float best_value[WG_SIZE];
shared uint best_index[WG_SIZE];

void main() {
  const uint row = linear_group_id();
  if (row >= p.rows) return;  // uniform per workgroup
  const uint tid = gl_LocalInvocationID.x;
  const uint base = row * p.cols;
  float v = -1.0 / 0.0;
  uint idx = 0xFFFFFFFFu;
  for (uint u = tid; u < p.cols / UNIT; u += WG_SIZE) {
    const vec4 values = unit_at(base, u);
    for (uint j = 0u; j < UNIT; ++j) {
      if (values[j] > v || idx == 0xFFFFFFFFu) {  // strictly greater: the first maximum of this slice wins
        v = values[j];
        idx = u * UNIT + j;
      }
    }
  }
  best_value[tid] = v;
  best_index[tid] = idx;
  barrier();
  for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) {
      const float ov = best_value[tid + stride];
      const uint oi = best_index[tid + stride];
      if (ov > best_value[tid] || (ov == best_value[tid] && oi < best_index[tid])) {
        best_value[tid] = ov;
        best_index[tid] = oi;
      }
    }
    barrier();
  }
  if (tid == 0u) out_data[row] = float(best_index[0]);
}
