#version 450
// The activations of a prompt's matmul with Q4_0/Q5_0/Q4_K/Q6_K weights on CPU-type devices (lavapipe), quantized to 8
// bits for matmul_rows.comp's X_PAIRS variant: per token and block of 32 values, d = max|x| / 127 and
// q = roundEven(x * (1 / d)) (0 where d is 0), the CPU fast path's definition (runtime/cpu/matmul_fast.h
// quantize_activations, group 32), so both backends' products of the same input agree to fp32 rounding.
// Outputs, for the tokens in pairs (2p, 2p + 1):
//   xq[p * K + k] = q[2p][k] + 65536 * q[2p + 1][k]   (int32 arithmetic; q of a token past the last is 0)
//   xd[((t / 8) * (K / 32) + b) * 8 + t % 8] = d of token t, block b: the 8 tokens of one matmul workgroup
//                                              and block are two consecutive texels
// One invocation per (pair, block).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "grid.glsl"

layout(local_size_x = 64, local_size_y = 1, local_size_z = 1) in;

layout(set = 0, binding = 0) uniform usamplerBuffer x_texels;  // [n_tokens][K] f32
layout(std430, set = 0, binding = 1) writeonly buffer Xq { int xq[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Xd { float xd[]; };

#include "quantize_pairs.push.h"

// Token t's block b quantized into q (all zero past the last token); returns d.
float quantize_block(uint t, uint b, out int q[32]) {
  float v[32];
  float amax = 0.0;
  [[unroll]] for (uint i = 0u; i < 8u; ++i) {
    const vec4 x = t < p.n_tokens ? uintBitsToFloat(texelFetch(x_texels, int((t * p.K + 32u * b) / 4u + i)))
                                  : vec4(0.0);
    v[4u * i] = x.x, v[4u * i + 1u] = x.y, v[4u * i + 2u] = x.z, v[4u * i + 3u] = x.w;
    amax = max(max(amax, max(abs(x.x), abs(x.y))), max(abs(x.z), abs(x.w)));
  }
  const float d = amax / 127.0;
  const float inv = d > 0.0 ? 1.0 / d : 0.0;
  [[unroll]] for (uint j = 0u; j < 32u; ++j) q[j] = int(roundEven(v[j] * inv));
  return d;
}

void main() {
  const uint blocks = p.K / 32u;
  const uint item = linear_group_id() * 64u + gl_LocalInvocationIndex;
  const uint pair = item / blocks, b = item % blocks;
  if (2u * pair >= p.n_tokens) return;
  int q0[32], q1[32];
  const float d0 = quantize_block(2u * pair, b, q0);
  const float d1 = quantize_block(2u * pair + 1u, b, q1);
  [[unroll]] for (uint j = 0u; j < 32u; ++j) xq[pair * p.K + 32u * b + j] = q0[j] + 65536 * q1[j];
  const uint t = 2u * pair;
  const uint at = ((t / 8u) * blocks + b) * 8u + t % 8u;
  xd[at] = d0;
  xd[at + 1u] = d1;
}
