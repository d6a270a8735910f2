// Q4_0 (runtime/cpu/quant_blocks.h): 18-byte blocks of 32 values: f16 d @0, u8 qs[16] @2.
//   y[j]      = d * ((qs[j] & 0xF) - 8)     j in [0,16)
//   y[j + 16] = d * ((qs[j] >> 4)  - 8)
#include "runtime/quant/block_layouts.h"
#ifdef WT_WINDOW
// Texel decode shaders (WT_WINDOW): a unit is a whole block, read through one 3-texel window.
#define WT_UNIT 32
#define WT_UNIT_SCALE
// The block's quants minus 8 as integers (matmul_lanes.comp X_PAIRS' integer dot products), and d.
float wt_block32_int(uint row_off, uint u, out int v[32]) {
  uint w[9];
  wt_window(row_off + u * Q4_0_BYTES, w);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) {
    const uint q = (w[(j + Q4_0_QS) >> 2] >> (((j + Q4_0_QS) & 3u) * 8u)) & 255u;
    v[j] = int(q & 15u) - 8;
    v[j + 16u] = int(q >> 4) - 8;
  }
  return unpackHalf2x16(w[0] & 0xFFFFu).x;
}
float wt_unit_scaled(uint row_off, uint u, out float v[WT_UNIT]) {
  int q[WT_UNIT];
  const float d = wt_block32_int(row_off, u, q);
  [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) v[j] = float(q[j]);
  return d;
}
#else
// Unit u (16 values) = block u/2; even units use the low nibbles, odd units the high nibbles.
#define WT_UNIT 16
#define WT_UNIT_SCALE
// The unit's quants minus 8 as integers (X_PAIRS's integer dot products), and d.
float wt_unit_int(uint row_off, uint u, out int v[WT_UNIT]) {
  const uint b = row_off + (u >> 1) * Q4_0_BYTES;
  const uint shift = (u & 1u) * 4u;
  uint qs[4];
  wt_load16(b + Q4_0_QS, qs);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) v[j] = int((wt_byte(qs, j) >> shift) & 15u) - 8;
  return wt_f16(b);
}
float wt_unit_scaled(uint row_off, uint u, out float v[WT_UNIT]) {
  int q[WT_UNIT];
  const float d = wt_unit_int(row_off, u, q);
  [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) v[j] = float(q[j]);
  return d;
}
// INT8_DOT (matmul.comp): the unit's nibbles as bytes, 4 per word; value j = d * q_j - 8 d.
float wt_unit_i8(uint row_off, uint u, out uint q[4], out float m) {
  const uint b = row_off + (u >> 1) * Q4_0_BYTES;
  const uint shift = (u & 1u) * 4u;
  uint qs[4];
  wt_load16(b + Q4_0_QS, qs);
  [[unroll]] for (uint k = 0u; k < 4u; ++k) q[k] = (qs[k] >> shift) & 0x0F0F0F0Fu;
  const float d = wt_f16(b);
  m = 8.0 * d;
  return d;
}
#endif
