#version 450
// The attention block's three inputs in one pass (runtime/ops/qkv_norm_rope_store.h). Items (token r, head h)
// run over each token's q heads, then its k heads, then its v heads:
//   q head: RMS-normalized with q_norm's weight and rotated, as rms_norm_rope.comp, into the output;
//   k head: the same with k_norm's weight, into its ring slot of k_cache, as rms_norm_rope.comp STORE;
//   v head: copied (as kv_store.comp), or with v_norm normalized without a weight first (as
//           rms_norm_weightless.comp), into its ring slot of v_cache.
// The arithmetic is those shaders' own, so the values are the three ops'.
//   qkv_norm_rope_store (GPUs): one workgroup per item, the sum of squares through shared memory.
//   qkv_norm_rope_store_texel (TEXEL, CPU devices; head_dim a multiple of 8): one subgroup per item, q, k, v and
//   the weights read as vec4 texels, each lane a texel of the first half and its partner of the second (a
//   barrier is a coroutine switch there, and lavapipe's dispatches cost ~35 us each: this saves two per layer).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#define WG_SIZE 64

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

#include "qkv_norm_rope_store.push.h"
#include "grid.glsl"
#include "math.glsl"

#define KIND_Q 0u
#define KIND_K 1u
#define KIND_V 2u

#ifdef TEXEL
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(set = 0, binding = 0) uniform usamplerBuffer q_texels;
layout(set = 0, binding = 1) uniform usamplerBuffer qw_texels;
layout(set = 0, binding = 2) uniform usamplerBuffer k_texels;
layout(set = 0, binding = 3) uniform usamplerBuffer kw_texels;
layout(set = 0, binding = 4) uniform usamplerBuffer v_texels;
layout(std430, set = 0, binding = 5) readonly buffer Positions { int positions[]; };
layout(set = 0, binding = 6) uniform usamplerBuffer inv_freq_texels;
layout(std430, set = 0, binding = 7) writeonly buffer QOut { vec4 q_out[]; };
layout(std430, set = 0, binding = 8) writeonly buffer KCache { vec4 k_cache[]; };
layout(std430, set = 0, binding = 9) writeonly buffer VCache { vec4 v_cache[]; };
layout(std430, set = 0, binding = 10) readonly buffer Sequence { int sequence[]; };
#define FETCH4(buf, i) uintBitsToFloat(texelFetch(buf, int(i)))

// Texel i of the item's head (of `kind`), from its first texel `base`.
vec4 head_texel(uint kind, uint base, uint i) {
  return kind == KIND_Q ? FETCH4(q_texels, base + i) : kind == KIND_K ? FETCH4(k_texels, base + i)
                                                                       : FETCH4(v_texels, base + i);
}
vec4 weight_texel(uint kind, uint i) { return kind == KIND_Q ? FETCH4(qw_texels, i) : FETCH4(kw_texels, i); }
void store(uint kind, uint at, vec4 v) {
  if (kind == KIND_Q) q_out[at] = v;
  else if (kind == KIND_K) k_cache[at] = v;
  else v_cache[at] = v;
}

void main() {
  const uint hq = p.q_cols / p.head_dim, hk = p.kv_cols / p.head_dim, per_row = hq + 2u * hk;
  const uint item = linear_group_id() * gl_NumSubgroups + gl_SubgroupID;
  if (item >= p.rows * per_row) return;  // uniform per subgroup
  const uint r = item / per_row, h = item % per_row;
  const uint kind = h < hq ? KIND_Q : h < hq + hk ? KIND_K : KIND_V;
  const uint head = kind == KIND_Q ? h : kind == KIND_K ? h - hq : h - hq - hk;
  const uint cols = kind == KIND_Q ? p.q_cols : p.kv_cols;
  const uint base = (r * cols + head * p.head_dim) / 4u;
  const uint out_row = kind == KIND_Q ? r : (uint(positions[r]) % p.capacity) * p.sequences + uint(sequence[r]);
  const uint out_base = (out_row * cols + head * p.head_dim) / 4u;
  const uint half4 = p.head_dim / 8u;  // texels per half head
  float sum = 0.0;
  for (uint i = gl_SubgroupInvocationID; i < half4; i += gl_SubgroupSize) {
    const vec4 a = head_texel(kind, base, i), b = head_texel(kind, base, half4 + i);
    sum += a.x * a.x + a.y * a.y + a.z * a.z + a.w * a.w + b.x * b.x + b.y * b.y + b.z * b.z + b.w * b.w;
  }
  sum = subgroupAdd(sum);
  const float scale = 1.0 / sqrt(sum / float(p.head_dim) + p.eps);  // as rms_norm.comp
  if (kind == KIND_V) {
    for (uint i = gl_SubgroupInvocationID; i < 2u * half4; i += gl_SubgroupSize) {
      const vec4 v = head_texel(kind, base, i);
      store(kind, out_base + i, p.v_norm != 0u ? v * scale : v);
    }
    return;
  }
  const float pos = float(positions[r]) * p.freq_scale;
  for (uint i = gl_SubgroupInvocationID; i < half4; i += gl_SubgroupSize) {
    const vec4 a = head_texel(kind, base, i) * scale * weight_texel(kind, i);
    const vec4 b = head_texel(kind, base, half4 + i) * scale * weight_texel(kind, half4 + i);
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
    store(kind, out_base + i, o0);
    store(kind, out_base + half4 + i, o1);
  }
}

