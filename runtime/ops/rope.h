// rope: (x[n, heads*hd], positions[n] i32) -> same: half-split (NEOX) rotation per head.
#pragma once
#include <cmath>
#include <vector>

#include "runtime/op_def.h"

namespace vkg {

struct RopeParams {
  int head_dim = 0;
  float theta = 10000.0f;
  float freq_scale = 1.0f;  // linear RoPE scaling: angle = (pos * freq_scale) * inv_freq
  // Pairs that rotate; the rest pass through (frequency 0). 0: all head_dim / 2. Gemma 4's global layers
  // ("proportional" p-RoPE) rotate a quarter of the pairs, their frequencies still over the full head_dim.
  int rotary_pairs = 0;

  static constexpr const char* kName = "rope";
  static constexpr const char* kInputs[] = {"x", "positions"};
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_heads(0, head_dim);
    c.expect_positions(1, c.in(0).rows());
    return c.in(0).shape;
  }
  std::string describe() const {
    return "head_dim=" + std::to_string(head_dim) + " theta=" + format_param(theta) +
           " freq_scale=" + format_param(freq_scale) +
           (rotary_pairs > 0 ? " rotary_pairs=" + std::to_string(rotary_pairs) : std::string());
  }
};

// The inverse frequency of each pair, theta^(-2i / head_dim) in fp64 rounded once (gemma.cpp notes pow vs
// exp/log differences), 0 past rotary_pairs: both backends read this one table.
inline std::vector<float> rope_inv_freqs(const RopeParams& p) {
  const int half = p.head_dim / 2;
  const int rotated = p.rotary_pairs > 0 && p.rotary_pairs < half ? p.rotary_pairs : half;
  std::vector<float> v(static_cast<size_t>(half), 0.0f);
  for (int i = 0; i < rotated; ++i) v[i] = static_cast<float>(std::pow(double(p.theta), -2.0 * i / p.head_dim));
  return v;
}

}  // namespace vkg
