// F16 weights: 2 bytes per value (IEEE binary16).
#ifdef WT_TEXEL
// Texel buffers: eight values per unit, one aligned texel (the backend uses this only when rows are whole
// texels: K a multiple of 8).
#define WT_UNIT 8
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const uvec4 t = WT_TEXEL(row_off / 16u + u);
  [[unroll]] for (uint k = 0u; k < 4u; ++k) {
    const vec2 h = unpackHalf2x16(t[k]);
    v[2u * k] = h.x;
    v[2u * k + 1u] = h.y;
  }
}
#elif defined(WIDE_UNITS)
// Words (GPUs) where rows are whole units (K a multiple of 8: the planner's choice): eight values per unit, 16
// consecutive bytes in four word loads, where one-value units had each thread load a word for half of it.
#define WT_UNIT 8
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const uint w0 = row_off / 4u + 4u * u;
  [[unroll]] for (uint k = 0u; k < 4u; ++k) {
    const vec2 h = unpackHalf2x16(WT_WORD(w0 + k));
    v[2u * k] = h.x;
    v[2u * k + 1u] = h.y;
  }
}
#else
// One value per unit.
#define WT_UNIT 1
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) { v[0] = wt_f16(row_off + 2u * u); }
#endif
