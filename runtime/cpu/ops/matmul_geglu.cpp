#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// The matmul, then gelu_mul's kernel in place: the same values as the two ops.
void run_op(const MatmulGegluParams&, const CpuNode& n) {
  matmul(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.desc(1), n.out(), n.pool(), n.matmul_mode(), n.packed(1));
  gelu_mul(n.in(2), n.out(), n.out_desc().elements(), n.out());
}

}  // namespace vkg::cpu
