// layer_norm: (x[r, c], w[c], b[c]) -> [r, c]: (x - mean) / sqrt(var + eps) * w + b over each row.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct LayerNormParams {
  float eps = 1e-6f;

  static constexpr const char* kName = "layer_norm";
  static constexpr const char* kInputs[] = {"x", "weight", "bias"};
  Shape output_shape(const OpShapeCheck& c) const {
    const TensorDesc &x = c.in(0), &w = c.in(1), &b = c.in(2);
    if (w.elements() != x.cols() || b.elements() != x.cols())
      c.fail("weight '" + w.name + "' and bias '" + b.name + "' must have " + std::to_string(x.cols()) +
             " values, got " + std::to_string(w.elements()) + " and " + std::to_string(b.elements()));
    return x.shape;
  }
  std::string describe() const { return "eps=" + format_param(eps); }
};

}  // namespace vkg
