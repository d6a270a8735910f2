// argmax: (x[n, c]) -> [n, 1]: the index of each row's maximum (the first on ties) as a float, exact < 2^24.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct ArgmaxParams {
  static constexpr const char* kName = "argmax";
  static constexpr const char* kInputs[] = {"x"};
  Shape output_shape(const OpShapeCheck& c) const { return {c.in(0).rows(), 1}; }
};

}  // namespace vkg
