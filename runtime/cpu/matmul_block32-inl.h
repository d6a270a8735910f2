// The fast path's row kernels for the 32-value block formats (Q8_0, Q4_0, Q5_0): integer dot products per
// block, a few weight rows against a few tokens. Part of matmul_fast.cpp's per-SIMD-target code: included
// there, inside HWY_NAMESPACE, once per target (so no include guard), after its vector types, DotS / DotU
// (and their Acc forms), AbsW, HalfScales, ScaledAcc and Total.

// Block b of R weight rows, already unpacked, against T tokens' activation blocks:
// acc[r][t] += dw[r] * d_t * row_dot(r, q_t), where row_dot(r, xv) is row r's exact int32 dot product with the
// activation quants xv (P vectors): signed bytes through DotS, unsigned quants through DotU.
template <int R, int T, size_t P, class RowDot>
HWY_INLINE void DotBlock(const RowDot& row_dot, const float (&dw)[R], const ActBlock* const* x, int64_t b,
                         VF (&acc)[R][T]) {
  constexpr size_t N = 32 / P;
  VF dwv[R];
  for (int r = 0; r < R; ++r) dwv[r] = hn::Set(DF(), dw[r]);
  // Unrolled so that the T accumulators stay in registers (GCC otherwise keeps them in memory).
  HWY_UNROLL(8)
  for (int t = 0; t < T; ++t) {
    const ActBlock& a = x[t][b];
    VI8 xv[P];
    for (size_t p = 0; p < P; ++p) xv[p] = hn::LoadU(DI8(), a.q + p * N);
    for (int r = 0; r < R; ++r) acc[r][t] = ScaledAcc(row_dot(r, xv), a.d, dwv[r], acc[r][t]);
  }
}

// Each kernel: R weight rows against T token rows (x[t] = that token's activation blocks), results
// res[r * T + t]. Several rows (decode) give independent accumulation chains and share the activation
// loads; several tokens (prefill) share each decoded weight block.

template <int R, int T>
void RowsQ8_0(const uint8_t* const* rows, int64_t K, const ActBlock* const* x, float* res) {
  constexpr size_t N = HWY_MIN(size_t{32}, HWY_LANES(uint8_t));
  constexpr size_t P = 32 / N;
  VF acc[R][T];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) acc[r][t] = hn::Zero(DF());
  for (int64_t b = 0; b < K / QK8_0; ++b) {
    VI8 w[R][P];
    VU8 aw[R][P];
    float dw[R];
    for (int r = 0; r < R; ++r) {
      const uint8_t* blk = rows[r] + b * sizeof(block_q8_0);
      dw[r] = LoadHalf(blk + offsetof(block_q8_0, d));
      const int8_t* qs = reinterpret_cast<const int8_t*>(blk + offsetof(block_q8_0, qs));
      for (size_t p = 0; p < P; ++p) w[r][p] = hn::LoadU(DI8(), qs + p * N), aw[r][p] = AbsW(w[r][p]);
    }
    DotBlock<R, T, P>(
        [&](int r, const VI8 (&xv)[P]) {
          VI32 s = hn::Zero(DI32());
          for (size_t p = 0; p < P; ++p) s = DotSAcc(s, aw[r][p], w[r][p], xv[p]);
          return s;
        },
        dw, x, b, acc);
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) res[r * T + t] = Total(acc[r][t]);
}

