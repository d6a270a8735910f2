#include "runtime/cpu/kernels.h"

namespace vkg::cpu {

void gelu(const float* x, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = gelu_tanh(x[i]);
}

}  // namespace vkg::cpu
