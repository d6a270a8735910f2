#include <cmath>

#include "runtime/cpu/kernels.h"

namespace vkg::cpu {

void rms_norm(const float* x, int64_t rows, int64_t cols, const float* w, int64_t group, float eps, float* out,
              ThreadPool& pool) {
  const int64_t n_groups = rows * cols / group;
  pool.parallel_for(n_groups, [&](int64_t begin, int64_t end) {
    for (int64_t g = begin; g < end; ++g) {
      const float* xi = x + g * group;
      float* o = out + g * group;
      double sum = 0.0;  // fp64 sum of squares: norms are cheap and this removes order effects
      for (int64_t i = 0; i < group; ++i) sum += double(xi[i]) * xi[i];
      const float r = 1.0f / std::sqrt(static_cast<float>(sum / group) + eps);
      for (int64_t i = 0; i < group; ++i) o[i] = xi[i] * r * w[i];
    }
  });
}

void rms_norm_add(const float* x, int64_t rows, int64_t cols, const float* w, int64_t group, float eps,
                  const float* residual, float* out, ThreadPool& pool) {
  rms_norm(x, rows, cols, w, group, eps, out, pool);
  add(residual, out, rows * cols, out);
}

}  // namespace vkg::cpu
