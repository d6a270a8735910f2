#include <vector>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// The kernels of the ops it stands for, one after the other: the same values.
void run_op(const QkvNormRopeStoreParams& p, const CpuNode& n) {
  const int64_t rows = n.desc(0).rows(), kv_cols = n.desc(2).cols();
  const KvRings rings = kv_rings(n, 6, 8, p.sequences);
  rms_norm_rope(n.in(0), rows, n.desc(0).cols(), n.in(1), n.ints(5), p.norm_rope, n.out(), n.pool());
  rms_norm_rope_store(n.in(2), rows, kv_cols, n.in(3), n.ints(5), p.norm_rope, n.cache(6), rings, n.pool());
  const float* v = n.in(4);
  thread_local std::vector<float> normed;
  if (p.v_norm) {
    normed.resize(static_cast<size_t>(rows * kv_cols));
    rms_norm(v, rows, kv_cols, nullptr, p.norm_rope.rope.head_dim, p.norm_rope.eps, normed.data(), n.pool());
    v = normed.data();
  }
  kv_store(v, rows, kv_cols, n.ints(5), n.cache(7), rings);
}

}  // namespace vkg::cpu
