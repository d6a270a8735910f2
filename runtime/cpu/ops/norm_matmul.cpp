#include <vector>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// rms_norm's kernel, then the matmul's: the same values as the two ops.
void run_op(const NormMatmulParams& p, const CpuNode& n) {
  const int64_t rows = n.desc(0).rows(), K = n.desc(0).cols();
  thread_local std::vector<float> normed;
  normed.resize(static_cast<size_t>(rows * K));
  rms_norm(n.in(0), rows, K, n.in(1), K, p.eps, normed.data(), n.pool());
  matmul(normed.data(), rows, K, n.desc(2), n.out(), n.pool(), n.matmul_mode(), n.packed(2));
}

}  // namespace vkg::cpu
