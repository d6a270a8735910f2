#include <cstring>

#include "runtime/cpu/kernels.h"

namespace vkg::cpu {

void kv_store(const float* x, int64_t rows, int64_t cols, const int32_t* positions, float* cache, int64_t capacity) {
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(cache + (positions[r] % capacity) * cols, x + r * cols, sizeof(float) * static_cast<size_t>(cols));
}

}  // namespace vkg::cpu
