// last_row: (x[n, c]) -> [1, c]: the last token's row (the logits of the last token only).
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct LastRowParams {
  static constexpr const char* kName = "last_row";
  static constexpr const char* kInputs[] = {"x"};
  Shape output_shape(const OpShapeCheck& c) const { return {1, c.in(0).cols()}; }
};

}  // namespace vkg
