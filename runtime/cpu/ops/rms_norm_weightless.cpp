#include <cmath>

#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// The same arithmetic as rms_norm (fp64 sums of squares, 1 / sqrt in fp32) without the weight.
void run_op(const RmsNormWeightlessParams& p, const CpuNode& n) {
  const float* x = n.in(0);
  float* out = n.out();
  const int64_t group = p.group, n_groups = n.desc(0).elements() / group;
  n.pool().parallel_for(n_groups, [&](int64_t begin, int64_t end) {
    for (int64_t g = begin; g < end; ++g) {
      const float* xi = x + g * group;
      double sum = 0.0;
      for (int64_t i = 0; i < group; ++i) sum += double(xi[i]) * xi[i];
      const float r = 1.0f / std::sqrt(static_cast<float>(sum / group) + p.eps);
      for (int64_t i = 0; i < group; ++i) out[g * group + i] = xi[i] * r;
    }
  });
}

}  // namespace vkg::cpu
