// Loads from a raw GGUF weight buffer, and the fp16 / bf16 / f32 decoders built on them.
//
// The including shader declares the weight buffer as 32-bit words and defines
//   #define WT_WORD(i) <buffer>[i]
// before including this file. Bytes and 16-bit values are extracted from words: GGUF blocks are only
// 2-byte aligned (18/22/34/210-byte blocks), so a 32-bit value at an offset = 2 (mod 4) is assembled from
// two words. Word loads matter on lavapipe, where every load is a per-lane gather: one word gives four
// quants. Buffers are padded by 32 bytes (runtime/vulkan/buffer.cpp), so the second word of a value that
// ends a buffer is still in range. Multi-byte values are little-endian.
#ifndef VKG_WT_LOAD_GLSL
#define VKG_WT_LOAD_GLSL

#ifndef WT_WORD
#error "define WT_WORD(i) (32-bit word i of the weight buffer) before including wt_load.glsl"
#endif

uint wt_u8(uint off) { return (WT_WORD(off >> 2) >> ((off & 3u) * 8u)) & 255u; }

// Signed byte: sign-extend bits 0..7.
int wt_i8(uint off) { return bitfieldExtract(int(wt_u8(off)), 0, 8); }

// off must be even (every 16-bit field of a GGUF block is).
uint wt_u16(uint off) { return (WT_WORD(off >> 2) >> ((off & 2u) * 8u)) & 0xFFFFu; }

// off must be even.
uint wt_u32(uint off) {
  const uint i = off >> 2;
  if ((off & 2u) == 0u) return WT_WORD(i);
  return (WT_WORD(i) >> 16) | (WT_WORD(i + 1u) << 16);
}

// The 16 bytes at even offset off, as 4 little-endian words; byte j is wt_byte(w, j).
#ifdef WT_TEXEL
// Texel buffers (WT_TEXEL(q): the 16-byte texel q as a uvec4): the two texels that hold the 16 bytes, then
// the words picked and shifted in registers. Two fetches instead of four to eight.
uint wt_pick(uint v[8], uint first, uint k) {  // v[first + k], first in [0, 4), k a constant after unrolling
  return first == 0u ? v[k] : first == 1u ? v[k + 1u] : first == 2u ? v[k + 2u] : v[k + 3u];
}
void wt_load16(uint off, out uint w[4]) {
  const uvec4 a = WT_TEXEL(off >> 4), b = WT_TEXEL((off >> 4) + 1u);
  const uint v[8] = uint[8](a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w);
  const uint first = (off >> 2) & 3u;
  const bool odd_half = (off & 2u) != 0u;
  [[unroll]] for (uint k = 0u; k < 4u; ++k) {
    const uint lo = wt_pick(v, first, k);
    const uint hi = wt_pick(v, first, k + 1u);
    w[k] = odd_half ? (lo >> 16) | (hi << 16) : lo;
  }
}
// Windows: the 36 (wt_window: 9 words from three texels) or 64 (wt_window5: 16 words from five texels) bytes at
// even offset off, as little-endian words. wt_window holds a whole Q4_0/Q5_0/Q8_0 block of 18/22/34 bytes (of
// its last word only what those blocks need is exact): 3 fetches per block where a unit of 16 values took 3 or
// 4 (buffers are padded for the third texel: runtime/vulkan/buffer.cpp).
// WT_ALIGN_WORDS: the n_out words w from byte off & 15 of the n_in words v of the texels from texel off >> 4 (off
// even; n_out + 2 < n_in), in two rotation stages (by 2 words, then by 1: 2 selects per word where picking each
// of 4 candidates took 3, twice), joined in 16-bit halves where off is 2 mod 4. A macro, as GLSL arrays have
// fixed sizes: windows (wt_align_words, 20 -> 16 words) and Q6_K's whole blocks (quant_q6_k.glsl, 56 -> 53).
#define WT_ALIGN_WORDS(v, n_in, off, w, n_out)                                                                 \
  {                                                                                                            \
    const uint first_ = ((off) >> 2) & 3u;                                                                     \
    uint r_[n_in - 1], al_[n_out + 1];                                                                         \
    [[unroll]] for (uint i_ = 0u; i_ < uint(n_in - 1); ++i_)                                                   \
      r_[i_] = (first_ & 2u) != 0u ? v[min(i_ + 2u, uint(n_in - 1))] : v[i_];                                  \
    [[unroll]] for (uint i_ = 0u; i_ <= uint(n_out); ++i_) al_[i_] = (first_ & 1u) != 0u ? r_[i_ + 1u] : r_[i_]; \
    const bool odd_ = ((off) & 2u) != 0u;                                                                      \
    [[unroll]] for (uint k_ = 0u; k_ < uint(n_out); ++k_)                                                      \
      w[k_] = odd_ ? (al_[k_] >> 16) | (al_[k_ + 1u] << 16) : al_[k_];                                         \
  }
