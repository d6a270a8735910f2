// Q4_K (runtime/cpu/quant_blocks.h): 144-byte blocks of 256 values: f16 d @0, f16 dmin @2,
// u8 scales[12] @4, u8 qs[128] @16. Sub-block s (32 values) = chunk c = s/2 of 32 qs bytes, low nibbles
// for even s, high nibbles for odd s:
//   y[32s + l] = (d * sc[s]) * nibble - (dmin * m[s])      l in [0,32)
// Unit u (16 values): block u/16, sub-block (u%16)/2, values 16*(u%2) .. +15 of it.
#include "runtime/quant/block_layouts.h"
#include "quant_k_scales.glsl"


#if defined(WT_TEXEL) && defined(WT_WINDOW)
// Texel decode shaders (WT_WINDOW): a unit is a chunk of 64 values (sub-blocks 2c and 2c + 1: the low and the
// high nibbles of 32 quant bytes), three fetches (the header texel, two quant texels) where four 16-value
// units took eight.
#define WT_UNIT 64
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const uint b = row_off + (u >> 2) * Q4_K_BYTES;
  const uint c = u & 3u;
  const uvec4 head = WT_TEXEL(b >> 4);
  const uvec4 q0 = WT_TEXEL((b >> 4) + 1u + 2u * c), q1 = WT_TEXEL((b >> 4) + 2u + 2u * c);
  const uint qs[8] = uint[8](q0.x, q0.y, q0.z, q0.w, q1.x, q1.y, q1.z, q1.w);
  float d_lo, m_lo, d_hi, m_hi;
  k4_scales_texel(head, 2u * c, d_lo, m_lo);
  k4_scales_texel(head, 2u * c + 1u, d_hi, m_hi);
  [[unroll]] for (uint j = 0u; j < 32u; ++j) {
    const uint q = (qs[j >> 2] >> ((j & 3u) * 8u)) & 255u;
    // precise: no fused multiply-add, so the value is bit-exact with the CPU dequantizer.
    precise float lo = d_lo * float(q & 15u) - m_lo;
    precise float hi = d_hi * float(q >> 4) - m_hi;
    v[j] = lo;
    v[j + 32u] = hi;
  }
}
// Sub-block u (32 values) as integers (matmul_lanes.comp X_PAIRS' integer dot products): its nibbles, scale d1 = d * sc
// and min m1 = dmin * m (y = d1 * v - m1); the header texel and the chunk's two quant texels.
float wt_block32_int(uint row_off, uint u, out int v[32], out float m1) {
  const uint t = (row_off >> 4) + (u >> 3) * (Q4_K_BYTES / 16u);  // the block's header texel
  const uint s = u & 7u, c = s >> 1;
  const uvec4 head = WT_TEXEL(t);
  const uvec4 q0 = WT_TEXEL(t + 1u + 2u * c), q1 = WT_TEXEL(t + 2u + 2u * c);
  const uint qs[8] = uint[8](q0.x, q0.y, q0.z, q0.w, q1.x, q1.y, q1.z, q1.w);
  float d1;
  k4_scales_texel(head, s, d1, m1);
  const uint shift = (s & 1u) * 4u;
  [[unroll]] for (uint j = 0u; j < 32u; ++j) v[j] = int((qs[j >> 2] >> ((j & 3u) * 8u + shift)) & 15u);
  return d1;
}
#elif defined(WT_TEXEL)
#define WT_UNIT 16
// Texel buffers: blocks are 144 = 9 * 16 bytes and rows whole blocks, so a block's header (d, dmin, the 12
// scale bytes) is exactly one texel and each 16 quant bytes another: two fetches per unit.
// The unit's nibbles as integers (matmul_rows.comp X_PAIRS), its scale d1 = d * sc and min m1 = dmin * m:
// y = d1 * v - m1.
#define WT_UNIT_MIN
float wt_unit_int(uint row_off, uint u, out int v[WT_UNIT], out float m1) {
  const uint b = row_off + (u >> 4) * Q4_K_BYTES;
  const uint k = u & 15u;
  const uint s = k >> 1;
  const uvec4 head = WT_TEXEL(b >> 4);
  const uvec4 q = WT_TEXEL((b >> 4) + 1u + 2u * (s >> 1) + (k & 1u));
  const uint qs[4] = uint[4](q.x, q.y, q.z, q.w);
  float d1;
  k4_scales_texel(head, s, d1, m1);
  const uint shift = (s & 1u) * 4u;
  [[unroll]] for (uint j = 0u; j < 16u; ++j) v[j] = int((wt_byte(qs, j) >> shift) & 15u);
  return d1;
}
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  int q[WT_UNIT];
  float m1;
  const float d1 = wt_unit_int(row_off, u, q, m1);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) {
    // precise: no fused multiply-add, so the value is bit-exact with the CPU dequantizer.
    precise float y = d1 * float(q[j]) - m1;
    v[j] = y;
  }
}
#else
#define WT_UNIT 16
// INT8_DOT kernels and wt_dequant_unit below: the unit's nibbles as bytes, 4 per word; value j = d1 * q_j - m1.
float wt_unit_i8(uint row_off, uint u, out uint q[4], out float m) {
  const uint b = row_off + (u >> 4) * Q4_K_BYTES;
  const uint k = u & 15u;
  const uint s = k >> 1;
  float d1;
  k_scales(b, s, d1, m);
  const uint shift = (s & 1u) * 4u;
  uint qs[4];
  wt_load16(b + Q4_K_QS + 32u * (s >> 1) + 16u * (k & 1u), qs);
  [[unroll]] for (uint i = 0u; i < 4u; ++i) q[i] = (qs[i] >> shift) & 0x0F0F0F0Fu;
  return d1;
}
#include "quant_k_unit_i8.glsl"  // wt_dequant_unit from these quants
#endif
