#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

// Grouped by expert: each chosen expert's `rows` rows are read once, by the ordinary matmul kernel on a view of
// them, for every (token, slot) item that chose it; the others are never touched (a decode step reads only the
// active experts). The weight is read in its stored type (n.desc, not n.in, which would expand all of it).
void run_op(const MatmulExpertParams& p, const CpuNode& n) {
  const TensorDesc& w = n.desc(1);
  const float* x = n.in(0);
  const float* routes = n.in(2);
  const int64_t K = w.cols(), S = w.rows() / p.n_experts, tokens = n.desc(2).rows(), k = p.k;
  const bool per_slot = n.desc(0).rows() == tokens * k;  // else one x row per token, shared by its slots
  std::vector<std::vector<int64_t>> items(static_cast<size_t>(p.n_experts));  // item = t*k + s
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t s = 0; s < k; ++s) {
      const float id = routes[t * 2 * k + k + s];
      if (!(id >= 0.0f && id < static_cast<float>(p.n_experts)))  // NaN too
        throw std::runtime_error("expert id " + format_param(id) + " of token " + std::to_string(t) + " slot " +
                                 std::to_string(s) + " is outside [0, " + std::to_string(p.n_experts) + ")");
      items[static_cast<size_t>(id)].push_back(t * k + s);
    }
  const int64_t stride = row_bytes(w.dtype, K);
  std::vector<float> xg, yg;
  for (int e = 0; e < p.n_experts; ++e) {
    const std::vector<int64_t>& its = items[size_t(e)];
    if (its.empty()) continue;
    const int64_t count = static_cast<int64_t>(its.size());
    xg.resize(static_cast<size_t>(count * K));
    yg.resize(static_cast<size_t>(count * p.rows));
    for (int64_t i = 0; i < count; ++i) {
      const float* src = x + (per_slot ? its[size_t(i)] : its[size_t(i)] / k) * K;
      std::copy(src, src + K, xg.begin() + i * K);
    }
    TensorDesc view = w;
    view.shape = {p.rows, K};
    view.data = static_cast<const uint8_t*>(w.data) + (e * S + p.row_offset) * stride;
    matmul(xg.data(), count, K, view, yg.data(), n.pool(), n.matmul_mode());
    for (int64_t i = 0; i < count; ++i)
      std::copy(yg.begin() + i * p.rows, yg.begin() + (i + 1) * p.rows, n.out() + its[size_t(i)] * p.rows);
  }
}

}  // namespace vkg::cpu
