#include <vector>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// rms_norm's kernel, the gate's and the up's matmuls, then gelu_mul's: the same values as the four ops.
void run_op(const NormGateUpParams& p, const CpuNode& n) {
  const int64_t rows = n.desc(0).rows(), K = n.desc(0).cols(), N = n.desc(2).rows();
  thread_local std::vector<float> normed, gate;
  normed.resize(static_cast<size_t>(rows * K));
  gate.resize(static_cast<size_t>(rows * N));
  rms_norm(n.in(0), rows, K, n.in(1), K, p.eps, normed.data(), n.pool());
  matmul(normed.data(), rows, K, n.desc(2), gate.data(), n.pool(), n.matmul_mode(), n.packed(2));
  matmul(normed.data(), rows, K, n.desc(3), n.out(), n.pool(), n.matmul_mode(), n.packed(3));
  gelu_mul(gate.data(), n.out(), rows * N, n.out());
}

}  // namespace vkg::cpu
