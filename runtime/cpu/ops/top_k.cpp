#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

namespace {

// The order top_k ranks by, as an unsigned key that compares like the value: -0 folded onto +0, NaN below
// -inf (shaders/top_k.comp computes the same key, so both backends pick the same candidates).
uint32_t rank_key(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return 0;  // NaN
  if ((bits & 0x7FFFFFFFu) == 0) bits = 0;           // -0 -> +0
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

}  // namespace

// One pass per row with a bar that rises: a value enters the candidates only if it beats the k-th best
// kept so far (strictly: an equal value comes later, so it ranks after), and the candidates are cut back to
// the best k whenever they fill up. On logits the bar is high after the first few thousand values, so the
// pass is mostly a vectorized max over blocks that all fall below it (262144 logits, k = 40: 0.36 ms; a
// partial sort of every index: 0.8 ms).
void top_k(const float* x, int64_t rows, int64_t cols, int k, float* out) {
  using Candidate = std::pair<uint32_t, int32_t>;  // key, index
  auto before = [](const Candidate& a, const Candidate& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  const size_t capacity = std::max<size_t>(4 * size_t(k), 1024);
  std::vector<Candidate> cand;
  cand.reserve(capacity);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    cand.clear();
    bool have_bar = false;
    uint32_t bar = 0;
    constexpr int64_t kBlock = 32;  // values checked against the bar at once (a vectorized max)
    for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
      const int64_t n = std::min(kBlock, cols - c0);
      if (have_bar && n == kBlock) {
        uint32_t block_max = 0;
        for (int64_t j = 0; j < kBlock; ++j) block_max = std::max(block_max, rank_key(row[c0 + j]));
        if (block_max <= bar) continue;
      }
      for (int64_t c = c0; c < c0 + n; ++c) {
        const uint32_t key = rank_key(row[c]);
        if (have_bar && key <= bar) continue;
        cand.emplace_back(key, static_cast<int32_t>(c));
        if (cand.size() == capacity) {
          std::nth_element(cand.begin(), cand.begin() + (k - 1), cand.end(), before);
          cand.resize(size_t(k));
          bar = cand[size_t(k - 1)].first;  // the k-th best: every kept key is at least this
          have_bar = true;
        }
      }
    }
    std::partial_sort(cand.begin(), cand.begin() + k, cand.end(), before);
    float* o = out + r * 2 * k;
    for (int j = 0; j < k; ++j) {
      o[j] = row[cand[size_t(j)].second];
      o[k + j] = static_cast<float>(cand[size_t(j)].second);
    }
  }
}

void run_op(const TopKParams& p, const CpuNode& n) {
  top_k(n.in(0), n.desc(0).rows(), n.desc(0).cols(), p.k, n.out());
}

}  // namespace vkg::cpu
