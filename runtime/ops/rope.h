// rope: (x[n, heads*hd], positions[n] i32) -> same: half-split (NEOX) rotation per head.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct RopeParams {
  int head_dim = 0;
  float theta = 10000.0f;
  float freq_scale = 1.0f;  // linear RoPE scaling: angle = (pos * freq_scale) * inv_freq

  static constexpr const char* kName = "rope";
  static constexpr const char* kInputs[] = {"x", "positions"};
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_heads(0, head_dim);
    c.expect_positions(1, c.in(0).rows());
    return c.in(0).shape;
  }
  std::string describe() const {
    return "head_dim=" + std::to_string(head_dim) + " theta=" + format_param(theta) +
           " freq_scale=" + format_param(freq_scale);
  }
};

}  // namespace vkg
