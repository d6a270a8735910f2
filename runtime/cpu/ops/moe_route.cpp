#include <algorithm>
#include <numeric>
#include <vector>

#include "runtime/cpu/fp32_math.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// Per token, in fp32 as transformers' Gemma4TextRouter: softmax, top k by probability (stable: the lower index
// first on ties), renormalized, times the expert's scale. exp_f32, not libm's: the same bits on every platform.
// shaders/moe_route.comp does the same steps (its sums in another order).
void run_op(const MoeRouteParams& p, const CpuNode& n) {
  const float* logits = n.in(0);
  const float* expert_scale = n.in(1);
  const int64_t rows = n.desc(0).rows(), E = n.desc(0).cols();
  const int k = p.k;
  std::vector<float> prob(static_cast<size_t>(E));
  std::vector<int> order(static_cast<size_t>(E));
  for (int64_t t = 0; t < rows; ++t) {
    const float* l = logits + t * E;
    float max = p.logit_scale * l[0];
    for (int64_t i = 1; i < E; ++i) max = std::max(max, p.logit_scale * l[i]);
    float sum = 0.0f;
    for (int64_t i = 0; i < E; ++i) sum += prob[size_t(i)] = exp_f32(p.logit_scale * l[i] - max);
    for (float& v : prob) v /= sum;
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) {
      return prob[size_t(a)] > prob[size_t(b)] || (prob[size_t(a)] == prob[size_t(b)] && a < b);
    });
    float top = 0.0f;
    for (int j = 0; j < k; ++j) top += prob[size_t(order[size_t(j)])];
    float* o = n.out() + t * 2 * k;
    for (int j = 0; j < k; ++j) {
      const int e = order[size_t(j)];
      o[j] = prob[size_t(e)] / top * expert_scale[e];
      o[k + j] = static_cast<float>(e);
    }
  }
}

}  // namespace vkg::cpu
