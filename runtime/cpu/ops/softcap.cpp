#include "runtime/cpu/fp32_math.h"
#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void softcap(const float* x, int64_t n, float cap, float* out) {
  // tanh_f32, not libm's tanh: the same bits on every platform.
  for (int64_t i = 0; i < n; ++i) out[i] = cap * tanh_f32(x[i] / cap);
}

void run_op(const SoftcapParams& p, const CpuNode& n) {
  softcap(n.in(0), n.desc(0).elements(), p.cap, n.out());
}

}  // namespace vkg::cpu
