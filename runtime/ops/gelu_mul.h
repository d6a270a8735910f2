// gelu_mul: (gate[n, I], up[n, I]) -> [n, I]: gelu_tanh(gate) * up.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct GeluMulParams {
  static constexpr const char* kName = "gelu_mul";
  static constexpr const char* kInputs[] = {"gate", "up"};
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_same_shape(0, 1);
    return c.in(0).shape;
  }
};

}  // namespace vkg
