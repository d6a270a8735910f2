// Where a weight row's texels are: the Vulkan weight store's two row layouts (runtime/vulkan/weight_store.h).
// Plain (p.interleave_shift 0): row r at byte r * p.row_bytes. Interleaved (CPU devices, block types; shift s,
// groups of n = 2^s rows, p.row_bytes a whole number RT of texels): texel k of row r at texel
// ((r >> s) * RT + k) * n + r % n, so the rows-per-lane kernels' 8 lanes, each at texel k of its own row of a
// group, read 128 contiguous bytes, and a subgroup's weights are LANE_RUNS sequential streams, not one per row
// (llvmpipe's texel fetches missed the caches on the 32 rows' streams: Q8_0 matrix-vector product x2).
// Dequantizers address rows as if plain (byte offsets row * p.row_bytes + o): the texel q = r * RT + k they
// ask for is (q << s) - wt_fix, wt_fix = ((r - (r >> s)) * RT << s) - r % n being the row's term, which
// wt_row(r) sets before a row is read. The including shader's push constants have row_bytes and
// interleave_shift; include before quant.glsl, and define WT_TEXEL / WT_WORD with wt_texel / wt_word.
#ifndef VKG_WT_ROWS_GLSL
#define VKG_WT_ROWS_GLSL

uint wt_fix = 0u;  // the current row's term (wt_row)

// Row r's byte offset for the dequantizers; makes r the row that wt_texel / wt_word map.
uint wt_row(uint r) {
  const uint s = p.interleave_shift;
  wt_fix = (((r - (r >> s)) * (p.row_bytes / 16u)) << s) - (r & ((1u << s) - 1u));
  return r * p.row_bytes;
}
uint wt_texel(uint q) { return (q << p.interleave_shift) - wt_fix; }
uint wt_word(uint i) { return (wt_texel(i >> 2) << 2) | (i & 3u); }

#endif  // VKG_WT_ROWS_GLSL
