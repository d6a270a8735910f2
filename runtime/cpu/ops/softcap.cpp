#include "runtime/cpu/fp32_math.h"
#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void softcap(const float* x, int64_t n, float cap, float* out) {
  // tanh_f32, not libm's tanh: the same bits on every platform.
  for (int64_t i = 0; i < n; ++i) out[i] = cap * tanh_f32(x[i] / cap);
}

// Split over the threads: the final soft-cap of Gemma 2 / 4 runs over the whole vocabulary every step (262144
// values, ~2.8 ms on one thread of a Xeon for tanh_f32's double-precision series, 4 % of an E4B-shaped step).
void run_op(const SoftcapParams& p, const CpuNode& n) {
  const float* x = n.in(0);
  float* out = n.out();
  n.pool().parallel_for(n.desc(0).elements(),
                        [&](int64_t begin, int64_t end) { softcap(x + begin, end - begin, p.cap, out + begin); });
}

}  // namespace vkg::cpu
