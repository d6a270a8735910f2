#version 450
// Row t of out: moe_route (runtime/ops/moe_route.h) of token t's E <= 256 logits, in fp32. One workgroup per
// token, invocation i for expert i: the max and the sum of exponentials by shared-memory trees, then each
// expert's rank (the experts with a larger p, or an equal p at a lower index: a stable sort's position) puts
// the top k in order without sorting; invocation 0 sums the chosen k in that order, as the CPU does.
#extension GL_GOOGLE_include_directive : require

#define WG_SIZE 256  // = kMaxMoeExperts (runtime/ops/moe_route.h)
layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 1) readonly buffer Scale { float expert_scale[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };

#include "moe_route.push.h"

#include "grid.glsl"

shared float red[WG_SIZE];
shared float prob[WG_SIZE];
shared uint chosen[WG_SIZE];  // slot -> expert
shared float top_sum;

void main() {
  const uint t = linear_group_id();
  if (t >= p.rows) return;  // uniform per workgroup
  const uint tid = gl_LocalInvocationID.x;
  const bool is_expert = tid < p.n_experts;
  // precise: z - max not contracted into an fma with the scale (the CPU rounds z first).
  precise float z = is_expert ? p.logit_scale * logits[t * p.n_experts + tid] : 0.0;
  red[tid] = is_expert ? z : -1.0 / 0.0;
  chosen[tid] = 0u;  // every slot a valid index even if NaNs make ranks collide
  barrier();
  for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) red[tid] = max(red[tid], red[tid + stride]);
    barrier();
  }
  const float e = is_expert ? exp(z - red[0]) : 0.0;  // <= 1: no overflow
  barrier();
  red[tid] = e;
  barrier();
  for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) red[tid] += red[tid + stride];
    barrier();
  }
  prob[tid] = e / red[0];
  barrier();
  if (is_expert) {
    const float mine = prob[tid];
    uint rank = 0u;
    for (uint j = 0u; j < p.n_experts; ++j) {
      const float other = prob[j];
      if (other > mine || (other == mine && j < tid)) ++rank;
    }
    if (rank < p.k) chosen[rank] = tid;
  }
  barrier();
  if (tid == 0u) {
    float s = 0.0;
    for (uint j = 0u; j < p.k; ++j) s += prob[chosen[j]];
    top_sum = s;
  }
  barrier();
  if (tid < p.k) {
    const uint id = chosen[tid];
    out_data[t * 2u * p.k + tid] = prob[id] / top_sum * expert_scale[id];
    out_data[t * 2u * p.k + p.k + tid] = float(id);
  }
}