// The window's words (v: the texels' words, unused ones zero); wt_window's unused outputs are dead code to the
// compiler.
void wt_align_words(uint v[20], uint off, out uint w[16]) WT_ALIGN_WORDS(v, 20, off, w, 16)
// Groups (WT_GROUP: matmul_lanes.comp's decode of Q8_0): where a row starts on a texel (the weight
// store pads Q8_0 rows to whole texels on CPU devices), 8 blocks of 34 bytes are 17 whole texels, so block b of a
// group lies in the 3 texels from (34 * b) / 16 at a byte offset known when the shader is compiled: its fields
// are picked from the texels' 12 words v by constant shifts, with none of the per-lane realignment a window
// needs, and the texel it shares with block b + 1 is fetched once (17 fetches per 8 blocks, was 24). Positions
// are bytes into v, constants once inlined and unrolled; 16-bit fields start at even bytes.
int wt_gi8(uint v[12], uint pos) { return bitfieldExtract(int(v[pos >> 2]), int((pos & 3u) * 8u), 8); }
uint wt_g16(uint v[12], uint pos) { return (v[pos >> 2] >> ((pos & 2u) * 8u)) & 0xFFFFu; }
// The words of n consecutive texels from texel t, the rest of v zero.
void wt_texel_words(uint t, uint n, out uint v[20]) {
  [[unroll]] for (uint i = 0u; i < 5u; ++i) {
    const uvec4 q = i < n ? WT_TEXEL(t + i) : uvec4(0u);
    v[4u * i] = q.x, v[4u * i + 1u] = q.y, v[4u * i + 2u] = q.z, v[4u * i + 3u] = q.w;
  }
}
void wt_window(uint off, out uint w[9]) {
  uint v[20], all[16];
  wt_texel_words(off >> 4, 3u, v);
  wt_align_words(v, off, all);
  [[unroll]] for (uint k = 0u; k < 9u; ++k) w[k] = all[k];
}
void wt_window5(uint off, out uint w[16]) {
  uint v[20];
  wt_texel_words(off >> 4, 5u, v);
  wt_align_words(v, off, w);
}
#else
void wt_load16(uint off, out uint w[4]) {
  [[unroll]] for (uint k = 0u; k < 4u; ++k) w[k] = wt_u32(off + 4u * k);
}
#endif
uint wt_byte(uint w[4], uint j) { return (w[j >> 2] >> ((j & 3u) * 8u)) & 255u; }

// IEEE binary16 -> fp32 (exact for normal, subnormal, inf, nan).
float wt_f16(uint off) { return unpackHalf2x16(wt_u16(off)).x; }

// bfloat16 -> fp32: the top 16 bits of an fp32.
float wt_bf16(uint off) { return uintBitsToFloat(wt_u16(off) << 16); }

float wt_f32(uint off) { return uintBitsToFloat(wt_u32(off)); }

#endif  // VKG_WT_LOAD_GLSL
