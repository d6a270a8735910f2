#include <cstring>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void kv_store(const float* x, int64_t rows, int64_t cols, const int32_t* positions, float* cache, const KvRings& rings) {
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(cache + rings.row(r, positions[r]) * cols, x + r * cols, sizeof(float) * static_cast<size_t>(cols));
}

KvRings kv_rings(const CpuNode& n, size_t cache_input, size_t sequence_input, int sequences) {
  return {n.desc(cache_input).rows() / sequences, sequences, n.ints(sequence_input)};
}

void run_op(const KvStoreParams& p, const CpuNode& n) {
  kv_store(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.ints(1), n.out(), kv_rings(n, 2, 3, p.sequences));
}

}  // namespace vkg::cpu
