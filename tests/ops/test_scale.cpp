// scale (x times a constant) on the CPU against its definition, and on Vulkan against the CPU: one fp32
// multiply per value, so both must be exact.
#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

TEST_SUITE("ops") {
  TEST_CASE("scale: every value times the factor, exactly, on both backends") {
    for (int64_t cols : {1, 3, 257, 640, 2304}) {
      CAPTURE(cols);
      OneNode op;
      const std::vector<float> x = random_vector(size_t(3 * cols), 11, 4.0f);
      const float s = 0.3712f;
      TensorId xt = op.f32("x", {3, cols}, x);
      op.node("blk.0.layer_scale", {xt}, ScaleParams{s});
      std::vector<double> want(x.size());
      for (size_t i = 0; i < x.size(); ++i) want[i] = double(x[i] * s);
      check_close("cpu", op.run("cpu"), want, 0, 0);
      check_close("vulkan", op.run("vulkan"), want, 0, 0);
    }
  }

  TEST_CASE("scale: a factor that is not finite is refused") {
    OneNode op;
    TensorId xt = op.f32("x", {2, 4}, random_vector(8, 1));
    CHECK_THROWS_WITH(op.node("layer_scale", {xt}, ScaleParams{INFINITY}), doctest::Contains("is not finite"));
  }
}
