// slice_cols (a column range of every row) on both backends: a copy, so exact.
#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

TEST_SUITE("ops") {
  TEST_CASE("slice_cols: the column range of every row, exactly, on both backends") {
    const int64_t rows = 5, cols = 160;
    for (auto [offset, width] : {std::pair{0, 16}, {144, 16}, {37, 100}, {0, 160}}) {
      CAPTURE(offset);
      CAPTURE(width);
      OneNode op;
      const std::vector<float> x = random_vector(size_t(rows * cols), 3);
      op.node("per_layer_inputs.3", {op.f32("x", {rows, cols}, x)}, SliceColsParams{offset, width});
      std::vector<double> want;
      for (int64_t r = 0; r < rows; ++r)
        for (int c = 0; c < width; ++c) want.push_back(x[size_t(r * cols + offset + c)]);
      check_close("cpu", op.run("cpu"), want, 0, 0);
      check_close("vulkan", op.run("vulkan"), want, 0, 0);
    }
  }

  TEST_CASE("slice_cols: a range past the row is refused") {
    OneNode op;
    TensorId x = op.f32("x", {2, 8}, random_vector(16, 1));
    CHECK_THROWS_WITH(op.node("s", {x}, SliceColsParams{4, 5}), doctest::Contains("columns [4, 9) are not within the row length 8"));
  }
}
