#include "runtime/cpu/kernels.h"

namespace vkg::cpu {

void argmax(const float* x, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    int64_t best = 0;
    for (int64_t c = 1; c < cols; ++c)
      if (row[c] > row[best]) best = c;  // strictly greater: the first maximum wins
    out[r] = static_cast<float>(best);
  }
}

}  // namespace vkg::cpu
