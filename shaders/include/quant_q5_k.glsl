// Q5_K (runtime/cpu/quant_blocks.h): 176-byte blocks of 256 values: f16 d @0, f16 dmin @2,
// u8 scales[12] @4 (packed as Q4_K), u8 qh[32] @16, u8 qs[128] @48 (nibbles as Q4_K). The 5th bit of
// y[32s + l] is bit s of qh[l]:
//   y[32s + l] = (d * sc[s]) * (nibble + 16 * bit) - (dmin * m[s])
// Unit u (16 values): block u/16, sub-block (u%16)/2, values 16*(u%2) .. +15 of it.
#include "runtime/quant/block_layouts.h"
#include "quant_k_scales.glsl"


#if defined(WT_TEXEL) && defined(WT_WINDOW)
// Texel decode shaders (WT_WINDOW): blocks are 176 = 11 * 16 bytes and rows whole blocks. A unit is a chunk of
// 64 values (sub-blocks 2c and 2c + 1: the low and high nibbles of 32 quant bytes, qh bits 2c and 2c + 1):
// five fetches (the header, the two qh texels, two quant texels).
#define WT_UNIT 64
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const uint t = (row_off + (u >> 2) * Q5_K_BYTES) >> 4;
  const uint c = u & 3u;
  const uvec4 head = WT_TEXEL(t);
  const uvec4 h0 = WT_TEXEL(t + 1u), h1 = WT_TEXEL(t + 2u);
  const uvec4 q0 = WT_TEXEL(t + 3u + 2u * c), q1 = WT_TEXEL(t + 4u + 2u * c);
  const uint qh[8] = uint[8](h0.x, h0.y, h0.z, h0.w, h1.x, h1.y, h1.z, h1.w);
  const uint qs[8] = uint[8](q0.x, q0.y, q0.z, q0.w, q1.x, q1.y, q1.z, q1.w);
  float d_lo, m_lo, d_hi, m_hi;
  k4_scales_texel(head, 2u * c, d_lo, m_lo);
  k4_scales_texel(head, 2u * c + 1u, d_hi, m_hi);
  [[unroll]] for (uint j = 0u; j < 32u; ++j) {
    const uint q = (qs[j >> 2] >> ((j & 3u) * 8u)) & 255u;
    const uint h = (qh[j >> 2] >> ((j & 3u) * 8u + 2u * c)) & 3u;
    precise float lo = d_lo * float((q & 15u) + ((h & 1u) << 4)) - m_lo;  // precise: bit-exact with the CPU
    precise float hi = d_hi * float((q >> 4) + ((h >> 1) << 4)) - m_hi;
    v[j] = lo;
    v[j + 32u] = hi;
  }
}
#elif defined(WT_TEXEL)
// Texel buffers: the header texel, the unit's qh texel and quant texel (three fetches per 16 values).
#define WT_UNIT 16
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const uint t = (row_off + (u >> 4) * Q5_K_BYTES) >> 4;
  const uint k = u & 15u;
  const uint s = k >> 1;
  const uvec4 head = WT_TEXEL(t);
  const uvec4 h = WT_TEXEL(t + 1u + (k & 1u));
  const uvec4 q = WT_TEXEL(t + 3u + 2u * (s >> 1) + (k & 1u));
  const uint qh[4] = uint[4](h.x, h.y, h.z, h.w);
  const uint qs[4] = uint[4](q.x, q.y, q.z, q.w);
  float d1, m1;
  k4_scales_texel(head, s, d1, m1);
  const uint shift = (s & 1u) * 4u;
  [[unroll]] for (uint j = 0u; j < 16u; ++j) {
    const uint qv = ((wt_byte(qs, j) >> shift) & 15u) + (((wt_byte(qh, j) >> s) & 1u) << 4);
    precise float y = d1 * float(qv) - m1;  // precise: bit-exact with the CPU (no fma)
    v[j] = y;
  }
}
#else
#define WT_UNIT 16
// INT8_DOT kernels and wt_dequant_unit below: the unit's 5-bit quants as bytes, 4 per word; value j = d1 * q_j - m1.
float wt_unit_i8(uint row_off, uint u, out uint q[4], out float m) {
  const uint b = row_off + (u >> 4) * Q5_K_BYTES;
  const uint k = u & 15u;
  const uint s = k >> 1;
  float d1;
  k_scales(b, s, d1, m);
  const uint l0 = 16u * (k & 1u);
  const uint shift = (s & 1u) * 4u;
  uint qs[4], qh[4];
  wt_load16(b + Q5_K_QS + 32u * (s >> 1) + l0, qs);
  wt_load16(b + Q5_K_QH + l0, qh);
  [[unroll]] for (uint i = 0u; i < 4u; ++i)
    q[i] = ((qs[i] >> shift) & 0x0F0F0F0Fu) | (((qh[i] >> s) & 0x01010101u) << 4);
  return d1;
}
#include "quant_k_unit_i8.glsl"  // wt_dequant_unit from these quants
#endif
