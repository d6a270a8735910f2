#include <cstring>

#include "runtime/cpu/kernels.h"

namespace vkg::cpu {

void replace_rows(const float* x, const float* rows, const int32_t* use, int64_t n, int64_t cols, float* out) {
  for (int64_t t = 0; t < n; ++t)
    std::memcpy(out + t * cols, (use[t] ? rows : x) + t * cols, sizeof(float) * static_cast<size_t>(cols));
}

}  // namespace vkg::cpu
