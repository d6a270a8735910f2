#version 450
// RMSNorm over groups of `group` consecutive values: out = x * (1 / sqrt(mean(x^2) + eps)) * w, the sum of
// squares in fp32.
//   rms_norm: one workgroup per group, reduced through shared memory (GPUs).
//   rms_norm_texel (TEXEL, CPU devices; group a multiple of 4): one subgroup per group, x and w read as vec4
//   texels, reduced by subgroupAdd: no storage-buffer loads (llvmpipe runs each as a loop over the lanes) and
//   no barriers (each a coroutine switch of every SIMD batch there); 154 us per norm before, in decode.
//   rms_norm_add, rms_norm_add_texel (RESIDUAL): out = residual + the norm (ops.h rms_norm_add), the post-norm
//   and the residual add of a Gemma 2/3 block in one dispatch.
#extension GL_GOOGLE_include_directive : require

#define WG_SIZE 128

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

#include "rms_norm.push.h"

#include "grid.glsl"

#ifdef TEXEL
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(set = 0, binding = 0) uniform usamplerBuffer x_texels;
layout(set = 0, binding = 1) uniform usamplerBuffer w_texels;
#ifdef RESIDUAL
layout(set = 0, binding = 2) uniform usamplerBuffer residual_texels;
layout(std430, set = 0, binding = 3) writeonly buffer Out { vec4 out_data[]; };
#else
layout(std430, set = 0, binding = 2) writeonly buffer Out { vec4 out_data[]; };
#endif
#define FETCH4(buf, i) uintBitsToFloat(texelFetch(buf, int(i)))

void main() {
  const uint g = linear_group_id() * gl_NumSubgroups + gl_SubgroupID;
  if (g >= p.n_groups) return;  // uniform per subgroup
  const uint n4 = p.group / 4u, base = g * n4;
  float sum = 0.0;
  for (uint i = gl_SubgroupInvocationID; i < n4; i += gl_SubgroupSize) {
    const vec4 v = FETCH4(x_texels, base + i);
    sum += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
  }
  sum = subgroupAdd(sum);
  // 1 / sqrt rather than inversesqrt: same formula as the CPU kernel, better than inversesqrt's 2 ulp.
  const float r = 1.0 / sqrt(sum / float(p.group) + p.eps);
  for (uint i = gl_SubgroupInvocationID; i < n4; i += gl_SubgroupSize) {
    const vec4 normed = FETCH4(x_texels, base + i) * r * FETCH4(w_texels, i);
#ifdef RESIDUAL
    out_data[base + i] = FETCH4(residual_texels, base + i) + normed;
#else
    out_data[base + i] = normed;
#endif
  }
}

#else
layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer W { float w[]; };
#ifdef RESIDUAL
layout(std430, set = 0, binding = 2) readonly buffer Residual { float residual[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };
#else
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };
#endif

shared float red[WG_SIZE];

void main() {
  const uint g = linear_group_id();
  if (g >= p.n_groups) return;  // uniform per workgroup
  const uint tid = gl_LocalInvocationID.x;
  const uint base = g * p.group;
  float sum = 0.0;
  for (uint i = tid; i < p.group; i += WG_SIZE) {
    const float v = x[base + i];
    sum += v * v;
  }
  red[tid] = sum;
  barrier();
  for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) red[tid] += red[tid + stride];
    barrier();
  }
  // 1 / sqrt rather than inversesqrt: same formula as the CPU kernel, better than inversesqrt's 2 ulp.
  const float r = 1.0 / sqrt(red[0] / float(p.group) + p.eps);
  for (uint i = tid; i < p.group; i += WG_SIZE) {
#ifdef RESIDUAL
    out_data[base + i] = residual[base + i] + x[base + i] * r * w[i];
#else
    out_data[base + i] = x[base + i] * r * w[i];
#endif
  }
}
#endif
