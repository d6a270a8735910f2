#version 450
// Gemma 3's query/key norm and RoPE in one pass (ops.h rms_norm_rope): each head of head_dim values is
// RMS-normalized (fp32, w of head_dim values), then pairs (i, i + head_dim/2) rotate by
// angle = (float(pos) * freq_scale) * inv_freq[i] (half-split, as rope.comp; sin/cos from math.glsl). The
// normalized values are rounded to fp32 before the rotation, as the two ops would.
//   rms_norm_rope: one workgroup per (row, head), the sum of squares reduced through shared memory (GPUs).
//   rms_norm_rope_texel (TEXEL, CPU devices; head_dim a multiple of 8): one subgroup per (row, head), x, w and
//   inv_freq read as vec4 texels, each lane taking a texel of the first half and its partner of the second.
//   rms_norm_rope_store[_texel] (STORE): row r goes to ring slot positions[r] % capacity of sequence
//   sequence[r] (binding 5) in the KV cache bound as the output (ops.h rms_norm_rope_store: Gemma 3's key written as it is normalized and rotated).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#define WG_SIZE 64

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

#include "rms_norm_rope.push.h"

// The output row of input row r: r, or the key's ring slot in the cache (positions: binding 2).
#ifdef STORE
#define OUT_ROW(r) ((uint(positions[r]) % p.capacity) * p.sequences + uint(sequence[r]))
#else
#define OUT_ROW(r) (r)
#endif

#include "grid.glsl"
#include "math.glsl"

#ifdef TEXEL
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(set = 0, binding = 0) uniform usamplerBuffer x_texels;
layout(set = 0, binding = 1) uniform usamplerBuffer w_texels;
layout(std430, set = 0, binding = 2) readonly buffer Positions { int positions[]; };
layout(set = 0, binding = 3) uniform usamplerBuffer inv_freq_texels;
layout(std430, set = 0, binding = 4) writeonly buffer Out { vec4 out_data[]; };
#ifdef STORE
layout(std430, set = 0, binding = 5) readonly buffer Sequence { int sequence[]; };
#endif
#define FETCH4(buf, i) uintBitsToFloat(texelFetch(buf, int(i)))

void main() {
  const uint heads = p.cols / p.head_dim;
  const uint item = linear_group_id() * gl_NumSubgroups + gl_SubgroupID;
  if (item >= p.rows * heads) return;  // uniform per subgroup
  const uint r = item / heads;
  const uint half4 = p.head_dim / 8u;  // texels per half head
  const uint base = (r * p.cols + (item % heads) * p.head_dim) / 4u;
  const uint out_base = (OUT_ROW(r) * p.cols + (item % heads) * p.head_dim) / 4u;
  float sum = 0.0;
  for (uint i = gl_SubgroupInvocationID; i < half4; i += gl_SubgroupSize) {
    const vec4 a = FETCH4(x_texels, base + i), b = FETCH4(x_texels, base + half4 + i);
    sum += a.x * a.x + a.y * a.y + a.z * a.z + a.w * a.w + b.x * b.x + b.y * b.y + b.z * b.z + b.w * b.w;
  }
  sum = subgroupAdd(sum);
  const float scale = 1.0 / sqrt(sum / float(p.head_dim) + p.eps);  // as rms_norm.comp
  const float pos = float(positions[r]) * p.freq_scale;
  for (uint i = gl_SubgroupInvocationID; i < half4; i += gl_SubgroupSize) {
    const vec4 a = FETCH4(x_texels, base + i) * scale * FETCH4(w_texels, i);
    const vec4 b = FETCH4(x_texels, base + half4 + i) * scale * FETCH4(w_texels, half4 + i);
    const vec4 freq = FETCH4(inv_freq_texels, i);
    vec4 o0, o1;
    [[unroll]] for (uint j = 0u; j < 4u; ++j) {
      float s, c;
      sincos_accurate(pos * freq[j], s, c);
      precise float r0 = a[j] * c - b[j] * s;  // precise: same rounding as the CPU (no fma)
      precise float r1 = b[j] * c + a[j] * s;
      o0[j] = r0;
      o1[j] = r1;
    }
    out_data[out_base + i] = o0;
    out_data[out_base + half4 + i] = o1;
  }
}

#else
layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer W { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Positions { int positions[]; };
layout(std430, set = 0, binding = 3) readonly buffer InvFreq { float inv_freq[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Out { float out_data[]; };
#ifdef STORE
layout(std430, set = 0, binding = 5) readonly buffer Sequence { int sequence[]; };
#endif

shared float red[WG_SIZE];

void main() {
  const uint heads = p.cols / p.head_dim;
  const uint item = linear_group_id();
  if (item >= p.rows * heads) return;  // uniform per workgroup
  const uint tid = gl_LocalInvocationID.x;
  const uint r = item / heads;
  const uint base = r * p.cols + (item % heads) * p.head_dim;
  const uint out_base = OUT_ROW(r) * p.cols + (item % heads) * p.head_dim;
  float sum = 0.0;
  for (uint i = tid; i < p.head_dim; i += WG_SIZE) sum += x[base + i] * x[base + i];
  red[tid] = sum;
  barrier();
  for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) red[tid] += red[tid + stride];
    barrier();
  }
  const float scale = 1.0 / sqrt(red[0] / float(p.head_dim) + p.eps);  // as rms_norm.comp
  const uint half_dim = p.head_dim / 2u;
  const float pos = float(positions[r]) * p.freq_scale;
  for (uint i = tid; i < half_dim; i += WG_SIZE) {
    float s, c;
    sincos_accurate(pos * inv_freq[i], s, c);
    const float a = x[base + i] * scale * w[i];
    const float b = x[base + i + half_dim] * scale * w[i + half_dim];
    precise float o0 = a * c - b * s;  // precise: same rounding as the CPU (no fma)
    precise float o1 = b * c + a * s;
    out_data[out_base + i] = o0;
    out_data[out_base + i + half_dim] = o1;
  }
}
#endif
