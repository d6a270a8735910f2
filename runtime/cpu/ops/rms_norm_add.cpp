#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void rms_norm_add(const float* x, int64_t rows, int64_t cols, const float* w, int64_t group, float eps,
                  const float* residual, float* out, ThreadPool& pool) {
  rms_norm(x, rows, cols, w, group, eps, out, pool);
  add(residual, out, rows * cols, out);
}

void run_op(const RmsNormAddParams& p, const CpuNode& n) {
  rms_norm_add(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.in(1), n.desc(1).elements(), p.eps, n.in(2), n.out(),
               n.pool());
}

}  // namespace vkg::cpu
