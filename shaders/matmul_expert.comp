#version 450
// out[t*k + s][r] = dot(dequant(weight row e*S + row_offset + r), x row) for the expert e = routes[t][k + s]
// (ops: matmul_expert), the way matmul.comp's decode variant works: workgroup (gx, t*k + s) computes rows
// 8*gx .. 8*gx+7 of that item, the 64 threads striding over the K / WT_UNIT units (each x unit loaded once for
// the 8 rows), fp32 partial sums reduced through shared memory. The expert id is read here, on the device. The
// weight is bound one chunk of rows at a time (runtime/vulkan/weight_store.cpp), one dispatch each: a workgroup
// computes only its rows inside the bound chunk (chunk-local row g - chunk_begin), so an expert may straddle
// two chunks. An id outside [0, n_experts) (or NaN) reads no weight: the first chunk's dispatch writes zeros.
// Variants: one per weight type (WT_* define, include/quant.glsl).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#define WG_SIZE 64
#define ROWS_PER_WG 8

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weights { uint wt_words[]; };
layout(std430, set = 0, binding = 2) readonly buffer Routes { float routes[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };

#include "matmul_expert.push.h"

#include "wt_rows.glsl"
#define WT_WORD(i) wt_words[wt_word(i)]
#include "quant.glsl"

shared float red[ROWS_PER_WG][WG_SIZE];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint item = gl_WorkGroupID.y, t = item / p.k;
  const uint r0 = gl_WorkGroupID.x * ROWS_PER_WG;
  const uint n_rows = min(uint(ROWS_PER_WG), p.rows - r0);  // r0 < rows: the grid is ceil(rows / 8) wide
  const uint o = item * p.rows + r0;
  const float id = routes[t * 2u * p.k + p.k + item % p.k];
  if (!(id >= 0.0 && id < float(p.n_experts))) {  // uniform per workgroup
    if (p.chunk_begin == 0u && tid < n_rows) out_data[o + tid] = 0.0;
    return;
  }
  // This workgroup's rows inside the chunk: r in [lo, hi) (contiguous, uniform per workgroup).
  const uint g0 = uint(id) * p.expert_rows + p.row_offset + r0;  // the global weight row of r = 0
  const uint end = p.chunk_begin + p.chunk_rows;
  const uint lo = p.chunk_begin > g0 ? min(p.chunk_begin - g0, n_rows) : 0u;
  const uint hi = end > g0 ? min(end - g0, n_rows) : 0u;
  if (lo >= hi) return;  // another chunk's dispatch writes these rows
  const uint x0 = (p.x_per_slot != 0u ? item : t) * p.K;
  const uint n_units = p.K / WT_UNIT;

  float acc[ROWS_PER_WG];
  [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r) acc[r] = 0.0;
  for (uint u = tid; u < n_units; u += WG_SIZE) {
    float xv[WT_UNIT];
    [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) xv[j] = x[x0 + u * WT_UNIT + j];
    [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r) {
      if (r >= lo && r < hi) {
        float w[WT_UNIT];
        wt_dequant_unit(wt_row(g0 + r - p.chunk_begin), u, w);
        float s = 0.0;
        [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) s += w[j] * xv[j];
        acc[r] += s;
      }
    }
  }

  [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r) red[r][tid] = acc[r];
  barrier();
  [[unroll]] for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) {
      [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r) red[r][tid] += red[r][tid + stride];
    }
    barrier();
  }
  if (tid >= lo && tid < hi) out_data[o + tid] = red[tid][0];
}
