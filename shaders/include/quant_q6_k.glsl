// Q6_K (runtime/cpu/quant_blocks.h): 210-byte blocks of 256 values: u8 ql[128] @0, u8 qh[64] @128,
// i8 scales[16] @192, f16 d @208. Value i = 128h + 32g + l (h in 0..1, g in 0..3, l in 0..31):
//   low 4 bits:  ql[64h + l + 32*(g & 1)], low nibble for g < 2, high nibble for g >= 2
//   high 2 bits: (qh[32h + l] >> 2g) & 3
//   y[i] = (d * scales[i / 16]) * (q - 32)
// Unit u (16 values) = block u/16, sub-block k = u%16 (values 16k .. 16k+15, one scale).
#define WT_UNIT 16
#define Q6_K_BYTES 210u

void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const uint b = row_off + (u >> 4) * Q6_K_BYTES;
  const uint k = u & 15u;
  const float s = wt_f16(b + 208u) * float(wt_i8(b + 192u + k));
  const uint h = k >> 3;         // half of the block
  const uint g = (k >> 1) & 3u;  // group of 32 within the half
  const uint l0 = 16u * (k & 1u);
  const uint ql0 = b + 64u * h + 32u * (g & 1u) + l0;
  const uint qh0 = b + 128u + 32u * h + l0;
  const uint lshift = (g >> 1) * 4u;
  const uint hshift = 2u * g;
  uint ql[4], qh[4];
  wt_load16(ql0, ql);
  wt_load16(qh0, qh);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) {
    const uint q = ((wt_byte(ql, j) >> lshift) & 15u) | (((wt_byte(qh, j) >> hshift) & 3u) << 4);
    v[j] = s * float(int(q) - 32);
  }
}
