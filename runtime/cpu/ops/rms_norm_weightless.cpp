#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// rms_norm's kernel without a weight.
void run_op(const RmsNormWeightlessParams& p, const CpuNode& n) {
  rms_norm(n.in(0), n.desc(0).rows(), n.desc(0).cols(), nullptr, p.group, p.eps, n.out(), n.pool());
}

}  // namespace vkg::cpu
