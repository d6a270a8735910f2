// avg_pool: (x[side*side, c]) -> [(side/k)^2, c]: the mean of each k x k block of a row-major side x side grid.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct AvgPoolParams {
  int side = 0;    // the input is a side x side grid of rows (row index y * side + x)
  int kernel = 0;  // k x k blocks, stride k; side % k == 0

  static constexpr const char* kName = "avg_pool";
  static constexpr const char* kInputs[] = {"x"};
  Shape output_shape(const OpShapeCheck& c) const {
    const TensorDesc& x = c.in(0);
    if (side <= 0 || kernel <= 0 || side % kernel || x.rows() != int64_t(side) * side)
      c.fail("input " + x.shape_string() + " is not a " + std::to_string(side) + " x " + std::to_string(side) +
             " grid divisible into " + std::to_string(kernel) + " x " + std::to_string(kernel) + " blocks");
    const int64_t out_side = side / kernel;
    return {out_side * out_side, x.cols()};
  }
  std::string describe() const {
    return "grid=" + std::to_string(side) + "x" + std::to_string(side) + " kernel=" + std::to_string(kernel);
  }
};

}  // namespace vkg
