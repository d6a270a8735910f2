// GeGLU: gelu_tanh(gate) * up, vectorized with Highway (its Exp: fp32, ~1 ulp), dispatched at run time like
// the matmul kernels (a 128-token prompt spent ~8% of its time in libm's tanhf). Written as
// 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)), which has no cancellation where tanh(u) is near -1.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/cpu/ops/gelu_mul.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>

#include <cmath>

#include "runtime/cpu/fp32_math.h"
#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

// (This file is compiled once per SIMD target: constants live inside the per-target namespace.)
HWY_BEFORE_NAMESPACE();
namespace vkg {
namespace cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kCubic = 0.044715f;

void GeluMul(const float* gate, const float* up, int64_t n, float* out) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const auto minus2 = hn::Set(d, -2.0f), one = hn::Set(d, 1.0f), limit = hn::Set(d, 88.0f);
  const auto k0 = hn::Set(d, kSqrt2OverPi), k1 = hn::Set(d, kCubic);
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    const auto x = hn::LoadU(d, gate + i);
    const auto inner = hn::Mul(k0, hn::MulAdd(hn::Mul(k1, hn::Mul(x, x)), x, x));  // k0 (x + k1 x^3)
    // Exp is only valid up to ~88; beyond it x / (1 + e^88) is already below fp32's smallest normal.
    const auto e = hn::Exp(d, hn::Min(hn::Mul(minus2, inner), limit));
    const auto g = hn::Div(x, hn::Add(one, e));
    hn::StoreU(hn::Mul(g, hn::LoadU(d, up + i)), d, out + i);
  }
  for (; i < n; ++i) out[i] = gelu_tanh(gate[i]) * up[i];
}

}  // namespace HWY_NAMESPACE
}  // namespace cpu
}  // namespace vkg
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vkg {
namespace cpu {

// GELU, tanh approximation (gelu_pytorch_tanh): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); tanh_f32, not
// libm's tanh, gives the same bits on every platform.
float gelu_tanh(float x) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + tanh_f32(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

HWY_EXPORT(GeluMul);

void gelu_mul(const float* gate, const float* up, int64_t n, float* out) {
  HWY_DYNAMIC_DISPATCH(GeluMul)(gate, up, n, out);
}

void run_op(const GeluMulParams&, const CpuNode& n) {
  gelu_mul(n.in(0), n.in(1), n.desc(0).elements(), n.out());
}

}  // namespace cpu
}  // namespace vkg
#endif  // HWY_ONCE
