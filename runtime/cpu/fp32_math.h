// e^x and tanh for fp32 with the same bits on every platform and compiler (the CPU backend's attention, soft-cap
// and GELU use them instead of std::exp / std::tanh).
//
// Why not the C library's: expf and tanhf are not correctly rounded, and their last bit differs between C
// libraries (glibc has its own fp32 algorithms, mingw-w64 rounds its double functions, MSVC's UCRT has others).
// The fast matmul path quantizes activations to 8 bits, a rounding that such a bit can flip, and the flipped
// value then changes every later layer: with libm's exp in attention's softmax, a 2 x 64-token perplexity
// differed by 2% between the Linux and the Windows build (issue 10).
//
// How: in double, n = round(x / ln 2), r = x - n ln 2 (|r| <= 0.347), e^r - 1 by its Taylor series to degree
// 11 (truncation < 1e-14 relative), 2^n applied exactly, then one rounding to fp32. The double result is within
// ~2e-14 relative of the true value, so the fp32 result is correctly rounded except where the true value lies
// within that of the midpoint between two floats; in every case it is the same on any IEEE-754 machine (only +,
// -, *, /, exact operations and one conversion; no FMA contraction is possible across separate statements).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace vkg::cpu {

namespace fp32_math_detail {

// exp_parts's constants (fp32_math-inl.h's SIMD version uses the same ones).
constexpr double kLog2e = 1.4426950408889634;
constexpr double kRound = 6755399441055744.0;  // 1.5 * 2^52: x + kRound - kRound rounds x to an integer
// ln 2 in two parts: ln2_hi has 32 significant bits, so n * ln2_hi (|n| < 2^21) is exact.
constexpr double kLn2Hi = 0.693147180369123816490;    // 0x3FE62E42FEE00000
constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln 2 - kLn2Hi
// (e^r - 1) / r = sum_k r^k / (k + 1)!, k = 0..10, by Horner: 1/11!, then these.
constexpr double kInvFactorial11 = 1.0 / 39916800.0;
constexpr double kInvFactorial[10] = {1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0,
                                      1.0 / 120.0,     1.0 / 24.0,     1.0 / 6.0,     0.5,          1.0};

// e^x = 2^n (1 + m) for |x| < 210 (double): n an integer, m = e^r - 1 without cancellation for small r.
struct ExpParts {
  double n;
  double m;
};

inline ExpParts exp_parts(double x) {
  // n = x / ln 2 rounded to nearest (even), by adding and subtracting 1.5 * 2^52: nearbyint without a call.
  double n = x * kLog2e;
  n = n + kRound;
  n = n - kRound;
  double r = x - n * kLn2Hi;
  r = r - n * kLn2Lo;
  double q = kInvFactorial11;
  for (double c : kInvFactorial) {
    q = q * r;
    q = q + c;
  }
  return {n, q * r};
}

// 2^n from its bits (n an integer in the normal range of double).
inline double pow2(double n) {
  const uint64_t bits = static_cast<uint64_t>(static_cast<int64_t>(n) + 1023) << 52;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

}  // namespace fp32_math_detail

inline float exp_f32(float x) {
  if (std::isnan(x)) return x;
  if (x > 89.0f) return std::numeric_limits<float>::infinity();  // e^88.73 > FLT_MAX
  if (x < -104.0f) return 0.0f;                                  // e^-103.98 < half the least subnormal
  const auto [n, m] = fp32_math_detail::exp_parts(static_cast<double>(x));
  // The product is exact (2^n is a power of two in double's normal range); the conversion rounds once
  // (subnormal fp32 results included).
  return static_cast<float>((1.0 + m) * fp32_math_detail::pow2(n));
}

// tanh |x| = (e^2|x| - 1) / (e^2|x| + 1), with e^2|x| - 1 from exp_parts (no cancellation near 0).
inline float tanh_f32(float x) {
  if (std::isnan(x)) return x;
  const double a = std::fabs(static_cast<double>(x));
  if (a >= 10.0) return std::copysign(1.0f, x);  // 1 - tanh(10) = 4e-9, under half an ulp of 1
  const auto [n, m] = fp32_math_detail::exp_parts(2.0 * a);
  double em1 = m;  // e^2a - 1
  if (n != 0) {
    em1 = (1.0 + m) * fp32_math_detail::pow2(n);
    em1 = em1 - 1.0;  // e^2a >= 1.41 here: no cancellation
  }
  const double t = em1 / (em1 + 2.0);
  return static_cast<float>(std::copysign(t, static_cast<double>(x)));
}

// v[i] = exp_f32(v[i]) for i < n, several lanes at a time (fp32_math_lanes.cpp; the same bits on every SIMD
// target). Per-target kernels include fp32_math-inl.h's ExpF32InPlace instead.
void exp_f32_lanes(float* v, int64_t n);

}  // namespace vkg::cpu
