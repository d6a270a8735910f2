#include <cmath>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// (x - mean) / sqrt(var + eps) * w + b per row, biased variance (as torch.nn.LayerNorm).
void layer_norm(const float* x, int64_t rows, int64_t cols, const float* w, const float* b, float eps, float* out,
                ThreadPool& pool) {
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xi = x + r * cols;
      float* o = out + r * cols;
      double sum = 0.0;  // fp64 sums: cheap here and free of order effects
      for (int64_t i = 0; i < cols; ++i) sum += xi[i];
      const float mean = static_cast<float>(sum / cols);
      double var = 0.0;
      for (int64_t i = 0; i < cols; ++i) var += double(xi[i] - mean) * (xi[i] - mean);
      const float r_std = 1.0f / std::sqrt(static_cast<float>(var / cols) + eps);
      for (int64_t i = 0; i < cols; ++i) o[i] = (xi[i] - mean) * r_std * w[i] + b[i];
    }
  });
}

void run_op(const LayerNormParams& p, const CpuNode& n) {
  layer_norm(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.in(1), n.in(2), p.eps, n.out(), n.pool());
}

}  // namespace vkg::cpu
