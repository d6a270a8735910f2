#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "runtime/cpu/kernels.h"

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

void top_k(const float* x, int64_t rows, int64_t cols, int k, float* out) {
  std::vector<int32_t> ids(static_cast<size_t>(cols));
  std::vector<uint32_t> keys(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    for (int64_t c = 0; c < cols; ++c) keys[size_t(c)] = rank_key(row[c]);
    std::iota(ids.begin(), ids.end(), 0);
    auto before = [&](int32_t a, int32_t b) { return keys[size_t(a)] > keys[size_t(b)] || (keys[size_t(a)] == keys[size_t(b)] && a < b); };
    std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), before);
    float* o = out + r * 2 * k;
    for (int j = 0; j < k; ++j) {
      o[j] = row[ids[size_t(j)]];
      o[k + j] = static_cast<float>(ids[size_t(j)]);
    }
  }
}

}  // namespace vkg::cpu
