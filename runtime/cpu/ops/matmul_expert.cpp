#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/matmul_fast.h"
#include "runtime/cpu/op_kernel.h"
#include "runtime/cpu/packed_weights.h"

namespace vkg::cpu {

namespace {

// One expert's share of a step: the (token, slot) items that chose it, their inputs gathered, their outputs.
struct ExpertWork {
  int expert = 0;
  std::vector<int64_t> items;  // t * k + s
  std::vector<float> x, y;     // [items][K], [items][rows]
  std::vector<ActBlock> xq;    // the fast path's 8-bit inputs
  std::vector<float> xdsum;
  std::vector<int32_t> xqsum;
};

}  // namespace

// Grouped by expert: each chosen expert's `rows` rows are read once for every (token, slot) item that chose it;
// the others are never touched (a decode step reads only the active experts). The weight is read in its stored
// type (n.desc, not n.in, which would expand all of it). Fast mode with the tensor packed by 8 rows (an
// expert's rows are whole groups): one parallel pass over every chosen expert's row groups, so a decode step's
// 8 small products keep both threads streaming instead of starting and joining 8 times; otherwise the ordinary
// matmul on a view of each expert's rows.
void run_op(const MatmulExpertParams& p, const CpuNode& n) {
  const TensorDesc& w = n.desc(1);
  const float* x = n.in(0);
  const float* routes = n.in(2);
  const int64_t K = w.cols(), S = w.rows() / p.n_experts, tokens = n.desc(2).rows(), k = p.k;
  const bool per_slot = n.desc(0).rows() == tokens * k;  // else one x row per token, shared by its slots
  std::vector<ExpertWork> work;
  std::vector<int> slot_of(static_cast<size_t>(p.n_experts), -1);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t s = 0; s < k; ++s) {
      const float id = routes[t * 2 * k + k + s];
      if (!(id >= 0.0f && id < static_cast<float>(p.n_experts)))  // NaN too
        throw std::runtime_error("expert id " + format_param(id) + " of token " + std::to_string(t) + " slot " +
                                 std::to_string(s) + " is outside [0, " + std::to_string(p.n_experts) + ")");
      int& slot = slot_of[static_cast<size_t>(id)];
      if (slot < 0) {
        slot = static_cast<int>(work.size());
        work.emplace_back().expert = static_cast<int>(id);
      }
      work[size_t(slot)].items.push_back(t * k + s);
    }
  const int64_t stride = row_bytes(w.dtype, K);
  for (ExpertWork& e : work) {
    const int64_t count = static_cast<int64_t>(e.items.size());
    e.x.resize(static_cast<size_t>(count * K));
    e.y.resize(static_cast<size_t>(count * p.rows));
    for (int64_t i = 0; i < count; ++i) {
      const float* src = x + (per_slot ? e.items[size_t(i)] : e.items[size_t(i)] / k) * K;
      std::copy(src, src + K, e.x.begin() + i * K);
    }
  }

  const PackedWeights* packed = n.packed(1);
  const bool groups_whole = S % kPackedRows == 0 && p.row_offset % kPackedRows == 0 && p.rows % kPackedRows == 0;
  if (packed && groups_whole) {
    const int64_t nb = K / 32, group_bytes = packed_group_bytes(w.dtype, K);
    const bool quantizes = fast_matmul_quantizes(w.dtype);  // else F16 / BF16: fp32 inputs
    struct Job {
      size_t work;
      int64_t g0, g1;
    };
    std::vector<Job> jobs;
    const int64_t groups = p.rows / kPackedRows;
    // ~4 jobs per thread over all experts: whole experts for a decode step's 8, split where there are fewer.
    const int64_t per_job = std::max<int64_t>(1, groups * int64_t(work.size()) / (4 * n.pool().size()));
    for (size_t i = 0; i < work.size(); ++i) {
      ExpertWork& e = work[i];
      const int64_t count = static_cast<int64_t>(e.items.size());
      e.xq.resize(static_cast<size_t>(quantizes ? count * nb : 0));
      e.xdsum.resize(e.xq.size());
      e.xqsum.resize(e.xq.size());
      for (int64_t t = 0; quantizes && t < count; ++t)
        quantize_activations(e.x.data() + t * K, K, e.xq.data() + t * nb, e.xdsum.data() + t * nb,
                             fast_matmul_activation_group(w.dtype, true), e.xqsum.data() + t * nb);
      for (int64_t g = 0; g < groups; g += per_job) jobs.push_back({i, g, std::min(groups, g + per_job)});
    }
    const uint8_t* base = packed->data.data();
    n.pool().parallel_for(static_cast<int64_t>(jobs.size()), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        const Job& job = jobs[size_t(j)];
        ExpertWork& e = work[job.work];
        const uint8_t* first = base + (e.expert * S + p.row_offset) / kPackedRows * group_bytes;
        const auto count = static_cast<int64_t>(e.items.size());
        if (quantizes)
          fast_matmul_packed_groups(w.dtype, first, K, job.g0, job.g1, e.xq.data(), e.xdsum.data(), e.xqsum.data(),
                                    count, e.y.data(), p.rows);
        else
          fast_matmul_packed_float(w.dtype, first, K, job.g0, job.g1, e.x.data(), count, e.y.data(), p.rows);
      }
    });
  } else {
    for (ExpertWork& e : work) {
      TensorDesc view = w;
      view.shape = {p.rows, K};
      view.data = static_cast<const uint8_t*>(w.data) + (e.expert * S + p.row_offset) * stride;
      matmul(e.x.data(), static_cast<int64_t>(e.items.size()), K, view, e.y.data(), n.pool(), n.matmul_mode());
    }
  }
  for (const ExpertWork& e : work)
    for (size_t i = 0; i < e.items.size(); ++i)
      std::copy(e.y.begin() + static_cast<std::ptrdiff_t>(i * p.rows), e.y.begin() + static_cast<std::ptrdiff_t>((i + 1) * p.rows),
                n.out() + e.items[i] * p.rows);
}

}  // namespace vkg::cpu
