// moe_sum on the CPU against its definition in double precision, and on Vulkan against the CPU. Both add the k
// products in slot order in fp32 without fused multiply-adds (-ffp-contract=off; `precise` in the shader):
// the same bits. Against fp64: k roundings of terms of at most sum |w y|.
#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

TEST_SUITE("ops") {
  TEST_CASE("moe_sum: each token's slots weighted and added; vulkan gives the cpu's bits") {
    struct Case {
      int64_t n;
      int k;
      int64_t H;
    };
    for (const Case& c : {Case{1, 1, 7}, Case{1, 8, 640}, Case{5, 2, 1}, Case{5, 2, 2816}, Case{3, 8, 33}}) {
      CAPTURE(c.n);
      CAPTURE(c.k);
      CAPTURE(c.H);
      OneNode op;
      const std::vector<float> y = random_vector(size_t(c.n * c.k * c.H), 31, 2.0f);
      std::vector<float> routes = random_vector(size_t(c.n * 2 * c.k), 32, 0.5f);
      for (int64_t t = 0; t < c.n; ++t)
        for (int s = 0; s < c.k; ++s) routes[size_t(t * 2 * c.k + c.k + s)] = float((t + s) % 8);  // ids: unused
      TensorId yt = op.f32("experts_out", {c.n * c.k, c.H}, y);
      TensorId rt = op.f32("routes", {c.n, 2 * c.k}, routes);
      op.node("blk.0.moe_sum", {yt, rt}, MoeSumParams{c.k});
      std::vector<double> want(size_t(c.n * c.H)), bound(want.size());
      for (int64_t t = 0; t < c.n; ++t)
        for (int64_t h = 0; h < c.H; ++h)
          for (int s = 0; s < c.k; ++s) {
            const double term = double(routes[size_t(t * 2 * c.k + s)]) * y[size_t((t * c.k + s) * c.H + h)];
            want[size_t(t * c.H + h)] += term;
            bound[size_t(t * c.H + h)] += std::fabs(term);
          }
      const std::vector<float> cpu = op.run("cpu");
      for (size_t i = 0; i < want.size(); ++i)
        REQUIRE_MESSAGE(std::fabs(cpu[i] - want[i]) <= 1e-6 * bound[i], "index " << i);
      check_close("vulkan vs cpu", op.run("vulkan"), widen(cpu), 0, 0);
    }
  }

  TEST_CASE("moe_sum: bad shapes are refused, naming the node") {
    OneNode op;
    TensorId y = op.f32("y", {6, 4}, random_vector(24, 1));
    TensorId r = op.f32("routes", {2, 4}, random_vector(8, 2));
    CHECK_THROWS_WITH(op.node("moe_sum", {y, r}, MoeSumParams{2}),
                      doctest::Contains("node 'moe_sum' (moe_sum): input 'y' has 6 rows, expected 4"));
    CHECK_THROWS_WITH(op.node("moe_sum", {y, r}, MoeSumParams{3}),
                      doctest::Contains("input 'routes' has 4 columns, expected 6"));
    CHECK_THROWS_WITH(op.node("moe_sum", {y, r}, MoeSumParams{0}), doctest::Contains("k = 0, expected at least 1"));
  }
}
