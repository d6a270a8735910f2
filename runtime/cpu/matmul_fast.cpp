// Fast matmul kernels (see matmul_fast.h). Compiled once per SIMD target by Highway's foreach_target and
// dispatched at run time, so a baseline x86-64 build still uses AVX2 on a CPU that has it.
//
// Integer dot products: every weight format is unpacked to 32 values per activation block, as signed bytes
// (Q8_0 as stored; Q6_K: q - 32) or as unsigned quants whose offset or mins are applied once per block through
// the activation blocks' d * sum (Q4_0: q, offset 8; Q5_0: q, offset 16; Q4_K: nibbles and its mins). Products are summed in pairs to
// int16 and then, weighted by the sub-block scale (1, or Q6_K's 8-bit scales), in pairs to int32 (x86:
// pmaddubsw on |w| and x with w's sign, then pmaddwd; no overflow: |pair| <= 2 * 128 * 127 < 32768). The
// int32 sums of a block are exact; they are converted to fp32 and accumulated with the block's scale in
// fp32 lanes (the K-quants: once per super-block, see matmul_kquant-inl.h). Those are the row kernels; where
// the weights are packed in groups of 8 rows (packed_weights.h), matmul_packed-inl.h's kernels run instead.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/cpu/matmul_fast.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>
#include <hwy/cache_control.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "runtime/cpu/matmul_fast.h"
#include "runtime/cpu/packed_weights.h"
#include "runtime/quant/quant.h"
#include "runtime/quant/blocks.h"

HWY_BEFORE_NAMESPACE();
namespace vkg {
namespace cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Fixed 32-byte (or 16-byte) vectors: scalable targets (SVE, RVV) would need run-time lane counts.
#if HWY_TARGET != HWY_SCALAR && !HWY_HAVE_SCALABLE

using DU8 = hn::CappedTag<uint8_t, 32>;  // one 32-value activation block per vector where lanes allow
using DI8 = hn::Repartition<int8_t, DU8>;
using DI16 = hn::Repartition<int16_t, DU8>;
using DI32 = hn::Repartition<int32_t, DU8>;
using DF = hn::Repartition<float, DU8>;
using VU8 = hn::Vec<DU8>;
using VI8 = hn::Vec<DI8>;
using VI16 = hn::Vec<DI16>;
using VI32 = hn::Vec<DI32>;
using VF = hn::Vec<DF>;
// Token rows per weight-row pass: 8 for the 32-value block formats and Q4_K (unpacking a block costs as much as
// ~2 tokens' dot products), 4 for Q6_K (whose unpacked super-block halves already fill AVX2's 16 registers;
// 8 with AVX-512's 32: +11-15 % on a Zen 4).
constexpr int kTile = 8;
// The float prefill tile (RowsFloatTile): 4 rows x 6 tokens with AVX-512's 32 registers (24 accumulators),
// else 2 x 4.
constexpr int kFloatRows = HWY_TARGET <= HWY_AVX3 ? 4 : 2;
constexpr int kFloatTokens = HWY_TARGET <= HWY_AVX3 ? 6 : 4;

// Decode steps stream packed groups once, in order: each kernel asks for the bytes this far ahead of those it
// multiplies. The hardware prefetcher alone left a Xeon's 2 threads at ~65 % (F16) and ~80 % (Q4_0) of the
// plain read bandwidth (vkgemma_bench_kernels --width 640); with 2-4 KB ahead at ~100 % (1 KB gained nothing,
// 20 KB a little less).
constexpr int64_t kDecodePrefetch = 4096;
HWY_INLINE void PrefetchAhead(const uint8_t* p, size_t bytes) {
  for (size_t o = 0; o < bytes; o += 64) hwy::Prefetch(p + kDecodePrefetch + o);
}

HWY_INLINE size_t LanesU8() { return hn::Lanes(DU8()); }  // 32 (AVX2, AVX-512) or 16 (SSE4, NEON)

HWY_INLINE float LoadHalf(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, sizeof h);
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
  return _cvtsh_ss(h);  // F16C is part of these targets
#else
  return fp16_to_fp32(h);
#endif
}

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_SSSE3
HWY_INLINE __m128i MaddUbs(__m128i a, __m128i b) { return _mm_maddubs_epi16(a, b); }
HWY_INLINE __m128i Madd(__m128i a, __m128i b) { return _mm_madd_epi16(a, b); }
HWY_INLINE __m128i SignI8(__m128i a, __m128i b) { return _mm_sign_epi8(a, b); }
HWY_INLINE __m128i AbsI8(__m128i a) { return _mm_abs_epi8(a); }
#if HWY_TARGET <= HWY_AVX2
HWY_INLINE __m256i MaddUbs(__m256i a, __m256i b) { return _mm256_maddubs_epi16(a, b); }
HWY_INLINE __m256i Madd(__m256i a, __m256i b) { return _mm256_madd_epi16(a, b); }
HWY_INLINE __m256i SignI8(__m256i a, __m256i b) { return _mm256_sign_epi8(a, b); }
HWY_INLINE __m256i AbsI8(__m256i a) { return _mm256_abs_epi8(a); }
#endif
#endif

