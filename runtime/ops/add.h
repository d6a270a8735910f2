// add: (a, b) -> a + b; b has a's shape, or is one row of a's width (a bias added to every row).
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct AddParams {
  static constexpr const char* kName = "add";
  static constexpr const char* kInputs[] = {"a", "b"};
  Shape output_shape(const OpShapeCheck& c) const {
    const TensorDesc &a = c.in(0), &b = c.in(1);
    if (a.shape != b.shape && !(b.elements() == a.cols() && b.rows() == 1))
      c.fail("input '" + b.name + "' " + b.shape_string() + " is neither the shape of '" + a.name + "' " +
             a.shape_string() + " nor one row of its width");
    return a.shape;
  }
};

}  // namespace vkg
