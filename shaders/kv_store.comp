#version 450
// KV-cache store: row r of x goes to ring slot positions[r] % capacity of sequence sequence[r], cache row
// slot * sequences + sequence[r] (the sequences' rings interleaved: runtime/ops/kv_store.h).
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 64, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Positions { int positions[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Cache { float cache[]; };
layout(std430, set = 0, binding = 3) readonly buffer Sequence { int sequence[]; };

#include "kv_store.push.h"

#include "grid.glsl"

void main() {
  const uint r = linear_group_id();
  if (r >= p.rows) return;
  const uint dst = ((uint(positions[r]) % p.capacity) * p.sequences + uint(sequence[r])) * p.cols;
  const uint src = r * p.cols;
  for (uint c = gl_LocalInvocationID.x; c < p.cols; c += gl_WorkGroupSize.x) cache[dst + c] = x[src + c];
}
