#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void gelu(const float* x, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = gelu_tanh(x[i]);
}

void run_op(const GeluParams&, const CpuNode& n) {
  gelu(n.in(0), n.desc(0).elements(), n.out());
}

}  // namespace vkg::cpu