// int32 lanes whose total is sum_i w[i] * x[i] * sc(i), where sc(i) is the int16 lane of `sc` covering the
// pair (i & ~1): w unsigned (0..255 with pair sums < 32768), x signed.
HWY_INLINE VI32 DotU(VU8 w, VI8 x, VI16 sc) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_SSSE3
  return VI32{Madd(MaddUbs(w.raw, x.raw), sc.raw)};
#else
  alignas(64) uint8_t wa[32];
  alignas(64) int8_t xa[32];
  alignas(64) int16_t sa[16];
  alignas(64) int32_t r[8];
  hn::Store(w, DU8(), wa);
  hn::Store(x, DI8(), xa);
  hn::Store(sc, DI16(), sa);
  const size_t n = LanesU8();
  for (size_t i = 0; i < n / 4; ++i) {
    int32_t s = 0;
    for (size_t k = 4 * i; k < 4 * i + 4; ++k) s += int32_t(wa[k]) * int32_t(xa[k]) * int32_t(sa[k / 2]);
    r[i] = s;
  }
  return hn::Load(DI32(), r);
#endif
}

// The same for signed w: |w| (computed once per weight block, shared by the tokens) times x with w's sign.
HWY_INLINE VU8 AbsW(VI8 w) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_SSSE3
  return VU8{AbsI8(w.raw)};
#else
  return hn::BitCast(DU8(), hn::Abs(w));
#endif
}

HWY_INLINE VI32 DotS(VU8 absw, VI8 w, VI8 x, VI16 sc) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_SSSE3
  return VI32{Madd(MaddUbs(absw.raw, SignI8(x.raw, w.raw)), sc.raw)};
#else
  const VI8 zero = hn::Zero(DI8());
  return DotU(absw, hn::IfThenElse(hn::Lt(w, zero), hn::Neg(x), x), sc);
#endif
}

// int16 lanes for DotU over values [o, o + lanes) of a 32-value block whose first 16 values have scale a
// and last 16 scale b.
HWY_INLINE VI16 HalfScales(size_t o, int a, int b) {
  const DI16 d;
  const size_t n_first = o >= 16 ? 0 : std::min(hn::Lanes(d), (16 - o) / 2);
  return hn::IfThenElse(hn::FirstN(d, n_first), hn::Set(d, static_cast<int16_t>(a)),
                        hn::Set(d, static_cast<int16_t>(b)));
}

