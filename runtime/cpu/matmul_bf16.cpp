// See matmul_bf16.h. Intrinsics with a per-function target (GCC, Clang) rather than Highway: Highway 1.0
// (Debian 12) has no AVX512_BF16 target; the rest of the build stays portable x86-64.
#include "runtime/cpu/matmul_bf16.h"

#include <cstring>
#include <stdexcept>

#include <hwy/targets.h>

#include "runtime/quant/quant.h"

#if defined(__x86_64__) || defined(_M_X64)
#define VKG_BF16_X86 1
#include <immintrin.h>
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#define VKG_BF16_TARGET
#else
#include <cpuid.h>
#define VKG_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#endif
#endif

namespace vkg::cpu {

#ifdef VKG_BF16_X86

namespace {

bool cpu_has_avx512_bf16() {
  unsigned a = 0, b = 0, c = 0, d = 0;
#if defined(_MSC_VER) && !defined(__clang__)
  int r[4];
  __cpuidex(r, 7, 1);
  a = static_cast<unsigned>(r[0]);
#else
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 1, a, b, c, d);
#endif
  return (a & (1u << 5)) != 0;  // CPUID.(EAX=7, ECX=1):EAX[5] = AVX512_BF16
}

VKG_BF16_TARGET inline __m512bh as_bf16(__m512i v) {
  __m512bh r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}

// The sum of v's 16 lanes. The masked forms with every lane set: GCC 12's unmasked shuffles (and
// _mm512_reduce_add_ps) pass an undefined vector that its -Wuninitialized flags.
VKG_BF16_TARGET inline float total(__m512 v) {
  constexpr __mmask16 all = 0xFFFF;
  v = _mm512_add_ps(v, _mm512_mask_shuffle_f32x4(v, all, v, v, _MM_SHUFFLE(1, 0, 3, 2)));  // 256-bit halves
  v = _mm512_add_ps(v, _mm512_mask_shuffle_f32x4(v, all, v, v, _MM_SHUFFLE(2, 3, 0, 1)));  // 128-bit quarters
  v = _mm512_add_ps(v, _mm512_mask_permute_ps(v, all, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_mask_permute_ps(v, all, v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_cvtss_f32(v);
}

// R weight rows x T tokens: one accumulator each, the R rows' 32 weights and the T tokens' 32 activations
// loaded once per step of 32 values.
template <int R, int T>
VKG_BF16_TARGET void Accumulate(const uint8_t* const* rows, int64_t K, const uint16_t* const* x, __m512 (&acc)[R][T]) {
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  for (int64_t i = 0; i < K; i += 32) {
    __m512bh xv[T];
    for (int t = 0; t < T; ++t) xv[t] = as_bf16(_mm512_loadu_si512(x[t] + i));
    for (int r = 0; r < R; ++r) {
      const __m512bh w = as_bf16(_mm512_loadu_si512(rows[r] + 2 * i));
      for (int t = 0; t < T; ++t) acc[r][t] = _mm512_dpbf16_ps(acc[r][t], w, xv[t]);
    }
  }
}

// A 4 x 4 tile's 16 totals at once, lane 4 t + r = sum of acc[r][t]: four levels of shuffles and adds, each
// halving the partial sums per accumulator (45 instructions where 16 separate sums take ~150; at K = 640 those
// were a third of the tile's time).
#define VKG_SHUF4(a, b, imm) _mm512_mask_shuffle_f32x4(a, 0xFFFF, a, b, imm)
#define VKG_SHUF(a, b, imm) _mm512_mask_shuffle_ps(a, 0xFFFF, a, b, imm)
VKG_BF16_TARGET inline __m512 totals_4x4(const __m512 (&acc)[4][4]) {
  __m512 s[8], u[4];
  for (int j = 0; j < 8; ++j) {  // accumulator 2j's partials in quarters 0-1, 2j + 1's in 2-3 (i = 4 r + t)
    const __m512 a = acc[(2 * j) / 4][(2 * j) % 4], b = acc[(2 * j + 1) / 4][(2 * j + 1) % 4];
    s[j] = _mm512_add_ps(VKG_SHUF4(a, b, _MM_SHUFFLE(1, 0, 1, 0)), VKG_SHUF4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
  }
  for (int m = 0; m < 4; ++m)  // quarter k: accumulator 4m + k's partials
    u[m] = _mm512_add_ps(VKG_SHUF4(s[2 * m], s[2 * m + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                         VKG_SHUF4(s[2 * m], s[2 * m + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  const __m512 p = _mm512_add_ps(_mm512_mask_unpacklo_ps(u[0], 0xFFFF, u[0], u[1]),
                                 _mm512_mask_unpackhi_ps(u[0], 0xFFFF, u[0], u[1]));
  const __m512 q = _mm512_add_ps(_mm512_mask_unpacklo_ps(u[2], 0xFFFF, u[2], u[3]),
                                 _mm512_mask_unpackhi_ps(u[2], 0xFFFF, u[2], u[3]));
  return _mm512_add_ps(VKG_SHUF(p, q, _MM_SHUFFLE(1, 0, 1, 0)), VKG_SHUF(p, q, _MM_SHUFFLE(3, 2, 3, 2)));
}
#undef VKG_SHUF4
#undef VKG_SHUF

// Tiles of 4 rows x 4 tokens (16 of AVX-512's 32 registers accumulate), then the rows and tokens left over.
template <int T>
VKG_BF16_TARGET void RowsForTokens(const uint8_t* weights, int64_t stride, int64_t K, int64_t r0, int64_t r1,
                                   const uint16_t* const* x, int64_t t0, float* out, int64_t ldo) {
  constexpr int R = 4;
  int64_t r = r0;
  for (; r + R <= r1; r += R) {
    const uint8_t* rows[R];
    for (int k = 0; k < R; ++k) rows[k] = weights + (r + k) * stride;
    __m512 acc[R][T];
    Accumulate<R, T>(rows, K, x, acc);
    float res[16];
    if constexpr (T == 4) {
      _mm512_storeu_ps(res, totals_4x4(acc));  // res[4 t + k]
      for (int t = 0; t < T; ++t) std::memcpy(out + (t0 + t) * ldo + r, res + 4 * t, 4 * sizeof(float));
    } else {
      for (int k = 0; k < R; ++k)
        for (int t = 0; t < T; ++t) out[(t0 + t) * ldo + r + k] = total(acc[k][t]);
    }
  }
  for (; r < r1; ++r) {
    const uint8_t* row = weights + r * stride;
    __m512 acc[1][T];
    Accumulate<1, T>(&row, K, x, acc);
    for (int t = 0; t < T; ++t) out[(t0 + t) * ldo + r] = total(acc[0][t]);
  }
}

// round_to_bf16's rounding, 16 values at a time in integer lanes (the same bits as quant.h's fp32_to_bf16).
VKG_BF16_TARGET void RoundToBf16(const float* x, int64_t n, uint16_t* out) {
  const __m512i one = _mm512_set1_epi32(1), bias = _mm512_set1_epi32(0x7FFF), quiet = _mm512_set1_epi32(0x40);
  const __m512i abs_mask = _mm512_set1_epi32(0x7FFFFFFF), inf = _mm512_set1_epi32(0x7F800000);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i u = _mm512_loadu_si512(x + i);
    const __m512i hi = _mm512_maskz_srli_epi32(0xFFFF, u, 16);
    const __m512i sum = _mm512_add_epi32(_mm512_add_epi32(u, bias), _mm512_and_si512(hi, one));
    const __m512i rounded = _mm512_maskz_srli_epi32(0xFFFF, sum, 16);
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, abs_mask), inf);
    const __m512i v = _mm512_mask_blend_epi32(nan, rounded, _mm512_or_si512(hi, quiet));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                        _mm512_mask_cvtepi32_epi16(_mm256_setzero_si256(), 0xFFFF, v));
  }
  for (; i < n; ++i) out[i] = fp32_to_bf16(x[i]);
}

}  // namespace

bool bf16_dot_supported() {
  static const bool ok = (hwy::SupportedTargets() & HWY_AVX3) != 0 && cpu_has_avx512_bf16();
  return ok;
}

void bf16_matmul_rows(const uint8_t* weights, int64_t stride, int64_t K, int64_t r0, int64_t r1, const uint16_t* xb,
                      int64_t n_tokens, float* out, int64_t ldo) {
  if (!bf16_dot_supported() || K % 32 != 0) throw std::logic_error("bf16_matmul_rows: no AVX512_BF16 or K % 32");
  // Row blocks of 16 stay in L1 while every token tile passes over them (as the fp32 kernels do).
  constexpr int64_t kRowBlock = 16;
  for (int64_t b0 = r0; b0 < r1; b0 += kRowBlock) {
    const int64_t b1 = b0 + kRowBlock < r1 ? b0 + kRowBlock : r1;
    for (int64_t t0 = 0; t0 < n_tokens;) {
      const int64_t T = n_tokens - t0 >= 4 ? 4 : n_tokens - t0;
      const uint16_t* x[4];
      for (int64_t t = 0; t < T; ++t) x[t] = xb + (t0 + t) * K;
      switch (T) {
        case 4: RowsForTokens<4>(weights, stride, K, b0, b1, x, t0, out, ldo); break;
        case 3: RowsForTokens<3>(weights, stride, K, b0, b1, x, t0, out, ldo); break;
        case 2: RowsForTokens<2>(weights, stride, K, b0, b1, x, t0, out, ldo); break;
        default: RowsForTokens<1>(weights, stride, K, b0, b1, x, t0, out, ldo); break;
      }
      t0 += T;
    }
  }
}

#else  // not x86-64: no AVX512_BF16

bool bf16_dot_supported() { return false; }

void bf16_matmul_rows(const uint8_t*, int64_t, int64_t, int64_t, int64_t, const uint16_t*, int64_t, float*, int64_t) {
  throw std::logic_error("bf16_matmul_rows: no AVX512_BF16 on this CPU architecture");
}

#endif

void round_to_bf16(const float* x, int64_t n, uint16_t* out) {
#ifdef VKG_BF16_X86
  if (bf16_dot_supported()) return RoundToBf16(x, n, out);
#endif
  for (int64_t i = 0; i < n; ++i) out[i] = fp32_to_bf16(x[i]);
}

}  // namespace vkg::cpu
