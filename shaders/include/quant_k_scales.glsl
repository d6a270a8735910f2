// The packed 6-bit (scale, min) pairs of Q4_K / Q5_K: ggml's get_scale_min_k4 over the 12 bytes at
// byte offset `scales` (runtime/cpu/quant_blocks.h):
//   s < 4:  sc = q[s] & 63;                           m = q[s + 4] & 63
//   s >= 4: sc = (q[s + 4] & 0xF) | ((q[s - 4] >> 6) << 4);
//           m  = (q[s + 4] >> 4)  | ((q[s]     >> 6) << 4)
#ifndef VKG_QUANT_K_SCALES_GLSL
#define VKG_QUANT_K_SCALES_GLSL

// Returns sc | (m << 8).
uint k_scale_min(uint scales, uint s) {
  if (s < 4u) return (wt_u8(scales + s) & 63u) | ((wt_u8(scales + s + 4u) & 63u) << 8);
  const uint b = wt_u8(scales + s + 4u);
  const uint sc = (b & 15u) | ((wt_u8(scales + s - 4u) >> 6) << 4);
  const uint m = (b >> 4) | ((wt_u8(scales + s) >> 6) << 4);
  return sc | (m << 8);
}

// Sub-block s's scale d1 = d * sc and min m1 = dmin * m of the Q4_K / Q5_K block at byte b (the two share their
// header: d @0, dmin @2, scales @4; runtime/quant/blocks.h asserts it).
void k_scales(uint b, uint s, out float d1, out float m1) {
  const uint scm = k_scale_min(b + Q4_K_SCALES, s);
  d1 = wt_f16(b) * float(scm & 255u);
  m1 = wt_f16(b + Q4_K_DMIN) * float(scm >> 8);
}

// The same from a Q4_K / Q5_K block's header texel (bytes 0..15: d, dmin, the 12 scale bytes), sub-block s.
#ifdef WT_TEXEL
void k4_scale_min_texel(uvec4 head, uint s, out uint sc, out uint m) {
  if (s < 4u) {
    sc = (head[1] >> (8u * s)) & 63u;
    m = (head[2] >> (8u * s)) & 63u;
  } else {
    const uint j = s - 4u;
    const uint hi = (head[3] >> (8u * j)) & 255u;
    sc = (hi & 15u) | (((head[1] >> (8u * j)) >> 6 & 3u) << 4);
    m = (hi >> 4) | (((head[2] >> (8u * j)) >> 6 & 3u) << 4);
  }
}
// Sub-block s's scale d * sc and min dmin * m, from the header texel.
void k4_scales_texel(uvec4 head, uint s, out float d1, out float m1) {
  uint sc, m;
  k4_scale_min_texel(head, s, sc, m);
  const vec2 dm = unpackHalf2x16(head[0]);  // d, dmin
  d1 = dm.x * float(sc);
  m1 = dm.y * float(m);
}
#endif

#endif  // VKG_QUANT_K_SCALES_GLSL
