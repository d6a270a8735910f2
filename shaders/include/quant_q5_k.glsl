// Q5_K (runtime/cpu/quant_blocks.h): 176-byte blocks of 256 values: f16 d @0, f16 dmin @2,
// u8 scales[12] @4 (packed as Q4_K), u8 qh[32] @16, u8 qs[128] @48 (nibbles as Q4_K). The 5th bit of
// y[32s + l] is bit s of qh[l]:
//   y[32s + l] = (d * sc[s]) * (nibble + 16 * bit) - (dmin * m[s])
// Unit u (16 values): block u/16, sub-block (u%16)/2, values 16*(u%2) .. +15 of it.
#include "quant_k_scales.glsl"

#define WT_UNIT 16
#define Q5_K_BYTES 176u

void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const uint b = row_off + (u >> 4) * Q5_K_BYTES;
  const uint k = u & 15u;
  const uint s = k >> 1;
  const uint scm = k_scale_min(b + 4u, s);
  const float d1 = wt_f16(b) * float(scm & 255u);
  const float m1 = wt_f16(b + 2u) * float(scm >> 8);
  const uint l0 = 16u * (k & 1u);
  const uint q0 = b + 48u + 32u * (s >> 1) + l0;
  const uint h0 = b + 16u + l0;
  const uint shift = (s & 1u) * 4u;
  uint qs[4], qh[4];
  wt_load16(q0, qs);
  wt_load16(h0, qh);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) {
    const uint q = ((wt_byte(qs, j) >> shift) & 15u) + (((wt_byte(qh, j) >> s) & 1u) << 4);
    precise float y = d1 * float(q) - m1;  // precise: bit-exact with the CPU (no fma)
    v[j] = y;
  }
}
