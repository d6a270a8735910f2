// F32 weights: 4 bytes per value.
#ifdef WT_TEXEL
// Texel buffers: four values per unit, one aligned texel (the backend uses this only when rows are whole
// texels: K a multiple of 4).
#define WT_UNIT 4
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const vec4 t = uintBitsToFloat(WT_TEXEL(row_off / 16u + u));
  v[0] = t.x, v[1] = t.y, v[2] = t.z, v[3] = t.w;
}
#elif defined(WIDE_UNITS)
// Words (GPUs) where rows are whole units (K a multiple of 4: the planner's choice): four values per unit, 16
// consecutive bytes, so a thread has four loads in flight per row where one-value units had one.
#define WT_UNIT 4
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  const uint w0 = row_off / 4u + 4u * u;
  [[unroll]] for (uint k = 0u; k < 4u; ++k) v[k] = uintBitsToFloat(WT_WORD(w0 + k));
}
#else
// One value per unit.
#define WT_UNIT 1
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) { v[0] = wt_f32(row_off + 4u * u); }
#endif
