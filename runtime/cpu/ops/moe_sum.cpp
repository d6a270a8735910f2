#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// out[t] = sum_s w[t][s] * y[t*k + s], s ascending, one fp32 multiply and add each: shaders/moe_sum.comp adds in
// the same order without fma (`precise`; -ffp-contract=off here), so both backends give the same bits.
void run_op(const MoeSumParams& p, const CpuNode& n) {
  const float* y = n.in(0);
  const float* routes = n.in(1);
  const int64_t H = n.desc(0).cols(), tokens = n.desc(1).rows();
  const int k = p.k;
  float* out = n.out();
  for (int64_t t = 0; t < tokens; ++t) {
    float* o = out + t * H;
    for (int64_t h = 0; h < H; ++h) o[h] = 0.0f;
    for (int s = 0; s < k; ++s) {
      const float w = routes[t * 2 * k + s];
      const float* ys = y + (t * k + s) * H;
      for (int64_t h = 0; h < H; ++h) o[h] += w * ys[h];
    }
  }
}

}  // namespace vkg::cpu
