// rms_norm: (x[r, c], w[g]) -> [r, c]: x * rsqrt(mean(x^2) + eps) * w over each group of g values.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct RmsNormParams {
  float eps = 1e-6f;

  static constexpr const char* kName = "rms_norm";
  static constexpr const char* kInputs[] = {"x", "weight"};
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_group(0, 1);
    return c.in(0).shape;
  }
  std::string describe() const { return "eps=" + format_param(eps); }
};

}  // namespace vkg
