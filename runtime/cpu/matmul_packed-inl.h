// The fast path's kernels for packed weights (packed_weights.h: Q4_0, Q5_0, Q8_0, Q4_K, Q6_K in 8-row groups).
// Part of matmul_fast.cpp's per-SIMD-target code: included there, inside HWY_NAMESPACE, once per target (so no
// include guard), after its vector types, DotU and ScaledAcc. Only x86 targets with 32-byte vectors (AVX2 and
// up) have them: kPackedKernels.
//
// Lane j of a vector is row j of the group: each byte dot product takes 4 values of each of the 8 rows against
// the same 4 activation bytes (broadcast), so after 8 of them lane j holds row j's block sum (plus the offset
// term, which starts the sum: -offset * the block's integer activation sum), exact in int32. Then one
// conversion and scaling per block and token for all 8 rows, where the unpacked kernels took one per row; and
// the results are a vector of 8 rows per token (no horizontal sums).
constexpr bool kPackedKernels = HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2;
// Token rows per pass: the 8 unpacked weight vectors plus one accumulator per token stay in registers
// (AVX-512: 32 of them; AVX2: 16).
constexpr int kPackedTile = HWY_TARGET <= HWY_AVX3 ? 8 : 4;

#if HWY_TARGET == HWY_AVX3_DL
// acc + the int32 lanes of u8 . (4 signed bytes at x4, broadcast to every lane): one vpdpbusd with an embedded
// broadcast. No intermediate saturation, so unsigned bytes up to 255 (Q8_0 plus 128) are exact.
HWY_INLINE __m256i DpbusdBroadcast(__m256i acc, __m256i u8, const int8_t* x4) {
#if defined(__GNUC__)
  __asm__("vpdpbusd %2%{1to8%}, %1, %0" : "+v"(acc) : "v"(u8), "m"(*reinterpret_cast<const int32_t*>(x4)));
  return acc;
#else
  int32_t v;
  std::memcpy(&v, x4, 4);
  return _mm256_dpbusd_epi32(acc, u8, _mm256_set1_epi32(v));
#endif
}
#endif

// The same without VNNI: pmaddubsw (pairs saturate to int16: exact for unsigned bytes < 128, so not for
// Q8_0's; Q4_0/Q5_0/Q4_K/Q6_K quants are < 64) and pmaddwd with ones.
HWY_INLINE VI32 DotU4Acc(VI32 acc, VU8 w, const int8_t* x4) {
#if HWY_TARGET == HWY_AVX3_DL
  return VI32{DpbusdBroadcast(acc.raw, w.raw, x4)};
#else
  int32_t v;
  std::memcpy(&v, x4, 4);
  return hn::Add(acc, DotU(w, hn::BitCast(DI8(), hn::Set(DI32(), v)), hn::Set(DI16(), 1)));
#endif
}

// The 8 rows' fp16 scales at p, as fp32 lanes by row.
HWY_INLINE VF LoadRowScales(const uint8_t* p) {
  return hn::PromoteTo(DF(), hn::LoadU(hn::Rebind<hwy::float16_t, DF>(), reinterpret_cast<const hwy::float16_t*>(p)));
}

// True where this target has a packed kernel for `type` (Q8_0's unsigned bytes need VNNI, see above; F16 and
// BF16: matmul_packed_float-inl.h).
constexpr bool PacksType(DType type) {
  return (kPackedKernels && (type == DType::Q4_0 || type == DType::Q5_0 || type == DType::Q4_K ||
                             type == DType::Q6_K || (type == DType::Q8_0 && HWY_TARGET == HWY_AVX3_DL))) ||
         (kPackedFloatKernels && (type == DType::F16 || type == DType::BF16));
}

// One group's 8 rows against T tokens: out[t * ldo + j] = row j . token t. x[t]: token t's activation
// blocks; xoff[t][b]: -offset * the integer sum of its block b (offset 8, 16, or 128 for Q8_0).
template <int T, DType kType>
void GroupPacked(const uint8_t* group, int64_t nb, const ActBlock* const* x, const int32_t* const* xoff, float* out,
                 int64_t ldo) {
  constexpr bool kQ5 = kType == DType::Q5_0, kQ8 = kType == DType::Q8_0;
  constexpr size_t kBlockBytes =
      kPackedRows * (kQ8 ? sizeof(block_q8_0) : kQ5 ? sizeof(block_q5_0) : sizeof(block_q4_0));
  constexpr int64_t kQuants = kQ5 ? kPackedQ5_0Quants : kPackedScalesBytes;
  const DU8 du8;
  const DF df;
  const VU8 low4 = hn::Set(du8, 0x0F), bit5 = hn::Set(du8, 0x10);
  VF acc[T];
  for (int t = 0; t < T; ++t) acc[t] = hn::Zero(df);
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = group + b * kBlockBytes;
    if constexpr (T <= 4) PrefetchAhead(blk, kBlockBytes);  // decode steps, also several sequences batched
    const VF dw = LoadRowScales(blk);
    VU8 w[8];  // w[k]: values 4k .. 4k+3 of each row
    if constexpr (kQ8) {
      for (int k = 0; k < 8; ++k) w[k] = hn::LoadU(du8, blk + kQuants + 32 * k);
    } else {
      for (int k = 0; k < 4; ++k) {
        const VU8 v = hn::LoadU(du8, blk + kQuants + 32 * k);
        w[k] = hn::And(v, low4);
        w[k + 4] = hn::ShiftRight<4>(v);
        if constexpr (kQ5) {
          const uint8_t* masks = blk + kPackedScalesBytes + 8 * k;
          w[k] = hn::Or(w[k], hn::IfThenElseZero(hn::LoadMaskBits(du8, masks), bit5));
          w[k + 4] = hn::Or(w[k + 4], hn::IfThenElseZero(hn::LoadMaskBits(du8, masks + 4), bit5));
        }
      }
    }
    HWY_UNROLL(8)
    for (int t = 0; t < T; ++t) {
      const ActBlock& a = x[t][b];
      VI32 s = hn::Set(DI32(), xoff[t][b]);
      for (int k = 0; k < 8; ++k) s = DotU4Acc(s, w[k], a.q + 4 * k);
      acc[t] = ScaledAcc(s, a.d, dw, acc[t]);
    }
  }
  for (int t = 0; t < T; ++t) hn::StoreU(acc[t], df, out + t * ldo);
}