#else
layout(std430, set = 0, binding = 0) readonly buffer Q { float q[]; };
layout(std430, set = 0, binding = 1) readonly buffer QW { float qw[]; };
layout(std430, set = 0, binding = 2) readonly buffer K { float k[]; };
layout(std430, set = 0, binding = 3) readonly buffer KW { float kw[]; };
layout(std430, set = 0, binding = 4) readonly buffer V { float v[]; };
layout(std430, set = 0, binding = 5) readonly buffer Positions { int positions[]; };
layout(std430, set = 0, binding = 6) readonly buffer InvFreq { float inv_freq[]; };
layout(std430, set = 0, binding = 7) writeonly buffer QOut { float q_out[]; };
layout(std430, set = 0, binding = 8) writeonly buffer KCache { float k_cache[]; };
layout(std430, set = 0, binding = 9) writeonly buffer VCache { float v_cache[]; };
layout(std430, set = 0, binding = 10) readonly buffer Sequence { int sequence[]; };

shared float red[WG_SIZE];

float head_value(uint kind, uint i) { return kind == KIND_Q ? q[i] : kind == KIND_K ? k[i] : v[i]; }
void store(uint kind, uint at, float x) {
  if (kind == KIND_Q) q_out[at] = x;
  else if (kind == KIND_K) k_cache[at] = x;
  else v_cache[at] = x;
}

void main() {
  const uint hq = p.q_cols / p.head_dim, hk = p.kv_cols / p.head_dim, per_row = hq + 2u * hk;
  const uint item = linear_group_id();
  if (item >= p.rows * per_row) return;  // uniform per workgroup
  const uint tid = gl_LocalInvocationID.x;
  const uint r = item / per_row, h = item % per_row;
  const uint kind = h < hq ? KIND_Q : h < hq + hk ? KIND_K : KIND_V;
  const uint head = kind == KIND_Q ? h : kind == KIND_K ? h - hq : h - hq - hk;
  const uint cols = kind == KIND_Q ? p.q_cols : p.kv_cols;
  const uint base = r * cols + head * p.head_dim;
  const uint out_row = kind == KIND_Q ? r : (uint(positions[r]) % p.capacity) * p.sequences + uint(sequence[r]);
  const uint out_base = out_row * cols + head * p.head_dim;
  float sum = 0.0;
  for (uint i = tid; i < p.head_dim; i += WG_SIZE) sum += head_value(kind, base + i) * head_value(kind, base + i);
  red[tid] = sum;
  barrier();
  for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) red[tid] += red[tid + stride];
    barrier();
  }
  const float scale = 1.0 / sqrt(red[0] / float(p.head_dim) + p.eps);  // as rms_norm.comp
  if (kind == KIND_V) {
    for (uint i = tid; i < p.head_dim; i += WG_SIZE) {
      const float x = head_value(kind, base + i);
      store(kind, out_base + i, p.v_norm != 0u ? x * scale : x);
    }
    return;
  }
  const uint half_dim = p.head_dim / 2u;
  const float pos = float(positions[r]) * p.freq_scale;
  for (uint i = tid; i < half_dim; i += WG_SIZE) {
    float s, c;
    sincos_accurate(pos * inv_freq[i], s, c);
    const float a = head_value(kind, base + i) * scale * (kind == KIND_Q ? qw[i] : kw[i]);
    const float b = head_value(kind, base + i + half_dim) * scale * (kind == KIND_Q ? qw[i + half_dim] : kw[i + half_dim]);
    precise float o0 = a * c - b * s;  // precise: same rounding as the CPU (no fma)
    precise float o1 = b * c + a * s;
    store(kind, out_base + i, o0);
    store(kind, out_base + i + half_dim, o1);
  }
}
#endif
