#version 450
// Attention (optionally sliding-window, optionally soft-capped) for one new token t and query head h per
// workgroup, GQA kv head g = h / (n_head / n_kv_head). Keys j in [lo, key_end[t]] (causal: key_end = pos;
// more inside an image, or a whole image in the vision tower) live in ring slot j % capacity of token t's
// sequence in the caches (runtime/ops/attention.h). All math fp32.
//   pass 1: thread i scores keys lo+i, lo+i+64, ... keeping a running (max, sum of exp); the 64 partial
//           pairs are combined through shared memory -> (M, L)
//   pass 2: tiles of 64 keys: each thread recomputes one key's probability exp(s - M) / L into shared
//           memory, then accumulates its own output dims (tid + 64k, k < 4) over the tile.
// Any number of keys; head_dim <= 256 (MAX_HEAD_DIM), or <= 512 in the *_max_head_dim512 variants (Gemma 4's
// global layers; a separate variant so that 256-wide heads keep their smaller register and loop footprint).
// attention_split_keys (SPLIT_KEYS, GPUs' decode steps over long rings, where one workgroup per query head
// would leave most of the device idle): workgroup (item, c) takes only keys c * split_keys .. + split_keys - 1
// of the item's range and writes a partial to binding 5 instead of the output: its max score, its sum of exp
// and its output normalized by that sum (head_dim + 2 floats); attention_merge.comp then combines an item's
// partials. An empty chunk writes (-big, 0, zeros).
// attention_texel (TEXEL_KV, CPU devices; head_dim a multiple of 4): q, keys and values read as texel
// buffers of vec4 (llvmpipe gathers texel fetches; storage-buffer and shared-memory loads are scalar loops
// over the lanes), the query kept in registers, and each thread of pass 2 owning 4 adjacent dims.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#define WG_SIZE 64
#ifndef MAX_HEAD_DIM
#define MAX_HEAD_DIM 256
#endif
#define DIMS_PER_THREAD (MAX_HEAD_DIM / WG_SIZE)
#define NEG_BIG (-3.0e38)

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

