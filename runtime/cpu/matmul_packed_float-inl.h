// The fast path's kernels for F16 / BF16 weights packed by 8 rows (packed_weights.h), fp32 multiply-adds on
// AVX-512's 16 lanes. Part of matmul_fast.cpp's per-SIMD-target code: included there, inside HWY_NAMESPACE,
// once per target (so no include guard), after matmul_float-inl.h's LoadFloats. Only AVX-512 targets have them
// (kPackedFloatKernels); elsewhere F16 / BF16 stay unpacked on matmul_float-inl.h's row kernels.
//
// Why packed: in a row's own layout a vector holds one row's values, so every row and token ends in a
// horizontal sum, and a tile of R rows x T tokens loads T activation vectors per R weight vectors. Packed, half
// a 64-byte chunk converts to 4 values of each of 4 rows (lane 4i + m: row i, value m), one 128-bit activation
// load broadcast to the 4 blocks multiplies it, and the sums stay in lanes by row until the end. For a prompt,
// one 8-row group and 12 tokens: per chunk 2 conversions, 12 broadcast loads and 24 multiply-adds (the row
// tile's 4 x 6 took 4 conversions and 6 full loads per 24, plus 24 horizontal sums). A decode step streams
// each group's bytes once, in order, and asks for them ahead (prefetch): the hardware prefetcher alone kept
// F16 decode at ~65 % of the plain read bandwidth (kDecodePrefetch).
constexpr bool kPackedFloatKernels = HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3;
// Tokens per pass over a group: 24 accumulators (2 per token) plus 2 weight vectors and the broadcast.
constexpr int kPackedFloatTile = 12;

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
using DF16 = hn::ScalableTag<float>;  // 16 lanes
using VF16 = hn::Vec<DF16>;

// The 8 row totals of one token, out[j] = row j: a's lanes 4i + m hold row i's partial sums (m = 0..3), b's
// the same for rows 4 + i.
HWY_INLINE void StoreRowTotals(VF16 a, VF16 b, float* out) {
  const DF16 d;
  const VF16 s = hn::Add(hn::InterleaveLower(d, a, b), hn::InterleaveUpper(d, a, b));  // block i: a, b, a, b
  const VF16 u = hn::Add(s, hn::Shuffle1032(s));  // block i: row i, row 4 + i, (the same again)
  alignas(64) static constexpr int32_t kRows[16] = {0, 4, 8, 12, 1, 5, 9, 13, 0, 4, 8, 12, 1, 5, 9, 13};
  const VF16 rows = hn::TableLookupLanes(u, hn::SetTableIndices(d, kRows));
  hn::StoreU(hn::LowerHalf(rows), hn::Half<DF16>(), out);
}

// One group's 8 rows x T tokens: out[t * ldo + j] = row j . x[t], the group's nb packed blocks of 32 values.
// Every lane sums its chunks in order whatever T is, so a token's results do not depend on the tile it was in
// (a decode step's two accumulation chains per group already outrun memory).
template <int T, DType type>
void GroupPackedFloat(const uint8_t* group, int64_t nb, const float* const* x, float* out, int64_t ldo) {
  const DF16 d;
  VF16 acc[T][2];
  for (int t = 0; t < T; ++t) acc[t][0] = acc[t][1] = hn::Zero(d);
  const int64_t chunks = 8 * nb;  // of 4 values per row, 64 bytes
  for (int64_t c = 0; c < chunks; ++c) {
    const uint8_t* p = group + 64 * c;
    if constexpr (T <= 2) PrefetchAhead(p, 64);
    const VF16 w0 = LoadFloats<type>(d, p, 0), w1 = LoadFloats<type>(d, p, 16);  // rows 0-3, rows 4-7
    HWY_UNROLL(16)
    for (int t = 0; t < T; ++t) {
      const VF16 xv = hn::LoadDup128(d, x[t] + 4 * c);
      acc[t][0] = hn::MulAdd(w0, xv, acc[t][0]);
      acc[t][1] = hn::MulAdd(w1, xv, acc[t][1]);
    }
  }
  for (int t = 0; t < T; ++t) StoreRowTotals(acc[t][0], acc[t][1], out + t * ldo);
}

// T = 1 .. kPackedFloatTile as a template argument.
template <DType type, int T = kPackedFloatTile>
HWY_INLINE void GroupPackedFloatT(int n, const uint8_t* group, int64_t nb, const float* const* x, float* out,
                                  int64_t ldo) {
  if constexpr (T > 1) {
    if (n < T) return GroupPackedFloatT<type, T - 1>(n, group, nb, x, out, ldo);
  }
  GroupPackedFloat<T, type>(group, nb, x, out, ldo);
}

// Groups [g0, g1) from `packed` (groups of group_bytes) x n_tokens tokens (x: [n_tokens][K] floats). Each group
// stays in L1/L2 while the token tiles pass over it; ceil(n / 12) tiles as even as they go (128 tokens: 7 x 12 +
// 4 x 11), so no tile is left with a token or two.
template <DType type>
void PackedFloatRows(const uint8_t* packed, int64_t K, int64_t g0, int64_t g1, const float* x, int64_t n_tokens,
                     float* out, int64_t ldo) {
  const int64_t nb = K / 32, group_bytes = nb * kPackedRows * 64;
  const int64_t tiles = (n_tokens + kPackedFloatTile - 1) / kPackedFloatTile, small = n_tokens / tiles;
  const int64_t big_tiles = n_tokens % tiles;  // the first ones, of small + 1 tokens
  for (int64_t g = g0; g < g1; ++g) {
    const uint8_t* group = packed + g * group_bytes;
    for (int64_t t0 = 0, tile = 0; t0 < n_tokens; ++tile) {
      const int T = static_cast<int>(tile < big_tiles ? small + 1 : small);
      const float* xs[kPackedFloatTile];
      for (int t = 0; t < T; ++t) xs[t] = x + (t0 + t) * K;
      GroupPackedFloatT<type>(T, group, nb, xs, out + t0 * ldo + g * kPackedRows, ldo);
      t0 += T;
    }
  }
}
#endif
