// Q8_0 (runtime/cpu/quant_blocks.h): 34-byte blocks of 32 values: f16 d @0, i8 qs[32] @2.
//   y[j] = d * qs[j]
#include "runtime/quant/block_layouts.h"
#ifdef WT_WINDOW
// Texel decode shaders (WT_WINDOW): a unit is a whole block, read through one 3-texel window (3 fetches
// per 32 values, was 6).
#define WT_UNIT 32
#define WT_UNIT_SCALE
float wt_unit_scaled(uint row_off, uint u, out float q[WT_UNIT]) {
  uint w[9];
  wt_window(row_off + u * Q8_0_BYTES, w);
  [[unroll]] for (uint j = 0u; j < 32u; ++j)
    q[j] = float(bitfieldExtract(int(w[(j + Q8_0_QS) >> 2]), int(((j + Q8_0_QS) & 3u) * 8u), 8));
  return unpackHalf2x16(w[0] & 0xFFFFu).x;
}
#ifdef WT_GROUP
#define WT_BLOCK_BYTES Q8_0_BYTES
// The block at byte s of the words v (wt_load.glsl's groups): its quants, its scale returned.
float wt_block_scaled(uint v[12], uint s, out float q[32]) {
  [[unroll]] for (uint j = 0u; j < 32u; ++j) q[j] = float(wt_gi8(v, s + Q8_0_QS + j));
  return unpackHalf2x16(wt_g16(v, s)).x;
}
#endif
#else
#define WT_UNIT 16
#define WT_UNIT_SCALE
// INT8_DOT kernels and wt_unit_scaled below: the unit's 16 quants as signed bytes, 4 per word; value j =
// d * q_j (m = 0).
float wt_unit_i8(uint row_off, uint u, out uint q[4], out float m) {
  const uint b = row_off + (u >> 1) * Q8_0_BYTES;
  wt_load16(b + Q8_0_QS + (u & 1u) * 16u, q);
  m = 0.0;
  return wt_f16(b);
}
// The same quants as floats, the scale apart.
float wt_unit_scaled(uint row_off, uint u, out float v[WT_UNIT]) {
  uint q[4];
  float m;
  const float d = wt_unit_i8(row_off, u, q, m);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) v[j] = float(bitfieldExtract(int(q[j >> 2]), int((j & 3u) * 8u), 8));
  return d;
}
#endif
