// scale: (x, s[1]) -> x * s[0]: the whole tensor times a scalar read from a one-value tensor (Gemma 4's
// per-layer layer_scalar, applied to the residual stream at the end of each layer).
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct ScaleParams {
  static constexpr const char* kName = "scale";
  static constexpr const char* kInputs[] = {"x", "scalar"};
  Shape output_shape(const OpShapeCheck& c) const {
    if (c.in(1).elements() != 1)
      c.fail("scalar '" + c.in(1).name + "' has " + std::to_string(c.in(1).elements()) + " values, expected 1");
    return c.in(0).shape;
  }
};

}  // namespace vkg
