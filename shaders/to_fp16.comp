#version 450
// A prompt's activations for matmul_tiled.comp's cooperative-matrix tiles (GPUs, VKGEMMA_KERNELS=coopmat), once
// per product rather than in each of its workgroups: per token t, the power of two s = 2^-e that brings its largest
// |x| to at most 2^15 (e the exponent of max|x| / 2^15 as frexp gives it, when positive; else s = 1: Gemma's
// activations can pass fp16's 65504, and a power of two scales exactly), and its values times s as fp16, two per
// word (the tiles' inputs then take half the bytes of fp32 and no conversion):
//   xh[t * K / 2 + i] = packHalf2x16(vec2(x[t][2i], x[t][2i + 1]) * s),  scale[t] = s.
// One workgroup per token; K even (the tiles take K in steps of 32).
#extension GL_GOOGLE_include_directive : require
#include "grid.glsl"

#define WG_SIZE 256
layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Xh { uint xh[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Scale { float scale[]; };

#include "to_fp16.push.h"

shared float max_sh[WG_SIZE];

void main() {
  const uint t = linear_group_id(), tid = gl_LocalInvocationID.x;
  if (t >= p.n_tokens) return;  // a 2-D grid's excess workgroups: whole workgroups, before any barrier
  const uint row = t * p.K;
  float m = 0.0;
  for (uint k = tid; k < p.K; k += WG_SIZE) m = max(m, abs(x[row + k]));
  max_sh[tid] = m;
  barrier();
  for (uint half_n = WG_SIZE / 2u; half_n > 0u; half_n /= 2u) {
    if (tid < half_n) max_sh[tid] = max(max_sh[tid], max_sh[tid + half_n]);
    barrier();
  }
  int e;
  frexp(max_sh[0] * (1.0 / 32768.0), e);  // max / 2^15 = f * 2^e with f in [0.5, 1): max * 2^-e <= 2^15
  const float s = e > 0 ? ldexp(1.0, -e) : 1.0;
  for (uint i = tid; i < p.K / 2u; i += WG_SIZE) xh[row / 2u + i] = packHalf2x16(vec2(x[row + 2u * i], x[row + 2u * i + 1u]) * s);
  if (tid == 0u) scale[t] = s;
}
