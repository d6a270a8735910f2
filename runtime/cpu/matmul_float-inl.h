// The fast path's kernels for F32 / F16 / BF16 weights: fp32 fused multiply-adds, no activation quantization.
// Part of matmul_fast.cpp's per-SIMD-target code: included there, inside HWY_NAMESPACE, once per target (so no
// include guard), after its DF, VF, kFloatRows and kFloatTokens, and after lane_sums-inl.h.

// Weight values [i, i + lanes) of an F32 / F16 / BF16 row as fp32, and value k alone.
template <DType type, class D = DF>
HWY_INLINE hn::Vec<D> LoadFloats(D df, const uint8_t* row, int64_t i) {
  if constexpr (type == DType::F32) {
    return hn::LoadU(df, reinterpret_cast<const float*>(row) + i);
  } else if constexpr (type == DType::F16) {
    const hn::Rebind<hwy::float16_t, D> dh;
    return hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(row) + i));
  } else {
    const hn::Rebind<uint16_t, D> du16;
    const hn::Rebind<uint32_t, D> du32;
    const auto u = hn::PromoteTo(du32, hn::LoadU(du16, reinterpret_cast<const uint16_t*>(row) + i));
    return hn::BitCast(df, hn::ShiftLeft<16>(u));
  }
}

template <DType type>
HWY_INLINE float FloatAt(const uint8_t* row, int64_t k) {
  if constexpr (type == DType::F32) {
    float v;
    std::memcpy(&v, row + 4 * k, 4);
    return v;
  } else {
    uint16_t h;
    std::memcpy(&h, row + 2 * k, 2);
    return type == DType::F16 ? fp16_to_fp32(h) : bf16_to_fp32(h);
  }
}

// Decode (one token): 256-bit vectors and four accumulators, even on AVX-512. Zen 4 streamed F16 rows from
// memory faster with 256-bit loads, as it streams plain reads (vkgemma_bench_kernels, one thread: read 22.8 GB/s
// with 256-bit loads, 18.9 with 512-bit).
template <DType type>
void RowFloatDecode(const uint8_t* row, int64_t K, const float* x, float* res) {
  const hn::CappedTag<float, 8> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  auto a0 = hn::Zero(d), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 4 * N <= K; i += 4 * N) {
    a0 = hn::MulAdd(LoadFloats<type>(d, row, i), hn::LoadU(d, x + i), a0);
    a1 = hn::MulAdd(LoadFloats<type>(d, row, i + N), hn::LoadU(d, x + i + N), a1);
    a2 = hn::MulAdd(LoadFloats<type>(d, row, i + 2 * N), hn::LoadU(d, x + i + 2 * N), a2);
    a3 = hn::MulAdd(LoadFloats<type>(d, row, i + 3 * N), hn::LoadU(d, x + i + 3 * N), a3);
  }
  float s = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
  for (; i < K; ++i) s += FloatAt<type>(row, i) * x[i];
  *res = s;
}

// Prefill tile for F32 / F16 / BF16: R rows x T tokens, one accumulator each. Each loaded input vector serves
// the R rows and each converted weight vector the T tokens: with R = 4, T = 6 (AVX-512's 32 registers) 10 loads
// per 24 multiply-adds. Results res[r * T + t].
// The weight type is a template parameter: a run-time switch inside the loop (GCC kept it there) halved the
// tile's speed.
template <int R, int T, DType type>
void RowsFloatTile(const uint8_t* const* rows, int64_t K, const float* const* x, float* res) {
  const DF df;
  const int64_t NF = static_cast<int64_t>(hn::Lanes(df));
  VF acc[R][T];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) acc[r][t] = hn::Zero(df);
  int64_t i = 0;
  for (; i + NF <= K; i += NF) {
    VF w[R];
    for (int r = 0; r < R; ++r) w[r] = LoadFloats<type>(df, rows[r], i);
    for (int t = 0; t < T; ++t) {
      const VF xv = hn::LoadU(df, x[t] + i);
      for (int r = 0; r < R; ++r) acc[r][t] = hn::MulAdd(w[r], xv, acc[r][t]);
    }
  }
  SumsOfLanes<R * T>(&acc[0][0], res);
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t)
      for (int64_t k = i; k < K; ++k) res[r * T + t] += FloatAt<type>(rows[r], k) * x[t][k];
}

// R float rows, one at a time: decode (T = 1) through RowFloatDecode's 256-bit loads; several tokens (MatmulRows
// takes RowsFloatTile itself for prompts) as a one-row tile.
template <int R, int T, DType type>
void RowsFloat(const uint8_t* const* rows, int64_t K, const float* const* xf, float* res) {
  for (int r = 0; r < R; ++r) {
    if constexpr (T == 1) {
      RowFloatDecode<type>(rows[r], K, xf[0], res + r);
    } else {
      RowsFloatTile<1, T, type>(rows + r, K, xf, res + r * T);
    }
  }
}

// R float rows x T tokens (prefill), T = 1..kFloatTokens.
template <int R, DType type>
void FloatTileT(int T, const uint8_t* const* rows, int64_t K, const float* const* xf, float* res) {
  static_assert(kFloatTokens == 4 || kFloatTokens == 6);
  switch (T) {
    case 1: return RowsFloatTile<R, 1, type>(rows, K, xf, res);
    case 2: return RowsFloatTile<R, 2, type>(rows, K, xf, res);
    case 3: return RowsFloatTile<R, 3, type>(rows, K, xf, res);
    case 4: return RowsFloatTile<R, 4, type>(rows, K, xf, res);
    case 5: if constexpr (kFloatTokens == 6) return RowsFloatTile<R, 5, type>(rows, K, xf, res); break;
    case 6: if constexpr (kFloatTokens == 6) return RowsFloatTile<R, 6, type>(rows, K, xf, res); break;
  }
  HWY_ASSERT(false);
}

template <int R>
void FloatTile(DType type, int T, const uint8_t* const* rows, int64_t K, const float* const* xf, float* res) {
  switch (type) {
    case DType::F32: return FloatTileT<R, DType::F32>(T, rows, K, xf, res);
    case DType::F16: return FloatTileT<R, DType::F16>(T, rows, K, xf, res);
    default: return FloatTileT<R, DType::BF16>(T, rows, K, xf, res);
  }
}

// Rows [r0, r1) of a float weight matrix x T prompt tokens (x[t]): kFloatRows rows per tile, the last rows one by
// one. out[t * ldo + r] for the rows' results.
inline void FloatTileRows(DType type, int T, const uint8_t* weights, int64_t stride, int64_t K, int64_t r0, int64_t r1,
                          const float* const* x, float* out, int64_t ldo) {
  float res[kFloatRows * kFloatTokens];
  auto store = [&](int64_t r, int R) {
    for (int k = 0; k < R; ++k)
      for (int t = 0; t < T; ++t) out[t * ldo + r + k] = res[k * T + t];
  };
  int64_t r = r0;
  for (; r + kFloatRows <= r1; r += kFloatRows) {
    const uint8_t* rows[kFloatRows];
    for (int k = 0; k < kFloatRows; ++k) rows[k] = weights + (r + k) * stride;
    FloatTile<kFloatRows>(type, T, rows, K, x, res);
    store(r, kFloatRows);
  }
  for (; r < r1; ++r) {
    const uint8_t* row = weights + r * stride;
    FloatTile<1>(type, T, &row, K, x, res);
    store(r, 1);
  }
}
