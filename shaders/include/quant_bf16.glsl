// BF16 weights: 2 bytes per value, the top 16 bits of an fp32.
#ifdef WT_TEXEL
// Texel buffers: eight values per unit, one aligned texel (the backend uses this only when rows are whole
// texels: K a multiple of 8).
#define WT_UNIT 8
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const uvec4 t = WT_TEXEL(row_off / 16u + u);
  [[unroll]] for (uint k = 0u; k < 4u; ++k) {
    v[2u * k] = uintBitsToFloat(t[k] << 16);
    v[2u * k + 1u] = uintBitsToFloat(t[k] & 0xFFFF0000u);
  }
}
#else
// One value per unit.
#define WT_UNIT 1
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) { v[0] = wt_bf16(row_off + 2u * u); }
#endif
