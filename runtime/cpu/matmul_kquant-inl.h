// The fast path's kernels for K-quant weights (Q4_K, Q6_K): integer dot products over 256-value super-blocks.
// Part of matmul_fast.cpp's per-SIMD-target code: included there, inside HWY_NAMESPACE, once per target (so no
// include guard), after its vector types, DotUScaledAcc / DotSScaledAcc, AbsW, HalfScales, ScaledAcc and Total.
//
// The activations come quantized with one scale per super-block of 256 (quantize_activations'
// group 256, as ggml's Q8_K): the sub-blocks' integer sums, weighted by their integer scales, add up in int32
// lanes until the super-block ends, and only then are converted and scaled (once per 256 values, where a scale
// per 32-value block took a conversion, a multiply and an add per block).
// Q4_K: value = d * sc_j * q - dmin * m_j (sub-block j, q in [0, 16)). The mins term,
// -sum_j dmin * m_j * (d_x * sum of sub-block j's quants), runs as one 8-lane multiply-add per super-block and
// token over xs[t] (the tokens' d * sum per 32-value block, contiguous).
template <int R, int T>
void RowsQ4_K(const uint8_t* const* rows, int64_t K, const ActBlock* const* x, const float* const* xs, float* res) {
  const hn::CappedTag<float, 8> d8;
  constexpr size_t N = HWY_MIN(size_t{32}, HWY_LANES(uint8_t));
  constexpr size_t P = 32 / N;
  const DU8 du8;
  const VU8 low4 = hn::Set(du8, 0x0F);
  VF acc[R][T];
  hn::Vec<decltype(d8)> corr[R][T];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) acc[r][t] = hn::Zero(DF()), corr[r][t] = hn::Zero(d8);
  for (int64_t b = 0; b < K / QK_K; ++b) {
    alignas(32) float mn[R][8];  // dmin * min of each 32-value sub-block (ggml's get_scale_min_k4)
    uint8_t sc[R][8];            // the sub-blocks' 6-bit scales
    VF dv[R];
    const uint8_t* qs[R];
    for (int r = 0; r < R; ++r) {
      const uint8_t* blk = rows[r] + b * sizeof(block_q4_K);
      dv[r] = hn::Set(DF(), LoadHalf(blk + offsetof(block_q4_K, d)));
      const float dmin = LoadHalf(blk + offsetof(block_q4_K, dmin));
      // The 12 packed 6-bit pairs rearranged with 32-bit masks into 8 scale bytes then 8 min bytes (the
      // same values as get_scale_min_k4, without a scalar loop); the mins widened and scaled 8 lanes at a time.
      uint32_t u[4];
      std::memcpy(u, blk + offsetof(block_q4_K, scales), 12);
      constexpr uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
      u[3] = ((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kLow2) << 4);
      const uint32_t mins_low = u[1] & kLow6;
      u[1] = (u[2] & kLow4) | (((u[0] >> 6) & kLow2) << 4);
      u[2] = mins_low;
      u[0] &= kLow6;
      uint8_t bytes[16];
      std::memcpy(bytes, u, 16);
      std::memcpy(sc[r], bytes, 8);
      const hn::Rebind<uint8_t, decltype(d8)> du8x8;
      const hn::Rebind<int32_t, decltype(d8)> di32x8;
      for (size_t j = 0; j < 8; j += hn::Lanes(d8)) {
        const auto m8 = hn::ConvertTo(d8, hn::PromoteTo(di32x8, hn::LoadU(du8x8, bytes + 8 + j)));
        hn::Store(hn::Mul(hn::Set(d8, dmin), m8), d8, mn[r] + j);
      }
      qs[r] = blk + offsetof(block_q4_K, qs);
    }
    for (int t = 0; t < T; ++t)
      for (int r = 0; r < R; ++r)
        for (size_t j = 0; j < 8; j += hn::Lanes(d8))
          corr[r][t] = hn::MulAdd(hn::Load(d8, mn[r] + j), hn::LoadU(d8, xs[t] + b * 8 + j), corr[r][t]);
    VI32 iacc[R][T];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) iacc[r][t] = hn::Zero(DI32());
    for (int c = 0; c < 4; ++c) {  // 32 bytes: sub-block 2c in the low nibbles, 2c+1 in the high ones
      VU8 lo[R][P], hi[R][P];
      VI16 s0[R], s1[R];
      for (int r = 0; r < R; ++r) {
        s0[r] = hn::Set(DI16(), static_cast<int16_t>(sc[r][2 * c]));
        s1[r] = hn::Set(DI16(), static_cast<int16_t>(sc[r][2 * c + 1]));
        for (size_t p = 0; p < P; ++p) {
          const VU8 v = hn::LoadU(du8, qs[r] + 32 * c + p * N);
          lo[r][p] = hn::And(v, low4);
          hi[r][p] = hn::ShiftRight<4>(v);
        }
      }
      HWY_UNROLL(8)
      for (int t = 0; t < T; ++t) {
        const ActBlock& a0 = x[t][b * 8 + 2 * c];
        const ActBlock& a1 = x[t][b * 8 + 2 * c + 1];
        for (int r = 0; r < R; ++r)
          for (size_t p = 0; p < P; ++p) {
            iacc[r][t] = DotUScaledAcc(iacc[r][t], lo[r][p], hn::LoadU(DI8(), a0.q + p * N), s0[r]);
            iacc[r][t] = DotUScaledAcc(iacc[r][t], hi[r][p], hn::LoadU(DI8(), a1.q + p * N), s1[r]);
          }
      }
    }
    for (int t = 0; t < T; ++t)
      for (int r = 0; r < R; ++r) acc[r][t] = ScaledAcc(iacc[r][t], x[t][b * 8].d, dv[r], acc[r][t]);
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) res[r * T + t] = Total(acc[r][t]) - hn::GetLane(hn::SumOfLanes(d8, corr[r][t]));
}

