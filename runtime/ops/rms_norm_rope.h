// rms_norm_rope: (x[n, heads*hd], w[hd], positions[n] i32) -> rope(rms_norm(x, w) per head): Gemma 3's
// query/key norm and RoPE in one pass.
#pragma once
#include "runtime/ops/rope.h"

namespace vkg {

struct RmsNormRopeParams {
  float eps = 1e-6f;
  RopeParams rope;

  static constexpr const char* kName = "rms_norm_rope";
  static constexpr const char* kInputs[] = {"x", "weight", "positions"};
  Shape output_shape(const OpShapeCheck& c) const {
    check(c);
    return c.in(0).shape;
  }
  // Shared with rms_norm_rope_store.
  void check(const OpShapeCheck& c) const {
    c.expect_heads(0, rope.head_dim);
    if (c.in(1).elements() != rope.head_dim)
      c.fail("weight '" + c.in(1).name + "' has " + std::to_string(c.in(1).elements()) +
             " values, expected head_dim " + std::to_string(rope.head_dim));
    c.expect_positions(2, c.in(0).rows());
  }
  std::string describe() const { return "eps=" + format_param(eps) + " " + rope.describe(); }
};

}  // namespace vkg
