#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void run_op(const ScaleParams&, const CpuNode& n) {
  const float* x = n.in(0);
  const float s = n.in(1)[0];
  float* out = n.out();
  const int64_t count = n.desc(0).elements();
  for (int64_t i = 0; i < count; ++i) out[i] = x[i] * s;
}

}  // namespace vkg::cpu
