#include <cstring>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void kv_store(const float* x, int64_t rows, int64_t cols, const int32_t* positions, float* cache, int64_t capacity) {
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(cache + (positions[r] % capacity) * cols, x + r * cols, sizeof(float) * static_cast<size_t>(cols));
}

void run_op(const KvStoreParams&, const CpuNode& n) {
  kv_store(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.ints(1), n.out(), n.out_desc().rows());
}

}  // namespace vkg::cpu