#ifdef TEXEL_KV
layout(set = 0, binding = 0) uniform usamplerBuffer q_texels;
layout(set = 0, binding = 1) uniform usamplerBuffer k_texels;
layout(set = 0, binding = 2) uniform usamplerBuffer v_texels;
#define FETCH4(buf, i) uintBitsToFloat(texelFetch(buf, int(i)))
#else
layout(std430, set = 0, binding = 0) readonly buffer Q { float q[]; };
layout(std430, set = 0, binding = 1) readonly buffer KCache { float k_cache[]; };
layout(std430, set = 0, binding = 2) readonly buffer VCache { float v_cache[]; };
#endif
layout(std430, set = 0, binding = 3) readonly buffer Positions { int positions[]; };
layout(std430, set = 0, binding = 4) readonly buffer KeyEnd { int key_end[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Out { float out_data[]; };  // SPLIT_KEYS: the partials
layout(std430, set = 0, binding = 6) readonly buffer Sequence { int sequence[]; };

#include "attention.push.h"

#include "grid.glsl"
#include "math.glsl"

#if defined(SPLIT_KEYS) && defined(TEXEL_KV)
#error "SPLIT_KEYS is a variant of the storage-buffer shader"
#endif

#ifdef TEXEL_KV
vec4 q4[MAX_HEAD_DIM / 4];  // the query, in registers
#else
shared float q_sh[MAX_HEAD_DIM];
#endif
shared float m_sh[WG_SIZE];
shared float l_sh[WG_SIZE];
shared float p_sh[WG_SIZE];

// Score of key j: scale * q.k_j, then the optional softcap.
// kv_stride: floats between the ring's slots; g_off: the ring's first row + the KV head's offset in a row.
float score(uint j, uint kv_stride, uint g_off) {
  const uint kb = (j % p.capacity) * kv_stride + g_off;
  float s = 0.0;
#ifdef TEXEL_KV
  // Unrolled: constant indices into q4 (a dynamic index would be a per-lane loop on llvmpipe).
  [[unroll]] for (uint d4 = 0u; d4 < MAX_HEAD_DIM / 4u; ++d4)
    if (d4 < p.head_dim / 4u) s += dot(q4[d4], FETCH4(k_texels, kb / 4u + d4));
#else
  for (uint d = 0u; d < p.head_dim; ++d) s += q_sh[d] * k_cache[kb + d];
#endif
  s *= p.scale;
  if (p.softcap > 0.0) s = p.softcap * safe_tanh(s / p.softcap);
  return s;
}

void main() {
#ifdef SPLIT_KEYS
  const uint item = gl_WorkGroupID.x, chunk = gl_WorkGroupID.y;
#else
  const uint item = linear_group_id();
#endif
  if (item >= p.rows * p.n_head) return;  // uniform per workgroup
  const uint tid = gl_LocalInvocationID.x;
  const uint t = item / p.n_head;
  const uint h = item % p.n_head;
  const uint g = h / (p.n_head / p.n_kv_head);
  const uint hd = p.head_dim;
  const uint q_off = (t * p.n_head + h) * hd;
  // Token t's sequence's ring: its first cache row, then every p.sequences-th (runtime/ops/kv_store.h).
  const uint kv_cols = p.n_kv_head * hd;
  const uint kv_stride = kv_cols * p.sequences;
  const uint g_off = uint(sequence[t]) * kv_cols + g * hd;

  const int pos = positions[t];
  const int lo = p.window > 0 ? max(0, pos - p.window + 1) : 0;
  const int end = key_end[t];
  const uint all_keys = end >= lo ? uint(end - lo + 1) : 0u;  // 0 only for a negative position
#ifdef SPLIT_KEYS
  // This chunk's keys: lo + first .. lo + first + n_keys - 1.
  const uint first = chunk * p.split_keys;
  const uint n_keys = first < all_keys ? min(p.split_keys, all_keys - first) : 0u;
  const uint part = (item * gl_NumWorkGroups.y + chunk) * (hd + 2u);
  if (n_keys == 0u) {  // uniform per workgroup
    if (tid == 0u) out_data[part] = NEG_BIG, out_data[part + 1u] = 0.0;
    for (uint d = tid; d < hd; d += WG_SIZE) out_data[part + 2u + d] = 0.0;
    return;
  }
  const uint key0 = uint(lo) + first;
#else
  const uint n_keys = all_keys;
  const uint key0 = uint(lo);
#endif

#ifdef TEXEL_KV
  [[unroll]] for (uint d4 = 0u; d4 < MAX_HEAD_DIM / 4u; ++d4)
    q4[d4] = d4 < hd / 4u ? FETCH4(q_texels, q_off / 4u + d4) : vec4(0.0);
#else
  for (uint d = tid; d < hd; d += WG_SIZE) q_sh[d] = q[q_off + d];
  barrier();
#endif

  // Pass 1: running max and sum of exp per thread, then combined.
  float m = NEG_BIG, l = 0.0;
  for (uint j = tid; j < n_keys; j += WG_SIZE) {
    const float s = score(key0 + j, kv_stride, g_off);
    const float mn = max(m, s);
    l = l * exp(m - mn) + exp(s - mn);
    m = mn;
  }
  m_sh[tid] = m;
  l_sh[tid] = l;
  barrier();
  [[unroll]] for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) {
      const float ma = m_sh[tid], mb = m_sh[tid + stride];
      const float mn = max(ma, mb);
      l_sh[tid] = l_sh[tid] * exp(ma - mn) + l_sh[tid + stride] * exp(mb - mn);
      m_sh[tid] = mn;
    }
    barrier();
  }
  const float M = m_sh[0];
  const float L = l_sh[0];

  // Pass 2: probabilities tile by tile, weighted sum of values.
#ifdef TEXEL_KV
  // Texels tid and tid + WG_SIZE (512-wide heads) of the head: dims 4 * texel .. + 3.
#define TEXELS_PER_THREAD (MAX_HEAD_DIM / 4 / WG_SIZE)
  vec4 o4[TEXELS_PER_THREAD];
  [[unroll]] for (uint k = 0u; k < TEXELS_PER_THREAD; ++k) o4[k] = vec4(0.0);
  const bool owns_dims = 4u * tid < hd;
  for (uint base = 0u; base < n_keys; base += WG_SIZE) {
    const uint j = base + tid;
    p_sh[tid] = j < n_keys ? exp(score(key0 + j, kv_stride, g_off) - M) / L : 0.0;
    barrier();
    const uint cnt = min(uint(WG_SIZE), n_keys - base);
    if (owns_dims) {
      for (uint jj = 0u; jj < cnt; ++jj) {
        const uint vb = ((key0 + base + jj) % p.capacity) * kv_stride + g_off;
        [[unroll]] for (uint k = 0u; k < TEXELS_PER_THREAD; ++k)
          if (4u * (tid + k * WG_SIZE) < hd) o4[k] += p_sh[jj] * FETCH4(v_texels, vb / 4u + tid + k * WG_SIZE);
      }
    }
    barrier();
  }
  [[unroll]] for (uint k = 0u; k < TEXELS_PER_THREAD; ++k) {
    const uint texel = tid + k * WG_SIZE;
    if (4u * texel < hd) [[unroll]] for (uint c = 0u; c < 4u; ++c) out_data[q_off + 4u * texel + c] = o4[k][c];
  }
#else
  float o[DIMS_PER_THREAD];
  [[unroll]] for (uint k = 0u; k < DIMS_PER_THREAD; ++k) o[k] = 0.0;
  for (uint base = 0u; base < n_keys; base += WG_SIZE) {
    const uint j = base + tid;
    p_sh[tid] = j < n_keys ? exp(score(key0 + j, kv_stride, g_off) - M) / L : 0.0;
    barrier();
    const uint cnt = min(uint(WG_SIZE), n_keys - base);
    for (uint jj = 0u; jj < cnt; ++jj) {
      const float w = p_sh[jj];
      const uint vb = ((key0 + base + jj) % p.capacity) * kv_stride + g_off;
      [[unroll]] for (uint k = 0u; k < DIMS_PER_THREAD; ++k) {
        const uint d = tid + k * WG_SIZE;
        if (d < hd) o[k] += w * v_cache[vb + d];
      }
    }
    barrier();
  }
#ifdef SPLIT_KEYS
  if (tid == 0u) out_data[part] = M, out_data[part + 1u] = L;
  [[unroll]] for (uint k = 0u; k < DIMS_PER_THREAD; ++k) {
    const uint d = tid + k * WG_SIZE;
    if (d < hd) out_data[part + 2u + d] = o[k];
  }
#else
  [[unroll]] for (uint k = 0u; k < DIMS_PER_THREAD; ++k) {
    const uint d = tid + k * WG_SIZE;
    if (d < hd) out_data[q_off + d] = o[k];
  }
#endif
#endif
}