// acc plus the int32 lanes of DotU / DotS with unit scales (each lane: the sum of 4 consecutive products). With
// AVX-512 VNNI (Highway's AVX3_DL target: Ice Lake, Zen 4 and later) one vpdpbusd per vector instead of
// pmaddubsw, pmaddwd and an add: the same exact int32 lanes.
#if HWY_TARGET == HWY_AVX3_DL
HWY_INLINE __m256i Dpbusd(__m256i acc, __m256i u8, __m256i i8) {
#if defined(__GNUC__)
  // The EVEX form, spelled out: Highway 1.0's AVX3_DL flags include AVX-VNNI, so GCC would emit the VEX form,
  // which Zen 4 (AVX-512 VNNI without AVX-VNNI) does not have. "vm": the activations may stay in memory.
  __asm__("%{evex%} vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u8), "vm"(i8));
  return acc;
#else
  return _mm256_dpbusd_epi32(acc, u8, i8);
#endif
}
#endif
// acc plus the int32 lanes of DotU / DotS (with int16 scales): with VNNI the pair sums of pmaddubsw go into
// vpdpwssd (multiply by the scales and accumulate: one instruction where pmaddwd and an add took two).
#if HWY_TARGET == HWY_AVX3_DL
HWY_INLINE __m256i Dpwssd(__m256i acc, __m256i a, __m256i b) {
#if defined(__GNUC__)
  __asm__("%{evex%} vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(a), "vm"(b));  // EVEX: see Dpbusd
  return acc;
#else
  return _mm256_dpwssd_epi32(acc, a, b);
#endif
}
#endif
HWY_INLINE VI32 DotUScaledAcc(VI32 acc, VU8 w, VI8 x, VI16 sc) {
#if HWY_TARGET == HWY_AVX3_DL
  return VI32{Dpwssd(acc.raw, MaddUbs(w.raw, x.raw), sc.raw)};
#else
  return hn::Add(acc, DotU(w, x, sc));
#endif
}
HWY_INLINE VI32 DotSScaledAcc(VI32 acc, VU8 absw, VI8 w, VI8 x, VI16 sc) {
#if HWY_TARGET == HWY_AVX3_DL
  return VI32{Dpwssd(acc.raw, MaddUbs(absw.raw, SignI8(x.raw, w.raw)), sc.raw)};
#else
  return hn::Add(acc, DotS(absw, w, x, sc));
#endif
}

HWY_INLINE VI32 DotUAcc(VI32 acc, VU8 w, VI8 x) {
#if HWY_TARGET == HWY_AVX3_DL
  return VI32{Dpbusd(acc.raw, w.raw, x.raw)};
#else
  return hn::Add(acc, DotU(w, x, hn::Set(DI16(), 1)));
#endif
}
HWY_INLINE VI32 DotSAcc(VI32 acc, VU8 absw, VI8 w, VI8 x) {
#if HWY_TARGET == HWY_AVX3_DL
  return VI32{Dpbusd(acc.raw, absw.raw, _mm256_sign_epi8(x.raw, w.raw))};
#else
  return hn::Add(acc, DotS(absw, w, x, hn::Set(DI16(), 1)));
#endif
}

// acc + s * d_x * d_w for a block's exact int32 lanes s, activation scale d_x and weight scale d_w (a vector,
// set once per weight block): d_x multiplies from memory (AVX-512: an embedded broadcast), where d_w * d_x
// as a scalar product took a multiply and a broadcast per token and block. With the activations folded into
// vpdpbusd as a memory operand: 270M 128-token prompt on one Zen 4 thread 328 -> 358 tok/s.
HWY_INLINE VF ScaledAcc(VI32 s, const float& dx, VF dwv, VF acc) {
  return hn::MulAdd(hn::Mul(hn::ConvertTo(DF(), s), hn::Set(DF(), dx)), dwv, acc);
}

HWY_INLINE float Total(VF v) { return hn::GetLane(hn::SumOfLanes(DF(), v)); }

#include "runtime/cpu/matmul_block32-inl.h"  // DotBlock, RowsQ8_0, RowsQ4Q5_0 (once per SIMD target)
#include "runtime/cpu/matmul_kquant-inl.h"  // RowsQ4_K, RowsQ6_K (once per SIMD target)
#include "runtime/cpu/lane_sums-inl.h"       // SumsOfLanes (once per SIMD target)
#include "runtime/cpu/matmul_float-inl.h"  // RowsFloat, FloatTileRows (once per SIMD target)
#include "runtime/cpu/matmul_packed_float-inl.h"  // PackedFloatRows (once per SIMD target)
#include "runtime/cpu/matmul_packed-inl.h"  // GroupPacked (once per SIMD target)

template <int R, int T>
void RowsAny(DType type, const uint8_t* const* rows, int64_t K, const ActBlock* const* xq, const float* const* xs,
             const float* xsum_tile, const float* const* xf, float* res) {
  switch (type) {
    case DType::Q8_0: return RowsQ8_0<R, T>(rows, K, xq, res);
    case DType::Q4_0: return RowsQ4Q5_0<R, T, false>(rows, K, xq, xsum_tile, res);
    case DType::Q5_0: return RowsQ4Q5_0<R, T, true>(rows, K, xq, xsum_tile, res);
    case DType::Q4_K: return RowsQ4_K<R, T>(rows, K, xq, xs, res);
    case DType::Q6_K: return RowsQ6_K<R, T>(rows, K, xq, res);
    case DType::F32: return RowsFloat<R, T, DType::F32>(rows, K, xf, res);
    case DType::F16: return RowsFloat<R, T, DType::F16>(rows, K, xf, res);
    default: return RowsFloat<R, T, DType::BF16>(rows, K, xf, res);
  }
}

// quantize_activations (matmul_fast.h) in SIMD lanes: the same values as the scalar definition (q rounded to
// nearest even, as nearbyint; |x * inv| <= 127), 3-4 % of a prompt when it was scalar.
void QuantizeActivations(const float* x, int64_t n, ActBlock* out, float* dsum, int64_t group, int32_t* qsum) {
  const DF df;
  const hn::Rebind<int32_t, DF> di;
  const hn::Rebind<int8_t, DF> di8;
  const size_t L = hn::Lanes(df);
  float d = 0, inv = 0;
  for (int64_t b = 0; b < n / 32; ++b) {
    const float* v = x + 32 * b;
    if ((32 * b) % group == 0) {  // a new group: its scale
      auto amax = hn::Zero(df);
      for (int64_t i = 0; i < group; i += static_cast<int64_t>(L)) amax = hn::Max(amax, hn::Abs(hn::LoadU(df, v + i)));
      d = hn::GetLane(hn::MaxOfLanes(df, amax)) / 127.0f;
      inv = d > 0 ? 1.0f / d : 0.0f;
    }
    ActBlock& a = out[b];
    a.d = d;
    auto sum = hn::Zero(di);
    for (size_t i = 0; i < 32; i += L) {
      const auto q = hn::NearestInt(hn::Mul(hn::LoadU(df, v + i), hn::Set(df, inv)));
      hn::StoreU(hn::DemoteTo(di8, q), di8, a.q + i);
      sum = hn::Add(sum, q);
    }
    const int32_t total = hn::GetLane(hn::SumOfLanes(di, sum));
    dsum[b] = d * static_cast<float>(total);
    if (qsum) qsum[b] = total;
  }
}

bool HasKernels() { return true; }

void MatmulRows(DType type, const uint8_t* weights, int64_t stride, int64_t K, int64_t r0, int64_t r1,
                const ActBlock* xq, const float* xdsum, const float* xf, int64_t n_tokens, float* out, int64_t ldo) {
  // Rows in groups that stay in L1/L2 while every token tile passes over them.
  constexpr int64_t kRowGroup = 16;
  const bool wide_tiles = type == DType::Q4_0 || type == DType::Q5_0 || type == DType::Q8_0 || type == DType::Q4_K ||
                          (type == DType::Q6_K && HWY_TARGET <= HWY_AVX3);
  const int64_t nb = K / 32;
  // Float weights in prefill: RowsFloatTile for every token count (decode: RowFloatDecode through RowsAny).
  const bool float_tiles = (type == DType::F32 || type == DType::F16 || type == DType::BF16) && n_tokens > 1;
  // Tokens of the tile that starts at token t0: the same tiles for every row group.
  auto tile_tokens = [&](int64_t t0) {
    const int64_t left = n_tokens - t0;
    if (float_tiles) {  // ceil(n / kFloatTokens) tiles as even as they go: 128 tokens = 18 x 6 + 4 x 5
      const int64_t tiles = (n_tokens + kFloatTokens - 1) / kFloatTokens, small = n_tokens / tiles;
      const int64_t big_tiles = n_tokens % tiles;  // the first ones, of small + 1 tokens
      return static_cast<int>(t0 < big_tiles * (small + 1) ? small + 1 : small);
    }
    return static_cast<int>(wide_tiles && left >= kTile ? kTile : std::min<int64_t>(4, left));
  };
  // Q4_0/Q5_0 read each tile's d * sum(q) per block transposed, [nb][T] (see RowsQ4Q5_0): made once per call
  // for all tiles, the tile at t0 at offset t0 * nb.
  const bool transposed_sums = type == DType::Q4_0 || type == DType::Q5_0;
  thread_local std::vector<float> xsum_tiles;  // reused: no allocation per call
  if (transposed_sums) {
    xsum_tiles.resize(static_cast<size_t>(n_tokens * nb));
    for (int64_t t0 = 0; t0 < n_tokens;) {
      const int T = tile_tokens(t0);
      for (int64_t b = 0; b < nb; ++b)
        for (int t = 0; t < T; ++t) xsum_tiles[static_cast<size_t>(t0 * nb + b * T + t)] = xdsum[(t0 + t) * nb + b];
      t0 += T;
    }
  }
  for (int64_t g0 = r0; g0 < r1; g0 += kRowGroup) {
    const int64_t g1 = std::min(r1, g0 + kRowGroup);
    for (int64_t t0 = 0; t0 < n_tokens;) {
      const int T = tile_tokens(t0);
      const ActBlock* xqs[kTile];
      const float* xfs[kTile];
      const float* xss[kTile];
      for (int t = 0; t < T; ++t) {
        xqs[t] = xq ? xq + (t0 + t) * nb : nullptr;
        xss[t] = xdsum ? xdsum + (t0 + t) * nb : nullptr;
        xfs[t] = xf ? xf + (t0 + t) * K : nullptr;
      }
      const float* xsum_tile = transposed_sums ? xsum_tiles.data() + t0 * nb : nullptr;
      // Float weights in prefill: the whole group by float tiles. The quantized kernels take one row per call:
      // two interleaved rows measured 25-35 % slower streaming Q4_0/Q5_0 from memory on Zen 3, and no faster
      // for the other types.
      if (float_tiles) {
        FloatTileRows(type, T, weights, stride, K, g0, g1, xfs, out + t0 * ldo, ldo);
      } else {
        for (int64_t r = g0; r < g1; ++r) {
          const uint8_t* row = weights + r * stride;
          float res[kTile];  // one row x the tile's tokens
          switch (T) {
            case 1: RowsAny<1, 1>(type, &row, K, xqs, xss, xsum_tile, xfs, res); break;
            case 2: RowsAny<1, 2>(type, &row, K, xqs, xss, xsum_tile, xfs, res); break;
            case 3: RowsAny<1, 3>(type, &row, K, xqs, xss, xsum_tile, xfs, res); break;
            case 4: RowsAny<1, 4>(type, &row, K, xqs, xss, xsum_tile, xfs, res); break;
            default: RowsAny<1, kTile>(type, &row, K, xqs, xss, xsum_tile, xfs, res); break;
          }
          for (int t = 0; t < T; ++t) out[(t0 + t) * ldo + r] = res[t];
        }
      }
      t0 += T;
    }
  }
}

bool Packs(DType type) { return PacksType(type); }

void MatmulPackedFloat(DType type, const uint8_t* packed, int64_t K, int64_t g0, int64_t g1, const float* x,
                       int64_t n_tokens, float* out, int64_t ldo) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  if (type == DType::F16) return PackedFloatRows<DType::F16>(packed, K, g0, g1, x, n_tokens, out, ldo);
  return PackedFloatRows<DType::BF16>(packed, K, g0, g1, x, n_tokens, out, ldo);
#else
  (void)type, (void)packed, (void)K, (void)g0, (void)g1, (void)x, (void)n_tokens, (void)out, (void)ldo;
#endif
}

void MatmulPacked(DType type, const uint8_t* packed, int64_t K, int64_t g0, int64_t g1, const ActBlock* xq,
                  const float* xdsum, const int32_t* xqsum, int64_t n_tokens, float* out, int64_t ldo) {
  if constexpr (kPackedKernels) {
    const int64_t nb = K / 32, nblocks = K / packed_block_values(type);
    const int64_t group_bytes = packed_group_bytes(type, K);
    // The offset terms' integers, made once per call (reused storage): Q6_K -32 * the activations' sums per
    // 16 values [n_tokens][2 nb]; Q4_0/Q5_0/Q8_0 -offset * the sums per 32 [n_tokens][nb]. (Q4_K reads
    // xdsum, d * the sums, for its mins.)
    thread_local std::vector<int32_t> xoff;
    const size_t n = static_cast<size_t>(n_tokens * nb);
    const int64_t xoff_stride = type == DType::Q6_K ? 2 * nb : nb;
    if (type == DType::Q6_K) {
      xoff.resize(2 * n);
      for (size_t i = 0; i < n; ++i) {
        int32_t first = 0;
        for (int l = 0; l < 16; ++l) first += xq[i].q[l];
        xoff[2 * i] = -32 * first;
        xoff[2 * i + 1] = -32 * (xqsum[i] - first);
      }
    } else if (type != DType::Q4_K) {
      const int32_t offset = type == DType::Q8_0 ? 128 : type == DType::Q5_0 ? 16 : 8;
      xoff.resize(n);
      for (size_t i = 0; i < n; ++i) xoff[i] = -offset * xqsum[i];
    }
    for (int64_t g = g0; g < g1; ++g) {
      const uint8_t* group = packed + g * group_bytes;
      for (int64_t t0 = 0; t0 < n_tokens;) {
        const int64_t left = n_tokens - t0;
        // Tiles of 3 as well: several sequences' decode steps batched are often 3 tokens, which 2 + 1 would
        // read the weights twice for.
        const int T = left >= kPackedTile ? kPackedTile : left >= 4 ? 4 : static_cast<int>(left);
        const ActBlock* xs[kPackedTile];
        const int32_t* os[kPackedTile];
        const float* ss[kPackedTile];
        for (int t = 0; t < T; ++t) {
          xs[t] = xq + (t0 + t) * nb;
          os[t] = xoff.data() + (type == DType::Q4_K ? 0 : (t0 + t) * xoff_stride);
          ss[t] = xdsum + (t0 + t) * nb;
        }
        float* o = out + t0 * ldo + g * kPackedRows;
        if (T == kPackedTile) GroupPackedAny<kPackedTile>(type, group, nblocks, xs, os, ss, o, ldo);
        else if (T == 4) GroupPackedAny<4>(type, group, nblocks, xs, os, ss, o, ldo);
        else if (T == 3) GroupPackedAny<3>(type, group, nblocks, xs, os, ss, o, ldo);
        else if (T == 2) GroupPackedAny<2>(type, group, nblocks, xs, os, ss, o, ldo);
        else GroupPackedAny<1>(type, group, nblocks, xs, os, ss, o, ldo);
        t0 += T;
      }
    }
  }
}

#else  // HWY_SCALAR, SVE, RVV: no kernels; fast_matmul_supported() says so and the exact path runs.

bool HasKernels() { return false; }
// The scalar definition, for these targets (the tests call quantize_activations on any).
void QuantizeActivations(const float* x, int64_t n, ActBlock* out, float* dsum, int64_t group, int32_t* qsum) {
  float d = 0, inv = 0;
  for (int64_t b = 0; b < n / 32; ++b) {
    const float* v = x + 32 * b;
    if ((32 * b) % group == 0) {  // a new group: its scale
      float amax = 0;
      for (int64_t i = 0; i < group; ++i) amax = std::max(amax, std::fabs(v[i]));
      d = amax / 127.0f;
      inv = d > 0 ? 1.0f / d : 0.0f;
    }
    ActBlock& a = out[b];
    a.d = d;
    int sum = 0;
    for (int i = 0; i < 32; ++i) {
      const int q = static_cast<int>(std::nearbyint(v[i] * inv));
      a.q[i] = static_cast<int8_t>(q);
      sum += q;
    }
    dsum[b] = d * static_cast<float>(sum);
    if (qsum) qsum[b] = sum;
  }
}
void MatmulRows(DType, const uint8_t*, int64_t, int64_t, int64_t, int64_t, const ActBlock*, const float*,
                const float*, int64_t, float*, int64_t) {}
bool Packs(DType) { return false; }
void MatmulPacked(DType, const uint8_t*, int64_t, int64_t, int64_t, const ActBlock*, const float*, const int32_t*,
                  int64_t, float*, int64_t) {}
void MatmulPackedFloat(DType, const uint8_t*, int64_t, int64_t, int64_t, const float*, int64_t, float*, int64_t) {}

#endif

const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace cpu
}  // namespace vkg
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vkg {
namespace cpu {

HWY_EXPORT(HasKernels);
HWY_EXPORT(MatmulRows);
HWY_EXPORT(TargetName);
HWY_EXPORT(Packs);
HWY_EXPORT(MatmulPacked);
HWY_EXPORT(MatmulPackedFloat);
HWY_EXPORT(QuantizeActivations);

bool fast_matmul_quantizes(DType type) {
  return type == DType::Q8_0 || type == DType::Q4_0 || type == DType::Q5_0 || type == DType::Q4_K ||
         type == DType::Q6_K;
}

int64_t fast_matmul_activation_group(DType type, bool packed) {
  return !packed && (type == DType::Q4_K || type == DType::Q6_K) ? 256 : 32;
}

bool fast_matmul_supported(DType type) {
  // Asked each time (one indirect call per matmul), so that it follows the dispatcher's target.
  return HWY_DYNAMIC_DISPATCH(HasKernels)() && (fast_matmul_quantizes(type) || type == DType::F32 ||
                                                type == DType::F16 || type == DType::BF16);
}

bool fast_matmul_packs(DType type) { return HWY_DYNAMIC_DISPATCH(Packs)(type); }

void fast_matmul_packed_rows(const PackedWeights& w, int64_t g0, int64_t g1, const ActBlock* xq, const float* xdsum,
                             const int32_t* xqsum, int64_t n_tokens, float* out, int64_t ldo) {
  HWY_DYNAMIC_DISPATCH(MatmulPacked)(w.type, w.data.data(), w.K, g0, g1, xq, xdsum, xqsum, n_tokens, out, ldo);
}

void fast_matmul_packed_groups(DType type, const uint8_t* first_group, int64_t K, int64_t g0, int64_t g1,
                               const ActBlock* xq, const float* xdsum, const int32_t* xqsum, int64_t n_tokens,
                               float* out, int64_t ldo) {
  HWY_DYNAMIC_DISPATCH(MatmulPacked)(type, first_group, K, g0, g1, xq, xdsum, xqsum, n_tokens, out, ldo);
}

void fast_matmul_packed_float(DType type, const uint8_t* first_group, int64_t K, int64_t g0, int64_t g1,
                              const float* x, int64_t n_tokens, float* out, int64_t ldo) {
  HWY_DYNAMIC_DISPATCH(MatmulPackedFloat)(type, first_group, K, g0, g1, x, n_tokens, out, ldo);
}

const char* fast_matmul_target() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }

void quantize_activations(const float* x, int64_t n, ActBlock* out, float* dsum, int64_t group, int32_t* qsum) {
  HWY_DYNAMIC_DISPATCH(QuantizeActivations)(x, n, out, dsum, group, qsum);
}

void fast_matmul_rows(DType type, const uint8_t* weights, int64_t row_stride, int64_t K, int64_t r0, int64_t r1,
                      const ActBlock* xq, const float* xdsum, const float* xf, int64_t n_tokens, float* out,
                      int64_t ldo) {
  HWY_DYNAMIC_DISPATCH(MatmulRows)(type, weights, row_stride, K, r0, r1, xq, xdsum, xf, n_tokens, out, ldo);
}

}  // namespace cpu
}  // namespace vkg
#endif  // HWY_ONCE
