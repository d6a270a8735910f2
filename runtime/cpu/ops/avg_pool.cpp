#include <algorithm>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// Rows form a side x side grid (row y * side + x). Output row ty * (side / k) + tx is the mean of the k x k
// input rows (k ty + i) * side + (k tx + j), summed in that order, divided by k^2.
void avg_pool(const float* x, int64_t cols, int side, int kernel, float* out) {
  const int out_side = side / kernel;
  const float inv = 1.0f / static_cast<float>(kernel * kernel);
  for (int ty = 0; ty < out_side; ++ty)
    for (int tx = 0; tx < out_side; ++tx) {
      float* o = out + (int64_t(ty) * out_side + tx) * cols;
      std::fill(o, o + cols, 0.0f);
      for (int i = 0; i < kernel; ++i)
        for (int j = 0; j < kernel; ++j) {
          const float* xi = x + (int64_t(kernel * ty + i) * side + kernel * tx + j) * cols;
          for (int64_t c = 0; c < cols; ++c) o[c] += xi[c];
        }
      for (int64_t c = 0; c < cols; ++c) o[c] *= inv;
    }
}

void run_op(const AvgPoolParams& p, const CpuNode& n) {
  avg_pool(n.in(0), n.desc(0).cols(), p.side, p.kernel, n.out());
}

}  // namespace vkg::cpu
