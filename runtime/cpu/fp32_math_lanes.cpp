// exp_f32_lanes (fp32_math.h): fp32_math-inl.h's ExpF32InPlace through Highway's run-time dispatch, for code
// outside the per-target kernels and for the test that holds every target to exp_f32's bits.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/cpu/fp32_math_lanes.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <cmath>

#include "runtime/cpu/fp32_math.h"

HWY_BEFORE_NAMESPACE();
namespace vkg {
namespace cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#include "runtime/cpu/fp32_math-inl.h"  // ExpF32InPlace (once per SIMD target)

void ExpF32Lanes(float* v, int64_t n) { ExpF32InPlace(v, n); }

}  // namespace HWY_NAMESPACE
}  // namespace cpu
}  // namespace vkg
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vkg {
namespace cpu {

HWY_EXPORT(ExpF32Lanes);

void exp_f32_lanes(float* v, int64_t n) { HWY_DYNAMIC_DISPATCH(ExpF32Lanes)(v, n); }

}  // namespace cpu
}  // namespace vkg
#endif  // HWY_ONCE
