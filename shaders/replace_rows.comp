#version 450
// out row t = rows row t where use[t] != 0 (image embeddings), else x row t (token embeddings).
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 256, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Rows { float rows[]; };
layout(std430, set = 0, binding = 2) readonly buffer Use { int use_row[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };

#include "replace_rows.push.h"

#include "grid.glsl"

void main() {
  const uint i = linear_group_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= p.n) return;
  out_data[i] = use_row[i / p.cols] != 0 ? rows[i] : x[i];
}
