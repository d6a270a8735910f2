// What the CPU-device matrix products share (matmul_rows.comp: units over the lanes; matmul_lanes.comp: whole
// rows per lane): the input and the weights as texel buffers, the output (and GEGLU's gate) as storage
// buffers, the X_PAIRS activation scales, the push constants, the weight-row layout (wt_rows.glsl), and the
// dequantizers (quant.glsl) and the dot products of a unit with fp32 or 8-bit pair inputs. The including
// shader first defines WG_SIZE, TOKENS, its dequantizers' paths (WT_WINDOW, WT_GROUP, WT_SUPER), and may define
// WT_TEXEL (GATE_UP reads two weights).
#ifndef VKG_MATMUL_TEXELS_GLSL
#define VKG_MATMUL_TEXELS_GLSL

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(set = 0, binding = 0) uniform usamplerBuffer x_texels;
// Weights and activations as texel buffers of uvec4: llvmpipe turns a texel fetch into a vector gather,
// while a storage-buffer load becomes a scalar loop over the lanes with a branch per lane (measured: those
// loads cost ~30x the arithmetic of a Q8_0 matrix-vector product).
layout(set = 0, binding = 1) uniform usamplerBuffer wt_texels;
#ifdef GEGLU
layout(std430, set = 0, binding = 2) readonly buffer Gate { float gate[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };
#define XD_BINDING 4
#elif defined(NORM_ADD)
// matmul_norm_add's decode: the product is read back by the last subgroup, so coherent and readable.
layout(std430, set = 0, binding = 2) coherent buffer Out { float out_data[]; };
#else
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };
#define XD_BINDING 3
#endif
#ifdef X_PAIRS
#if !(defined(WT_Q4_0) || defined(WT_Q5_0) || defined(WT_Q4_K) || defined(WT_Q6_K))
#error "X_PAIRS: Q4_0/Q5_0/Q4_K/Q6_K weights, whose 16- (Q6_K: 8-) value sums fit 16 bits"
#endif
layout(set = 0, binding = XD_BINDING) uniform usamplerBuffer xd_texels;  // quantize_pairs.comp's xd
#endif

#include "matmul.push.h"
#include "wt_rows.glsl"

#ifndef WT_TEXEL
#define WT_TEXEL(q) texelFetch(wt_texels, int(wt_texel(q)))
#endif
#define WT_WORD(i) WT_TEXEL((i) >> 2)[(i) & 3u]
#include "quant.glsl"
#include "math.glsl"
#if WT_UNIT % 4 != 0
#error "texel units are whole texels of values (WT_UNIT a multiple of 4)"
#endif

#ifdef X_PAIRS
// A sum of products with pair words, s = S0 + 65536 S1 where |S0|, |S1| < 2^15: (S0, S1), token 2p's sum (the
// low half, sign-extended) and token 2p + 1's.
ivec2 pair_split(int s) {
  const int lo = bitfieldExtract(s, 0, 16);
  return ivec2(lo, (s - lo) >> 16);
}
#endif

// sum_j w[j] * x[j] in 4 partial sums: +6-10 % on lavapipe.
float dot_unit(float w[WT_UNIT], float x[WT_UNIT]) {
  float s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  [[unroll]] for (uint j = 0u; j < WT_UNIT; j += 4u) {
    s0 += w[j] * x[j];
    s1 += w[j + 1u] * x[j + 1u];
    s2 += w[j + 2u] * x[j + 2u];
    s3 += w[j + 3u] * x[j + 3u];
  }
  return (s0 + s1) + (s2 + s3);
}

#endif  // VKG_MATMUL_TEXELS_GLSL
