// replace_rows: (x[n, c], rows[n, c], use[n] i32) -> [n, c]: row t of `rows` where use[t] != 0, else of x.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct ReplaceRowsParams {
  static constexpr const char* kName = "replace_rows";
  static constexpr const char* kInputs[] = {"x", "rows", "use"};
  Shape output_shape(const OpShapeCheck& c) const {
    if (c.in(0).shape != c.in(1).shape)
      c.fail("rows '" + c.in(1).name + "' " + c.in(1).shape_string() + " differ from x " + c.in(0).shape_string());
    c.expect_positions(2, c.in(0).rows());
    return c.in(0).shape;
  }
};

}  // namespace vkg
