// gelu: (x) -> gelu_tanh(x).
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct GeluParams {
  static constexpr const char* kName = "gelu";
  static constexpr const char* kInputs[] = {"x"};
  Shape output_shape(const OpShapeCheck& c) const { return c.in(0).shape; }
};

}  // namespace vkg
