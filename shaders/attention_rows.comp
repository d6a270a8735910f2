#version 450
// Attention on CPU-type Vulkan devices (lavapipe): the same op as attention.comp (keys
// j in [lo, key_end[t]] in ring slot j % capacity of t's sequence, optional sliding window and soft-cap, GQA, all math fp32),
// with one subgroup per (new token t, query head h) item instead of one workgroup. The head's dims are split
// over the lanes (lane l holds texels 8l .. 8l + 7 of q, k, v and the output: head_dim / 32 lanes take part),
// and the keys pass one at a time through an online softmax: a key's score is the subgroupAdd of the lanes'
// partial dot products, then the running (max, sum) rescales the lanes' output sums. Each key and value row
// is read once (attention.comp reads the keys twice) and there are no barriers, which on llvmpipe are a
// coroutine switch of every SIMD batch (attention.comp has ~10 per item). On the 270M (lavapipe, Zen 4): a
// 142-token prompt's attention 465 -> 110 ms; 32 decode steps after it ~230 -> ~145 ms, although a step's 4
// items now share one workgroup. Needs head_dim a multiple of 32 with head_dim / 32 <= the subgroup size
// (runtime/vulkan/plan_node.cpp; else attention.comp's texel variant, e.g. SigLIP's head_dim 72). Push
// constants as attention.comp's.
// HEADS (1, 2 or 4): query heads per subgroup, consecutive heads of one token that share a KV head (GQA), so
// that each key and value texel fetched serves all of them: a fetch (~45 instructions in llvmpipe) was most
// of a key's cost. n_head / n_kv_head must be a multiple of HEADS (plan_node picks the variant).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

#ifndef HEADS
#define HEADS 1
#endif
#define WG_SIZE 64
#define TEXELS_PER_LANE 8  // 32 dims
#define NEG_BIG (-3.0e38)

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

// Texel buffers of vec4: llvmpipe gathers texel fetches (storage-buffer loads are scalar loops over lanes).
layout(set = 0, binding = 0) uniform usamplerBuffer q_texels;
layout(set = 0, binding = 1) uniform usamplerBuffer k_texels;
layout(set = 0, binding = 2) uniform usamplerBuffer v_texels;
layout(std430, set = 0, binding = 3) readonly buffer Positions { int positions[]; };
layout(std430, set = 0, binding = 4) readonly buffer KeyEnd { int key_end[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Out { float out_data[]; };
layout(std430, set = 0, binding = 6) readonly buffer Sequence { int sequence[]; };

#include "attention.push.h"

#include "grid.glsl"
#include "math.glsl"

#define FETCH4(buf, i) uintBitsToFloat(texelFetch(buf, int(i)))

void main() {
  const uint item = linear_group_id() * gl_NumSubgroups + gl_SubgroupID;
  const uint items_per_token = p.n_head / HEADS;
  if (item >= p.rows * items_per_token) return;  // uniform across the subgroup
  const uint t = item / items_per_token;
  const uint h0 = (item % items_per_token) * HEADS;  // this subgroup's first head; all HEADS share KV head g
  const uint g = h0 / (p.n_head / p.n_kv_head);
  const uint hd = p.head_dim;
  const uint kv_cols = p.n_kv_head * hd;
  // This lane's texels of a row (lanes past head_dim / 32 hold none: their partial scores are 0).
  const uint lane_texel = gl_SubgroupInvocationID * TEXELS_PER_LANE;
  const bool has_dims = lane_texel * 4u < hd;
  const uint q_texel = ((t * p.n_head + h0) * hd) / 4u + lane_texel;  // head h0 + a at q_texel + a * hd / 4
  // Token t's sequence's ring: its first cache row, then every p.sequences-th (runtime/ops/kv_store.h).
  const uint kv_texel = (uint(sequence[t]) * kv_cols + g * hd) / 4u + lane_texel;
  const uint ring_texels = kv_cols * p.sequences / 4u;

  const int pos = positions[t];
  const int lo = p.window > 0 ? max(0, pos - p.window + 1) : 0;
  const int end = key_end[t];
  const uint n_keys = end >= lo ? uint(end - lo + 1) : 0u;  // 0 only for a negative position

  vec4 q4[HEADS][TEXELS_PER_LANE], o4[HEADS][TEXELS_PER_LANE];
  float m[HEADS], l[HEADS];
  [[unroll]] for (uint a = 0u; a < HEADS; ++a) {
    [[unroll]] for (uint i = 0u; i < TEXELS_PER_LANE; ++i) {
      q4[a][i] = has_dims ? FETCH4(q_texels, q_texel + a * (hd / 4u) + i) : vec4(0.0);
      o4[a][i] = vec4(0.0);
    }
    m[a] = NEG_BIG;
    l[a] = 0.0;
  }
  for (uint j = 0u; j < n_keys; ++j) {
    const uint row = ((uint(lo) + j) % p.capacity) * ring_texels + kv_texel;
    float s[HEADS];
    [[unroll]] for (uint a = 0u; a < HEADS; ++a) s[a] = 0.0;
    if (has_dims) {
      [[unroll]] for (uint i = 0u; i < TEXELS_PER_LANE; ++i) {
        const vec4 k4 = FETCH4(k_texels, row + i);
        [[unroll]] for (uint a = 0u; a < HEADS; ++a) s[a] += dot(q4[a][i], k4);
      }
    }
    float rescale[HEADS], e[HEADS];
    [[unroll]] for (uint a = 0u; a < HEADS; ++a) {
      float sa = subgroupAdd(s[a]) * p.scale;
      if (p.softcap > 0.0) sa = p.softcap * safe_tanh(sa / p.softcap);
      const float mn = max(m[a], sa);
      rescale[a] = exp(m[a] - mn);
      e[a] = exp(sa - mn);
      l[a] = l[a] * rescale[a] + e[a];
      m[a] = mn;
    }
    if (has_dims) {
      [[unroll]] for (uint i = 0u; i < TEXELS_PER_LANE; ++i) {
        const vec4 v4 = FETCH4(v_texels, row + i);
        [[unroll]] for (uint a = 0u; a < HEADS; ++a) o4[a][i] = o4[a][i] * rescale[a] + e[a] * v4;
      }
    }
  }
  if (has_dims) {
    [[unroll]] for (uint a = 0u; a < HEADS; ++a) {
      const float inv = n_keys > 0u ? 1.0 / l[a] : 0.0;
      const uint o = (q_texel + a * (hd / 4u)) * 4u;
      [[unroll]] for (uint i = 0u; i < TEXELS_PER_LANE; ++i)
        [[unroll]] for (uint k = 0u; k < 4u; ++k) out_data[o + 4u * i + k] = o4[a][i][k] * inv;
    }
  }
}