// Q4_0 and Q5_0: the quants (low nibble = values 0..15, high nibble = values 16..31, Q5_0's 5th bits from qh)
// stay unsigned, u in [0, 16) or [0, 32), and go straight into the unsigned operand of the byte dot product;
// the offset (8 or 16) comes back once per block as offset * d_w * (d_x * sum of the block's activation quants):
//   d_w d_x sum_i (u_i - offset) q_i = d_w d_x (u . q) - offset * d_w * xsum,  xsum = d_x sum_i q_i.
// That saves the |w| and sign(x, w) of the signed form (one per token per block). xsum_tile is the tile's
// xsum transposed, [K/32][T], so that for a full tile the offset term is one vector multiply-add per block.
// (The scale products d_w d_x as one vector multiply per block, broadcast per token by a lane permute,
// measured 15 % slower than a scalar multiply and broadcast.)
template <int R, int T, bool kQ5>
void RowsQ4Q5_0(const uint8_t* const* rows, int64_t K, const ActBlock* const* x, const float* xsum_tile, float* res) {
  alignas(32) static constexpr uint8_t kByteOfBit[32] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                                         2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3};
  alignas(32) static constexpr uint8_t kBitInByte[32] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                                                         1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  constexpr size_t N = HWY_MIN(size_t{32}, HWY_LANES(uint8_t));
  constexpr size_t P = 32 / N;
  constexpr float kOffset = kQ5 ? 16.0f : 8.0f;
  // The offset term: vectors over the tile's tokens when they fill whole vectors, else scalars.
  constexpr size_t NF = N / 4;  // lanes of DF
  constexpr bool kVectorSums = T % NF == 0;
  constexpr int kSumVecs = kVectorSums ? static_cast<int>(T / NF) : 1;
  const DF dsum;
  const DU8 du8;
  const VU8 low4 = hn::Set(du8, 0x0F);
  const VU8 bit5 = hn::Set(du8, 0x10);
  const size_t bytes = kQ5 ? sizeof(block_q5_0) : sizeof(block_q4_0);
  const size_t qs_off = kQ5 ? offsetof(block_q5_0, qs) : offsetof(block_q4_0, qs);
  VF acc[R][T];
  hn::Vec<decltype(dsum)> sums_v[R][kSumVecs];
  float sums_s[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = hn::Zero(DF()), sums_s[r][t] = 0.0f;
    for (int c = 0; c < kSumVecs; ++c) sums_v[r][c] = hn::Zero(dsum);
  }
  for (int64_t b = 0; b < K / 32; ++b) {
    VU8 u[R][P];
    float dw[R];
    for (int r = 0; r < R; ++r) {
      const uint8_t* blk = rows[r] + b * bytes;
      dw[r] = LoadHalf(blk);  // d is the first field of both
      const uint8_t* qs = blk + qs_off;
      if constexpr (N == 32) {
        const hn::Half<DU8> dh;
        const auto v = hn::LoadU(dh, qs);
        u[r][0] = hn::And(hn::Combine(du8, hn::ShiftRight<4>(v), v), low4);
      } else {
        const VU8 v = hn::LoadU(du8, qs);
        u[r][0] = hn::And(v, low4);
        u[r][1] = hn::ShiftRight<4>(v);
      }
      if constexpr (kQ5) {
        uint32_t qh;
        std::memcpy(&qh, blk + offsetof(block_q5_0, qh), sizeof qh);
        const VU8 hbytes = hn::BitCast(du8, hn::Set(hn::Repartition<uint32_t, DU8>(), qh));
        for (size_t p = 0; p < P; ++p) {
          const VU8 sel = hn::TableLookupBytes(hbytes, hn::LoadU(du8, kByteOfBit + p * N));
          u[r][p] = hn::Or(u[r][p], hn::IfThenElseZero(hn::TestBit(sel, hn::LoadU(du8, kBitInByte + p * N)), bit5));
        }
      }
      if constexpr (kVectorSums) {
        const auto dwv = hn::Set(dsum, dw[r]);
        for (int c = 0; c < kSumVecs; ++c)
          sums_v[r][c] = hn::MulAdd(dwv, hn::LoadU(dsum, xsum_tile + b * T + c * NF), sums_v[r][c]);
      } else {
        for (int t = 0; t < T; ++t) sums_s[r][t] += dw[r] * xsum_tile[b * T + t];
      }
    }
    DotBlock<R, T, P>(
        [&](int r, const VI8 (&xv)[P]) {
          VI32 s = hn::Zero(DI32());
          for (size_t p = 0; p < P; ++p) s = DotUAcc(s, u[r][p], xv[p]);
          return s;
        },
        dw, x, b, acc);
  }
  for (int r = 0; r < R; ++r) {
    if constexpr (kVectorSums)
      for (int c = 0; c < kSumVecs; ++c) hn::StoreU(sums_v[r][c], dsum, sums_s[r] + c * NF);
    for (int t = 0; t < T; ++t) res[r * T + t] = Total(acc[r][t]) - kOffset * sums_s[r][t];
  }
}