// Q4_K: value = d * sc_s * q - dmin * m_s (sub-block s of 32 values, one activation block, scale dx_s). Per
// super-block and token, in lanes by row: A = sum_s dx_s * (sc_s * (q . x over s)) (the product exact in int32)
// and B = sum_s m_s * xsum_s (xsum: dx * the integer sum of x over s), then d * A - dmin * B.
template <int T>
void GroupPackedQ4_K(const uint8_t* group, int64_t nsb, const ActBlock* const* x, const float* const* xsum,
                     float* out, int64_t ldo) {
  constexpr int64_t kBlockBytes = PackedQ4_K::bytes;
  const DU8 du8;
  const DF df;
  const DI32 di32;
  const hn::Rebind<uint8_t, DI32> du8x8;
  const VU8 low4 = hn::Set(du8, 0x0F);
  VF acc[T];
  for (int t = 0; t < T; ++t) acc[t] = hn::Zero(df);
  for (int64_t sb = 0; sb < nsb; ++sb) {
    const uint8_t* blk = group + sb * kBlockBytes;
    if constexpr (T <= 4) PrefetchAhead(blk, kBlockBytes);  // decode steps, also several sequences batched
    const uint8_t* sc = blk + PackedQ4_K::scales;
    const uint8_t* qs = blk + PackedQ4_K::quants;
    VF a[T];
    for (int t = 0; t < T; ++t) a[t] = hn::Zero(df);
    for (int c = 0; c < 4; ++c) {  // sub-blocks 2c (low nibbles) and 2c+1 (high nibbles)
      VU8 lo[8], hi[8];
      for (int k = 0; k < 8; ++k) {
        const VU8 v = hn::LoadU(du8, qs + 256 * c + 32 * k);
        lo[k] = hn::And(v, low4);
        hi[k] = hn::ShiftRight<4>(v);
      }
      const VI32 sc0 = hn::PromoteTo(di32, hn::LoadU(du8x8, sc + 16 * c));
      const VI32 sc1 = hn::PromoteTo(di32, hn::LoadU(du8x8, sc + 16 * c + 8));
      HWY_UNROLL(8)
      for (int t = 0; t < T; ++t) {
        const ActBlock& x0 = x[t][sb * 8 + 2 * c];
        const ActBlock& x1 = x[t][sb * 8 + 2 * c + 1];
        VI32 s0 = hn::Zero(di32), s1 = hn::Zero(di32);
        for (int k = 0; k < 8; ++k) s0 = DotU4Acc(s0, lo[k], x0.q + 4 * k), s1 = DotU4Acc(s1, hi[k], x1.q + 4 * k);
        a[t] = hn::MulAdd(hn::ConvertTo(df, hn::Mul(s0, sc0)), hn::Set(df, x0.d), a[t]);
        a[t] = hn::MulAdd(hn::ConvertTo(df, hn::Mul(s1, sc1)), hn::Set(df, x1.d), a[t]);
      }
    }
    VF m[8];  // the sub-blocks' mins by row
    for (int s8 = 0; s8 < 8; ++s8)
      m[s8] = hn::ConvertTo(df, hn::PromoteTo(di32, hn::LoadU(du8x8, blk + PackedQ4_K::mins + 8 * s8)));
    const VF d = LoadRowScales(blk + PackedQ4_K::d);
    const VF dmin = LoadRowScales(blk + PackedQ4_K::dmin);
    for (int t = 0; t < T; ++t) {
      VF b = hn::Zero(df);
      for (int s8 = 0; s8 < 8; ++s8) b = hn::MulAdd(m[s8], hn::Set(df, xsum[t][sb * 8 + s8]), b);
      acc[t] = hn::MulAdd(a[t], d, hn::NegMulAdd(b, dmin, acc[t]));
    }
  }
  for (int t = 0; t < T; ++t) hn::StoreU(acc[t], df, out + t * ldo);
}

