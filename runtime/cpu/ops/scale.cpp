#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void run_op(const ScaleParams& p, const CpuNode& n) {
  const float* x = n.in(0);
  float* out = n.out();
  const int64_t count = n.desc(0).elements();
  for (int64_t i = 0; i < count; ++i) out[i] = x[i] * p.factor;
}

}  // namespace vkg::cpu