template <int R, int T>
void RowsQ6_K(const uint8_t* const* rows, int64_t K, const ActBlock* const* x, float* res) {
  constexpr size_t N = HWY_MIN(size_t{32}, HWY_LANES(uint8_t));
  constexpr size_t P = 32 / N;
  const DU8 du8;
  const VU8 low4 = hn::Set(du8, 0x0F), low2 = hn::Set(du8, 0x03), offset = hn::Set(du8, 32);
  VF acc[R][T];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) acc[r][t] = hn::Zero(DF());
  for (int64_t b = 0; b < K / QK_K; ++b) {
    VI32 iacc[R][T];  // |sum| <= 256 * 32 * 127 * 128: no overflow
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) iacc[r][t] = hn::Zero(DI32());
    VF dv[R];  // the super-block scales
    for (int r = 0; r < R; ++r)
      dv[r] = hn::Set(DF(), LoadHalf(rows[r] + b * sizeof(block_q6_K) + offsetof(block_q6_K, d)));
    for (int h = 0; h < 2; ++h) {  // two halves of 128 values
      VI8 q[R][4][P];  // q[r][g]: values 128h + 32g + l, l in [p*N, p*N + N), minus 32
      VU8 aq[R][4][P];
      VI16 sc[R][4][P];
      const int8_t* S[R];
      for (int r = 0; r < R; ++r) {
        const uint8_t* blk = rows[r] + b * sizeof(block_q6_K);
        const uint8_t* ql = blk + offsetof(block_q6_K, ql) + 64 * h;
        const uint8_t* qh = blk + offsetof(block_q6_K, qh) + 32 * h;
        S[r] = reinterpret_cast<const int8_t*>(blk + offsetof(block_q6_K, scales)) + 8 * h;
        for (size_t p = 0; p < P; ++p) {
          const VU8 a = hn::LoadU(du8, ql + p * N), c = hn::LoadU(du8, ql + 32 + p * N);
          const VU8 hb = hn::LoadU(du8, qh + p * N);
          const VU8 u[4] = {
              hn::Or(hn::And(a, low4), hn::ShiftLeft<4>(hn::And(hb, low2))),
              hn::Or(hn::And(c, low4), hn::ShiftLeft<4>(hn::And(hn::ShiftRight<2>(hb), low2))),
              hn::Or(hn::ShiftRight<4>(a), hn::ShiftLeft<4>(hn::And(hn::ShiftRight<4>(hb), low2))),
              hn::Or(hn::ShiftRight<4>(c), hn::ShiftLeft<4>(hn::ShiftRight<6>(hb)))};
          for (int g = 0; g < 4; ++g) {
            q[r][g][p] = hn::BitCast(DI8(), hn::Sub(u[g], offset));
            aq[r][g][p] = AbsW(q[r][g][p]);
            sc[r][g][p] = HalfScales(p * N, S[r][2 * g], S[r][2 * g + 1]);
          }
        }
      }
      for (int t = 0; t < T; ++t) {
        for (int g = 0; g < 4; ++g) {
          const ActBlock& a = x[t][b * 8 + 4 * h + g];
          VI8 xv[P];
          for (size_t p = 0; p < P; ++p) xv[p] = hn::LoadU(DI8(), a.q + p * N);
          for (int r = 0; r < R; ++r)
            for (size_t p = 0; p < P; ++p)
              iacc[r][t] = DotSScaledAcc(iacc[r][t], aq[r][g][p], q[r][g][p], xv[p], sc[r][g][p]);
        }
      }
    }
    for (int t = 0; t < T; ++t)
      for (int r = 0; r < R; ++r) acc[r][t] = ScaledAcc(iacc[r][t], x[t][b * 8].d, dv[r], acc[r][t]);
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) res[r * T + t] = Total(acc[r][t]);
}
