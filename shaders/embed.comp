#version 450
// Token embedding: out[t, i] = dequant(table row token_ids[t])[i] * scale, for the chunk of the table
// holding rows [row_begin, row_begin + row_count); tokens outside the chunk are left to the dispatch of
// the chunk that holds them. One workgroup per token; threads stride over the row's dequantization units.
// Variants: one per weight type (WT_* define, see include/quant.glsl).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x = 64, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer TokenIds { int token_ids[]; };
layout(std430, set = 0, binding = 1) readonly buffer Table { uint wt_words[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };

#include "embed.push.h"

#include "wt_rows.glsl"
#define WT_WORD(i) wt_words[wt_word(i)]
#include "quant.glsl"
#include "grid.glsl"

void main() {
  const uint t = linear_group_id();
  if (t >= p.n_tokens) return;
  const int id = token_ids[t];
  if (id < int(p.row_begin) || id - int(p.row_begin) >= int(p.row_count)) return;
  const uint row_off = wt_row(uint(id - int(p.row_begin)));
  const uint out_off = t * p.H;
  const uint n_units = p.H / WT_UNIT;
  for (uint u = gl_LocalInvocationID.x; u < n_units; u += gl_WorkGroupSize.x) {
    float v[WT_UNIT];
    wt_dequant_unit(row_off, u, v);
    [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) out_data[out_off + u * WT_UNIT + j] = v[j] * p.scale;
  }
}
