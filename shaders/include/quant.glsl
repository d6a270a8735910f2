// Weight-type dispatch: includes the dequantizer selected by exactly one of the variant defines
//   WT_F32, WT_F16, WT_BF16, WT_Q4_0, WT_Q5_0, WT_Q8_0, WT_Q4_K, WT_Q5_K, WT_Q6_K.
//
// Every dequantizer include defines the same interface:
//   #define WT_UNIT n   values produced per call (1 for element types, 16 for block types; where the
//                       shader reads weights as texels, WT_TEXEL(q) defined: 4 for F32, 8 for F16/BF16,
//                       one whole texel, so rows must be whole texels there; with WT_WINDOW also defined,
//                       32 for Q4_0/Q5_0/Q8_0: one whole block per call; with WIDE_UNITS defined on
//                       words, 4 for F32, 8 for F16/BF16: 16 bytes per call); a row of K
//                       values has K / WT_UNIT units, and K must be a multiple of WT_UNIT
//   void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT])
//                       v[j] = value u * WT_UNIT + j of the row starting at byte row_off of the weight
//                       buffer, with exactly the arithmetic of runtime/cpu/quant.cpp (bit-exact)
// Block types whose unit has one scale may instead define (WT_UNIT_SCALE: Q4_0, Q8_0, Q5_0's texel units)
//   float wt_unit_scaled(uint row_off, uint u, out float q[WT_UNIT])
//                       the unit's values are (returned scale) * q[j], so a dot product multiplies by the
//                       scale once per unit.
// Either way this file completes the pair, so shaders may call both (wt_unit_scaled returns 1 for the others).
// Block types read by words (GPUs: no WT_TEXEL) also define, for integer dot products (matmul.comp and
// matmul_tiled.comp INT8_DOT; Q4_K, Q5_K, Q5_0 and Q8_0 build their fp32 decoders on it too):
//   float wt_unit_i8(uint row_off, uint u, out uint q[4], out float m)
//                       the unit's 16 quants as bytes, value j in byte j % 4 of word j / 4 (signed for Q8_0,
//                       0..63 for the others), such that value j = (returned scale) * q_j - m.
// The including shader must define WT_WORD(i) first (see wt_load.glsl).
#ifndef VKG_QUANT_GLSL
#define VKG_QUANT_GLSL

#include "wt_load.glsl"

#if defined(WT_F32)
#include "quant_f32.glsl"
#elif defined(WT_F16)
#include "quant_f16.glsl"
#elif defined(WT_BF16)
#include "quant_bf16.glsl"
#elif defined(WT_Q4_0)
#include "quant_q4_0.glsl"
#elif defined(WT_Q5_0)
#include "quant_q5_0.glsl"
#elif defined(WT_Q8_0)
#include "quant_q8_0.glsl"
#elif defined(WT_Q4_K)
#include "quant_q4_k.glsl"
#elif defined(WT_Q5_K)
#include "quant_q5_k.glsl"
#elif defined(WT_Q6_K)
#include "quant_q6_k.glsl"
#else
#error "no weight type: define one of WT_F32 WT_F16 WT_BF16 WT_Q4_0 WT_Q5_0 WT_Q8_0 WT_Q4_K WT_Q5_K WT_Q6_K"
#endif

#ifdef WT_UNIT_SCALE
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const float d = wt_unit_scaled(row_off, u, v);
  [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) v[j] *= d;
}
#else
float wt_unit_scaled(uint row_off, uint u, out float v[WT_UNIT]) {
  wt_dequant_unit(row_off, u, v);
  return 1.0;
}
#endif

#endif  // VKG_QUANT_GLSL
