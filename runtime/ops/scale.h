// scale: (x) -> x * factor: the whole tensor times a constant. Gemma 4 multiplies the residual stream by each
// layer's layer_scalar (read from the model when the graph is built) and scales the per-layer-embedding
// projection by hidden^-1/2 and its sum with the token rows by 2^-1/2.
#pragma once
#include <cmath>

#include "runtime/op_def.h"

namespace vkg {

struct ScaleParams {
  float factor = 1.0f;

  static constexpr const char* kName = "scale";
  static constexpr const char* kInputs[] = {"x"};
  Shape output_shape(const OpShapeCheck& c) const {
    if (!std::isfinite(factor)) c.fail("factor " + format_param(factor) + " is not finite");
    return c.in(0).shape;
  }
  std::string describe() const { return "factor=" + format_param(factor); }
};

}  // namespace vkg
