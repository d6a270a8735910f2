// rms_norm_add: (x[r, c], w[g], residual[r, c]) -> residual + rms_norm(x, w): a post-norm and the residual add
// after it in one pass (one dispatch and one activation round trip fewer).
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct RmsNormAddParams {
  float eps = 1e-6f;

  static constexpr const char* kName = "rms_norm_add";
  static constexpr const char* kInputs[] = {"x", "weight", "residual"};
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_group(0, 1);
    if (c.in(2).shape != c.in(0).shape)
      c.fail("residual '" + c.in(2).name + "' " + c.in(2).shape_string() + " differs from x " +
             c.in(0).shape_string());
    return c.in(0).shape;
  }
  std::string describe() const { return "eps=" + format_param(eps); }
};

}  // namespace vkg
