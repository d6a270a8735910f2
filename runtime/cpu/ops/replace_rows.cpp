#include <cstring>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void replace_rows(const float* x, const float* rows, const int32_t* use, int64_t n, int64_t cols, float* out) {
  for (int64_t t = 0; t < n; ++t)
    std::memcpy(out + t * cols, (use[t] ? rows : x) + t * cols, sizeof(float) * static_cast<size_t>(cols));
}

void run_op(const ReplaceRowsParams&, const CpuNode& n) {
  replace_rows(n.in(0), n.in(1), n.ints(2), n.desc(0).rows(), n.desc(0).cols(), n.out());
}

}  // namespace vkg::cpu
