#include <cmath>

#include "runtime/cpu/kernels.h"

namespace vkg::cpu {

void softcap(const float* x, int64_t n, float cap, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = cap * std::tanh(x[i] / cap);
}


}  // namespace vkg::cpu
