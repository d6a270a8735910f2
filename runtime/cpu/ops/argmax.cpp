// argmax per row: the first index of the row's maximum. Highway code dispatched at run time like gelu_mul:
// the branchy scalar loop took ~0.2 ms on a 262144-entry logits row, 1-2 % of a 270M decode step.
// NaN is never the maximum (as `row[c] > row[best]` in the scalar definition), except that a NaN at index 0
// is kept: nothing compares greater than it.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/cpu/ops/argmax.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <cmath>
#include <limits>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

HWY_BEFORE_NAMESPACE();
namespace vkg {
namespace cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Two passes over a row that is in cache anyway (the logits were just written): its largest non-NaN value,
// then the first index that holds it.
int64_t ArgmaxRow(const float* row, int64_t n) {
  if (n <= 0 || std::isnan(row[0])) return 0;
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const auto neg_inf = hn::Set(d, -std::numeric_limits<float>::infinity());
  auto m0 = neg_inf, m1 = neg_inf;
  int64_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto a = hn::LoadU(d, row + i), b = hn::LoadU(d, row + i + N);
    m0 = hn::Max(m0, hn::IfThenElse(hn::Eq(a, a), a, neg_inf));  // NaN != NaN: dropped
    m1 = hn::Max(m1, hn::IfThenElse(hn::Eq(b, b), b, neg_inf));
  }
  float best = hn::GetLane(hn::MaxOfLanes(d, hn::Max(m0, m1)));
  for (int64_t k = i; k < n; ++k)
    if (row[k] > best) best = row[k];
  const auto target = hn::Set(d, best);
  int64_t k = 0;
  for (; k + N <= n; k += N) {
    const intptr_t lane = hn::FindFirstTrue(d, hn::Eq(hn::LoadU(d, row + k), target));
    if (lane >= 0) return k + lane;
  }
  for (; k < n; ++k)
    if (row[k] == best) return k;
  return 0;  // not reached: best is one of the row's values
}

}  // namespace HWY_NAMESPACE
}  // namespace cpu
}  // namespace vkg
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vkg {
namespace cpu {

HWY_EXPORT(ArgmaxRow);

void argmax(const float* x, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r) out[r] = static_cast<float>(HWY_DYNAMIC_DISPATCH(ArgmaxRow)(x + r * cols, cols));
}

void run_op(const ArgmaxParams&, const CpuNode& n) {
  argmax(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.out());
}

}  // namespace cpu
}  // namespace vkg
#endif  // HWY_ONCE
