// Q5_0 (runtime/cpu/quant_blocks.h): 22-byte blocks of 32 values: f16 d @0, u8 qh[4] @2 (little-endian
// uint32 h: bit j is the 5th bit of y[j]), u8 qs[16] @6 (nibbles as in Q4_0).
//   y[j]      = d * (((qs[j] & 0xF) | (((h >> j)        & 1) << 4)) - 16)   j in [0,16)
//   y[j + 16] = d * (((qs[j] >> 4)  | (((h >> (j + 16)) & 1) << 4)) - 16)
#include "runtime/quant/block_layouts.h"
#ifdef WT_WINDOW
// Texel decode shaders (WT_WINDOW): a unit is a whole block, read through one 3-texel window (3 fetches
// per 32 values, was 8).
#define WT_UNIT 32
#define WT_UNIT_SCALE
// The block's quants minus 16 as integers (matmul_lanes.comp X_PAIRS' integer dot products), and d.
float wt_block32_int(uint row_off, uint u, out int v[32]) {
  uint w[9];
  wt_window(row_off + u * Q5_0_BYTES, w);
  const uint h = (w[0] >> 16) | (w[1] << 16);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) {
    const uint q = (w[(j + Q5_0_QS) >> 2] >> (((j + Q5_0_QS) & 3u) * 8u)) & 255u;
    v[j] = int((q & 15u) | (((h >> j) & 1u) << 4)) - 16;
    v[j + 16u] = int((q >> 4) | (((h >> (j + 16u)) & 1u) << 4)) - 16;
  }
  return unpackHalf2x16(w[0] & 0xFFFFu).x;
}
float wt_unit_scaled(uint row_off, uint u, out float v[WT_UNIT]) {
  int q[WT_UNIT];
  const float d = wt_block32_int(row_off, u, q);
  [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) v[j] = float(q[j]);
  return d;
}
#elif defined(WT_TEXEL)
// Texel prefill shaders: a unit is half a block, its bytes from the block's 3-texel window (3 fetches where
// the scale, the high bits and the quants took 4).
#define WT_UNIT 16
#define WT_UNIT_SCALE
// The unit's quants minus 16 as integers (X_PAIRS's integer dot products), and d.
float wt_unit_int(uint row_off, uint u, out int v[WT_UNIT]) {
  uint w[9];
  wt_window(row_off + (u >> 1) * Q5_0_BYTES, w);
  const uint hi = u & 1u;
  const uint h = ((w[0] >> 16) | (w[1] << 16)) >> (16u * hi);  // the high bits of this half
  const uint shift = hi * 4u;
  [[unroll]] for (uint j = 0u; j < 16u; ++j) {
    const uint q = (w[(j + Q5_0_QS) >> 2] >> (((j + Q5_0_QS) & 3u) * 8u + shift)) & 15u;
    v[j] = int(q | (((h >> j) & 1u) << 4)) - 16;
  }
  return unpackHalf2x16(w[0] & 0xFFFFu).x;
}
float wt_unit_scaled(uint row_off, uint u, out float v[WT_UNIT]) {
  int q[WT_UNIT];
  const float d = wt_unit_int(row_off, u, q);
  [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) v[j] = float(q[j]);
  return d;
}
#else
#define WT_UNIT 16

// INT8_DOT kernels and wt_dequant_unit below: the unit's 5-bit quants as bytes, 4 per word; value j = d * q_j -
// 16 d. The high bits of word k's 4 values, (h >> 4k) & 15, are spread to bit 0 of each byte by one multiply
// (bit i lands on bit 8i: the shifted copies 0, 7, 14, 21 do not overlap) and moved to bit 4.
float wt_unit_i8(uint row_off, uint u, out uint q[4], out float m) {
  const uint b = row_off + (u >> 1) * Q5_0_BYTES;
  const uint hi = u & 1u;
  const uint h = wt_u16(b + Q5_0_QH + 2u * hi);
  const uint shift = hi * 4u;
  uint qs[4];
  wt_load16(b + Q5_0_QS, qs);
  [[unroll]] for (uint k = 0u; k < 4u; ++k)
    q[k] = ((qs[k] >> shift) & 0x0F0F0F0Fu) | (((((h >> (4u * k)) & 15u) * 0x00204081u) & 0x01010101u) << 4);
  const float d = wt_f16(b);
  m = 16.0 * d;
  return d;
}
// The fp32 products' values from the same quants: d * (q - 16), as the CPU dequantizer computes them.
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  uint q[4];
  float m;
  const float d = wt_unit_i8(row_off, u, q, m);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) v[j] = d * float(int(wt_byte(q, j)) - 16);
}
#endif