// Q6_K: value = d * sc_s * (u - 32) (sub-block s of 16 values, u in [0, 64)). Per super-block and token, in
// lanes by row: sum_s dx_s * (sc_s * (u . x - 32 * x's integer sum over s)) (the product exact in int32: each
// sub-block's sum started at xoff16[t][s] = -32 * that sum), dx_s the scale of the activation block that holds
// sub-block s; then d times that.
template <int T>
void GroupPackedQ6_K(const uint8_t* group, int64_t nsb, const ActBlock* const* x, const int32_t* const* xoff16,
                     float* out, int64_t ldo) {
  constexpr int64_t kBlockBytes = PackedQ6_K::bytes;
  const DU8 du8;
  const DF df;
  const DI32 di32;
  const hn::Rebind<int8_t, DI32> di8x8;
  const VU8 low4 = hn::Set(du8, 0x0F), low2 = hn::Set(du8, 0x03);
  VF acc[T];
  for (int t = 0; t < T; ++t) acc[t] = hn::Zero(df);
  for (int64_t sb = 0; sb < nsb; ++sb) {
    const uint8_t* blk = group + sb * kBlockBytes;
    if constexpr (T <= 4) PrefetchAhead(blk, kBlockBytes);  // decode steps, also several sequences batched
    const int8_t* sc = reinterpret_cast<const int8_t*>(blk + PackedQ6_K::scales);
    const uint8_t* quants = blk + PackedQ6_K::quants;
    VF a[T];
    for (int t = 0; t < T; ++t) a[t] = hn::Zero(df);
    for (int h = 0; h < 2; ++h)
      for (int p = 0; p < 2; ++p) {  // values 128h + 32g + 16p + [0, 16): sub-block 8h + 2g + p
        VU8 u[4][4];                 // [g][kk]: values 128h + 32g + 16p + 4kk .. +3 of each row
        for (int kk = 0; kk < 4; ++kk) {
          const int k = 4 * p + kk;
          const uint8_t* v = quants + 96 * (8 * h + k);
          const VU8 lo = hn::LoadU(du8, v), hi = hn::LoadU(du8, v + 32), hb = hn::LoadU(du8, v + 64);
          u[0][kk] = hn::Or(hn::And(lo, low4), hn::ShiftLeft<4>(hn::And(hb, low2)));
          u[1][kk] = hn::Or(hn::And(hi, low4), hn::ShiftLeft<4>(hn::And(hn::ShiftRight<2>(hb), low2)));
          u[2][kk] = hn::Or(hn::ShiftRight<4>(lo), hn::ShiftLeft<4>(hn::And(hn::ShiftRight<4>(hb), low2)));
          u[3][kk] = hn::Or(hn::ShiftRight<4>(hi), hn::ShiftLeft<4>(hn::ShiftRight<6>(hb)));
        }
        VI32 scv[4];
        for (int g = 0; g < 4; ++g) scv[g] = hn::PromoteTo(di32, hn::LoadU(di8x8, sc + 8 * (8 * h + 2 * g + p)));
        HWY_UNROLL(8)
        for (int t = 0; t < T; ++t)
          for (int g = 0; g < 4; ++g) {
            const ActBlock& xb = x[t][sb * 8 + 4 * h + g];
            VI32 s = hn::Set(di32, xoff16[t][sb * 16 + 8 * h + 2 * g + p]);
            for (int kk = 0; kk < 4; ++kk) s = DotU4Acc(s, u[g][kk], xb.q + 16 * p + 4 * kk);
            a[t] = hn::MulAdd(hn::ConvertTo(df, hn::Mul(s, scv[g])), hn::Set(df, xb.d), a[t]);
          }
      }
    const VF d = LoadRowScales(blk + PackedQ6_K::d);
    for (int t = 0; t < T; ++t) acc[t] = hn::MulAdd(a[t], d, acc[t]);
  }
  for (int t = 0; t < T; ++t) hn::StoreU(acc[t], df, out + t * ldo);
}

// One tile of T tokens on one group: xoff for the 32-value types (Q6_K: per 16 values), xsum for Q4_K.
template <int T>
void GroupPackedAny(DType type, const uint8_t* group, int64_t nblocks, const ActBlock* const* x,
                    const int32_t* const* xoff, const float* const* xsum, float* out, int64_t ldo) {
  switch (type) {
    case DType::Q4_0: return GroupPacked<T, DType::Q4_0>(group, nblocks, x, xoff, out, ldo);
    case DType::Q5_0: return GroupPacked<T, DType::Q5_0>(group, nblocks, x, xoff, out, ldo);
    case DType::Q4_K: return GroupPackedQ4_K<T>(group, nblocks, x, xsum, out, ldo);
    case DType::Q6_K: return GroupPackedQ6_K<T>(group, nblocks, x, xoff, out, ldo);
    default: return GroupPacked<T, DType::Q8_0>(group, nblocks, x, xoff, out, ldo);
  }
}
