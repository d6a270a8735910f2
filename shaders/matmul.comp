#version 450
// out[t, row_offset + r] = dot(dequant(weight row r), x[t]) for the chunk of `rows` weight rows bound at
// binding 1. Workgroup (gx, t) computes rows 8*gx .. 8*gx+7 for token t: the 64 threads stride over the
// K / WT_UNIT dequantization units of the row (x unit loaded once, used for all 8 rows), fp32 partial
// sums are reduced through shared memory. Variants: one per weight type (WT_* define, include/quant.glsl);
// matmul_geglu_<type> (GEGLU): out = gelu_tanh(gate) * the product (ops.h matmul_geglu), gate at binding 2.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#define WG_SIZE 64
#define ROWS_PER_WG 8

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weights { uint wt_words[]; };
#ifdef GEGLU
layout(std430, set = 0, binding = 2) readonly buffer Gate { float gate[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };
#else
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };
#endif

layout(push_constant) uniform Params {
  uint K;           // row length (values); a multiple of the weight type's block size
  uint rows;        // rows in this chunk
  uint row_offset;  // output column of the chunk's first row
  uint out_stride;  // output row stride (values)
  uint n_tokens;
  uint row_bytes;   // byte stride of a weight row
} p;

#define WT_WORD(i) wt_words[i]
#include "quant.glsl"
#include "math.glsl"

shared float red[ROWS_PER_WG][WG_SIZE];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint t = gl_WorkGroupID.y;
  const uint r0 = gl_WorkGroupID.x * ROWS_PER_WG;
  const uint n_rows = r0 < p.rows ? min(uint(ROWS_PER_WG), p.rows - r0) : 0u;  // uniform per workgroup
  const uint x_off = t * p.K;
  const uint n_units = p.K / WT_UNIT;

  float acc[ROWS_PER_WG];
  [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r) acc[r] = 0.0;

  if (t < p.n_tokens) {
    for (uint u = tid; u < n_units; u += WG_SIZE) {
      float xv[WT_UNIT];
      [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) xv[j] = x[x_off + u * WT_UNIT + j];
      [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r) {
        if (r < n_rows) {
          float w[WT_UNIT];
          wt_dequant_unit((r0 + r) * p.row_bytes, u, w);
          float s = 0.0;
          [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) s += w[j] * xv[j];
          acc[r] += s;
        }
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
  if (tid < n_rows && t < p.n_tokens) {
    const uint o = t * p.out_stride + p.row_offset + r0 + tid;
#ifdef GEGLU
    out_data[o] = gelu_tanh(gate[o]) * red[tid][0];
#else
    out_data[o] = red[tid][0];
#endif
  }
}
