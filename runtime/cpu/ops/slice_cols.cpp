#include <algorithm>

#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void run_op(const SliceColsParams& p, const CpuNode& n) {
  const float* x = n.in(0);
  const int64_t rows = n.desc(0).rows(), cols = n.desc(0).cols();
  for (int64_t r = 0; r < rows; ++r) std::copy_n(x + r * cols + p.offset, p.width, n.out() + r * p.width);
}

}  // namespace vkg::cpu
