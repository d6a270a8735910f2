// rms_norm_weightless: (x[r, c]) -> [r, c]: x * rsqrt(mean(x^2) + eps) over each group of `group` values, no
// weight. Gemma 4 normalizes V per head this way, and the router's input (gemma4.md: with_scale=False).
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct RmsNormWeightlessParams {
  int group = 0;  // values per normalized group (head_dim for a per-head norm; the row length for a row)
  float eps = 1e-6f;

  static constexpr const char* kName = "rms_norm_weightless";
  static constexpr const char* kInputs[] = {"x"};
  Shape output_shape(const OpShapeCheck& c) const {
    if (group <= 0 || c.in(0).cols() % group)
      c.fail("group " + std::to_string(group) + " does not divide the row length " + std::to_string(c.in(0).cols()));
    return c.in(0).shape;
  }
  std::string describe() const { return "group=" + std::to_string(group) + " eps=" + format_param(eps); }
};

}  // namespace vkg
