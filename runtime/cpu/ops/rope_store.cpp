#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void run_op(const RopeStoreParams& p, const CpuNode& n) {
  rope_store(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.ints(1), p.rope, n.out(), kv_rings(n, 2, 3, p.sequences),
             n.pool());
}

}  // namespace vkg::cpu
