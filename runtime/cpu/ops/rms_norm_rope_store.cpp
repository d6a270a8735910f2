#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void run_op(const RmsNormRopeStoreParams& p, const CpuNode& n) {
  rms_norm_rope_store(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.in(1), n.ints(2), p.norm_rope, n.out(),
                      kv_rings(n, 3, 4, p.sequences), n.pool());
}

}  // namespace vkg::cpu
