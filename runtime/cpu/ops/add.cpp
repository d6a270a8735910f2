#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

void add(const float* a, const float* b, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void add_rows(const float* a, const float* b, int64_t n, int64_t b_n, float* out) {
  if (b_n == n) return add(a, b, n, out);
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i % b_n];
}

void run_op(const AddParams&, const CpuNode& n) {
  add_rows(n.in(0), n.in(1), n.desc(0).elements(), n.desc(1).elements(), n.out());
}

}  // namespace vkg::cpu
