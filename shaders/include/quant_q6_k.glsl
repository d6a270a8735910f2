// Q6_K (runtime/cpu/quant_blocks.h): 210-byte blocks of 256 values: u8 ql[128] @0, u8 qh[64] @128,
// i8 scales[16] @192, f16 d @208. Value i = 128h + 32g + l (h in 0..1, g in 0..3, l in 0..31):
//   low 4 bits:  ql[64h + l + 32*(g & 1)], low nibble for g < 2, high nibble for g >= 2
//   high 2 bits: (qh[32h + l] >> 2g) & 3
//   y[i] = (d * scales[i / 16]) * (q - 32)
#include "runtime/quant/block_layouts.h"

#if defined(WT_TEXEL) && defined(WT_WINDOW)
// Texel decode shaders (WT_WINDOW): a unit is 64 values, half h of the block and groups g = 2gg, 2gg + 1: the
// 64 ql bytes of the half (nibble 4gg), its 32 qh bytes (bits 4gg + 2 (j >> 5)), 4 scales. 11 fetches (windows of
// 5 and 3 texels, the scale texels, d) where four 16-value units took 24.
#define WT_UNIT 64
// The unit's values from the half's 64 ql bytes (16 words), its 32 qh bytes (the first 8 words of qh), sw (the 4
// scale bytes of sub-blocks 8h + 4gg .. +3) and d.
void q6k_unit64(uint ql[16], uint qh[9], uint sw, float d, uint gg, out float v[64]) {
  float s[4];
  [[unroll]] for (uint i = 0u; i < 4u; ++i) s[i] = d * float(bitfieldExtract(int(sw), int(8u * i), 8));
  const uint lshift = 4u * gg;
  [[unroll]] for (uint j = 0u; j < 64u; ++j) {
    const uint l = j & 31u;
    const uint lo = (ql[j >> 2] >> ((j & 3u) * 8u + lshift)) & 15u;
    const uint hi = (qh[l >> 2] >> ((l & 3u) * 8u + lshift + 2u * (j >> 5))) & 3u;
    v[j] = s[j >> 4] * float(int(lo | (hi << 4)) - 32);
  }
}
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const uint b = row_off + (u >> 2) * Q6_K_BYTES;
  const uint h = (u >> 1) & 1u, gg = u & 1u;
  uint ql[16], qh[9], sc[4];
  wt_window5(b + 64u * h, ql);
  wt_window(b + Q6_K_QH + 32u * h, qh);
  wt_load16(b + Q6_K_SCALES, sc);
  q6k_unit64(ql, qh, sc[2u * h + gg], wt_f16(b + Q6_K_D), gg, v);
}
#ifdef WT_SUPER
// Rows-per-lane decode of whole blocks (matmul_lanes.comp WT_SUPER; rows on whole texels, so block b starts at
// byte 2b mod 16 of a texel): the block's 210 bytes from its 14 texels, fetched once for its 4 units (11 fetches
// per unit of 64 through windows before), as 53 little-endian words.
void wt_super_words(uint off, out uint v[53]) {
  uint t[56];
  [[unroll]] for (uint i = 0u; i < 14u; ++i) {
    const uvec4 q = WT_TEXEL((off >> 4) + i);
    t[4u * i] = q.x, t[4u * i + 1u] = q.y, t[4u * i + 2u] = q.z, t[4u * i + 3u] = q.w;
  }
  WT_ALIGN_WORDS(t, 56, off, v, 53)
}
// Unit u (0..3, a constant once unrolled: 64 values, as wt_dequant_unit's) of the block in v: its words picked at
// constant indices.
void wt_super_unit(uint v[53], uint u, out float y[64]) {
  const uint h = u >> 1, gg = u & 1u;
  uint ql[16], qh[9];
  [[unroll]] for (uint k = 0u; k < 16u; ++k) ql[k] = v[16u * h + k];
  [[unroll]] for (uint k = 0u; k < 9u; ++k) qh[k] = k < 8u ? v[Q6_K_QH / 4u + 8u * h + k] : 0u;
  q6k_unit64(ql, qh, v[(Q6_K_SCALES + 8u * h + 4u * gg) / 4u], unpackHalf2x16(v[Q6_K_D / 4u] & 0xFFFFu).x, gg, y);
}
#endif
// Sub-block u (32 values: half h, group g of the block) as integers q - 32 (matmul_lanes.comp X_PAIRS' integer dot
// products), and its two scales d * scale: values 0..15 (returned) and 16..31 (s_hi). Windows of its ql and qh
// bytes and of the block's tail (the 16 scales, then d).
float wt_block32_int(uint row_off, uint u, out int v[32], out float s_hi) {
  const uint b = row_off + (u >> 3) * Q6_K_BYTES;
  const uint h = (u >> 2) & 1u, g = u & 3u;
  uint ql[9], qh[9], tail[9];
  wt_window(b + 64u * h + 32u * (g & 1u), ql);
  wt_window(b + Q6_K_QH + 32u * h, qh);
  wt_window(b + Q6_K_SCALES, tail);
  const uint k = 2u * h + (g >> 1);  // the word of scales 8h + 2g, 8h + 2g + 1
  const uint sw = k == 0u ? tail[0] : k == 1u ? tail[1] : k == 2u ? tail[2] : tail[3];
  const int shift = int((g & 1u) * 16u);
  const float d = unpackHalf2x16(tail[(Q6_K_D - Q6_K_SCALES) / 4u]).x;
  s_hi = d * float(bitfieldExtract(int(sw), shift + 8, 8));
  const uint lshift = 4u * (g >> 1), hshift = 2u * g;
  [[unroll]] for (uint j = 0u; j < 32u; ++j) {
    const uint lo = (ql[j >> 2] >> ((j & 3u) * 8u + lshift)) & 15u;
    const uint hi = (qh[j >> 2] >> ((j & 3u) * 8u + hshift)) & 3u;
    v[j] = int(lo | (hi << 4)) - 32;
  }
  return d * float(bitfieldExtract(int(sw), shift, 8));
}
#else
// Unit u (16 values) = block u/16, sub-block k = u%16 (values 16k .. 16k+15, one scale).
#define WT_UNIT 16
// The unit's q - 32 as integers (matmul_rows.comp X_PAIRS) and its scale s = d * scale: y = s * v. |v| <= 32,
// so only 8-value sums with 8-bit activations fit 16 bits (X_PAIRS sums even and odd values apart).
#define WT_PAIR_HALVES
float wt_unit_int(uint row_off, uint u, out int v[WT_UNIT]) {
  const uint b = row_off + (u >> 4) * Q6_K_BYTES;
  const uint k = u & 15u;
  const float s = wt_f16(b + Q6_K_D) * float(wt_i8(b + Q6_K_SCALES + k));
  const uint h = k >> 3;         // half of the block
  const uint g = (k >> 1) & 3u;  // group of 32 within the half
  const uint l0 = 16u * (k & 1u);
  const uint ql0 = b + 64u * h + 32u * (g & 1u) + l0;
  const uint qh0 = b + Q6_K_QH + 32u * h + l0;
  const uint lshift = (g >> 1) * 4u;
  const uint hshift = 2u * g;
  uint ql[4], qh[4];
  wt_load16(ql0, ql);
  wt_load16(qh0, qh);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) {
    const uint q = ((wt_byte(ql, j) >> lshift) & 15u) | (((wt_byte(qh, j) >> hshift) & 3u) << 4);
    v[j] = int(q) - 32;
  }
  return s;
}
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  int q[WT_UNIT];
  const float s = wt_unit_int(row_off, u, q);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) v[j] = s * float(q[j]);
}
// INT8_DOT (matmul.comp): the unit's 6-bit quants (0..63) as bytes, 4 per word; value j = s * q_j - 32 s.
float wt_unit_i8(uint row_off, uint u, out uint q[4], out float m) {
  const uint b = row_off + (u >> 4) * Q6_K_BYTES;
  const uint k = u & 15u;
  const float s = wt_f16(b + Q6_K_D) * float(wt_i8(b + Q6_K_SCALES + k));
  const uint h = k >> 3, g = (k >> 1) & 3u, l0 = 16u * (k & 1u);
  const uint lshift = (g >> 1) * 4u, hshift = 2u * g;
  uint ql[4], qh[4];
  wt_load16(b + 64u * h + 32u * (g & 1u) + l0, ql);
  wt_load16(b + Q6_K_QH + 32u * h + l0, qh);
  [[unroll]] for (uint i = 0u; i < 4u; ++i)
    q[i] = ((ql[i] >> lshift) & 0x0F0F0F0Fu) | (((qh[i] >> hshift) & 0x03030303u) << 4);
  m = 32.0 * s;
  return s;
}
#endif
