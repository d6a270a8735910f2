#include <vector>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// matmul's kernel, then rms_norm_add's: the same values as the two ops.
void run_op(const MatmulNormAddParams& p, const CpuNode& n) {
  const int64_t rows = n.desc(0).rows(), K = n.desc(0).cols(), N = n.desc(1).rows();
  thread_local std::vector<float> product;
  product.resize(static_cast<size_t>(rows * N));
  matmul(n.in(0), rows, K, n.desc(1), product.data(), n.pool(), n.matmul_mode(), n.packed(1));
  rms_norm_add(product.data(), rows, N, n.in(2), N, p.eps, n.in(3), n.out(), n.pool());
}

}  // namespace vkg::cpu
