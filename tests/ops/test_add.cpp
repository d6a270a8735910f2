// add on the CPU against its definition and on Vulkan against the CPU: one fp32 add per value, exact on both.
#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

TEST_SUITE("ops") {
  TEST_CASE("add: same shapes and a bias row, exactly, on both backends") {
    for (int64_t cols : {1, 7, 33, 1152}) {
      for (bool bias : {false, true}) {
        CAPTURE(cols);
        CAPTURE(bias);
        OneNode op;
        const std::vector<float> a = random_vector(size_t(5 * cols), 3), b = random_vector(size_t((bias ? 1 : 5) * cols), 4);
        TensorId at = op.f32("a", {5, cols}, a);
        TensorId bt = op.f32("b", {bias ? 1 : 5, cols}, b);
        op.node("sum", {at, bt}, AddParams{});
        std::vector<double> want(a.size());
        for (size_t i = 0; i < a.size(); ++i) want[i] = double(a[i] + b[bias ? i % size_t(cols) : i]);
        check_close("cpu", op.run("cpu"), want, 0, 0);
        check_close("vulkan", op.run("vulkan"), want, 0, 0);
      }
    }
  }

  TEST_CASE("add: b of another shape is refused, naming both tensors") {
    OneNode op;
    TensorId at = op.f32("a", {2, 4}, random_vector(8, 1));
    TensorId bt = op.f32("b", {3, 4}, random_vector(12, 2));
    CHECK_THROWS_WITH(op.node("sum", {at, bt}, AddParams{}),
                      doctest::Contains("input 'b' [3, 4] is neither the shape of 'a' [2, 4] nor one row of its width"));
  }
}
