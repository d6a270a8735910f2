#version 450
// out[r] = index of the largest value of row r of x (the first one on ties), as a float: exact for
// indices below 2^24, far above any vocabulary. Lets a greedy decode step read back 4 bytes, not the
// logits. One workgroup per row: each thread scans a strided slice, then a shared-memory reduction.
// argmax_texel (TEXEL, CPU devices, columns a multiple of 4): the row read as 4-value texels, as top_k.comp
// does (2.8 -> 0.7 ms per call on a 262144-logit row on lavapipe). argmax_split (SPLIT, GPUs, rows of more than
// 2 slices): workgroup (s, row) scans slice s of SLICE columns and writes its best to binding 2; the last of a
// row's workgroups to finish (it counts itself in the row's counter, binding 3, word counter_base + row, and
// resets it) merges them. One workgroup alone read a 262144-logit row with a load in flight per thread: on a
// large GPU, one of its ~100 compute units doing what all of them could, in every greedy decode step.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

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
#ifdef SPLIT
#define SLICE 4096u  // columns per workgroup: 16 per thread
layout(std430, set = 0, binding = 2) coherent buffer Partials { uvec2 partials[]; };  // (value bits, index)
layout(std430, set = 0, binding = 3) coherent buffer Counter { uint counter[]; };
shared uint done;
#endif

#include "argmax.push.h"

#include "grid.glsl"

shared float best_value[WG_SIZE];
shared uint best_index[WG_SIZE];

// The workgroup's best of the threads' (v, idx) into best_*[0]: the larger value, the smaller index on ties.
void reduce_best(uint tid, float v, uint idx) {
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
}

#ifdef SPLIT
void main() {
  const uint s = gl_WorkGroupID.x, row = gl_WorkGroupID.y;
  const uint tid = gl_LocalInvocationID.x;
  const uint n_slices = (p.cols + SLICE - 1u) / SLICE;
  const uint begin = s * SLICE, end = min(begin + SLICE, p.cols);
  float v = -1.0 / 0.0;
  uint idx = 0xFFFFFFFFu;
  // The thread's 16 columns loaded before they are compared (a GPU waits on each load otherwise: the
  // comparisons carry v), then taken in order: strictly greater, so the first maximum of the thread's wins.
  float values[SLICE / WG_SIZE];
  [[unroll]] for (uint j = 0u; j < SLICE / WG_SIZE; ++j) {
    const uint c = begin + tid + j * WG_SIZE;
    values[j] = c < end ? x[row * p.cols + c] : 0.0;
  }
  [[unroll]] for (uint j = 0u; j < SLICE / WG_SIZE; ++j) {
    const uint c = begin + tid + j * WG_SIZE;
    if (c < end && (values[j] > v || idx == 0xFFFFFFFFu)) {
      v = values[j];
      idx = c;
    }
  }
  reduce_best(tid, v, idx);
  // The slice's best, made visible before the workgroup counts itself; the last reads after it saw the count.
  if (tid == 0u) partials[row * n_slices + s] = uvec2(floatBitsToUint(best_value[0]), best_index[0]);
  memoryBarrierBuffer();
  barrier();
  if (tid == 0u) done = atomicAdd(counter[p.counter_base + row], 1u);
  barrier();
  if (done != n_slices - 1u) return;  // uniform per workgroup
  memoryBarrierBuffer();
  v = -1.0 / 0.0;
  idx = 0xFFFFFFFFu;
  for (uint i = tid; i < n_slices; i += WG_SIZE) {  // slices in order: the first maximum wins ties
    const uvec2 b = partials[row * n_slices + i];
    if (uintBitsToFloat(b.x) > v || idx == 0xFFFFFFFFu) {
      v = uintBitsToFloat(b.x);
      idx = b.y;
    }
  }
  reduce_best(tid, v, idx);
  if (tid == 0u) {
    out_data[row] = float(best_index[0]);
    counter[p.counter_base + row] = 0u;  // for the next dispatch
  }
}
#else
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
  reduce_best(tid, v, idx);
  if (tid == 0u) out_data[row] = float(best_index[0]);
}
#endif
