// rms_norm_weightless against its definition in double precision (CPU), and the Vulkan shader against the CPU.
// Tolerances: fp32 arithmetic on both sides; the CPU sums squares in fp64, the shader in fp32 through a
// shared-memory tree (a relative error of a few ulps times log2(group)), then one fp32 multiply each.
#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

namespace {

std::vector<double> reference(const std::vector<float>& x, int group, float eps) {
  std::vector<double> out(x.size());
  for (size_t g = 0; g < x.size() / size_t(group); ++g) {
    double sum = 0;
    for (int i = 0; i < group; ++i) sum += double(x[g * group + i]) * x[g * group + i];
    const double r = 1.0 / std::sqrt(sum / group + eps);
    for (int i = 0; i < group; ++i) out[g * group + i] = x[g * group + i] * r;
  }
  return out;
}

}  // namespace

TEST_SUITE("ops") {
  TEST_CASE("rms_norm_weightless: cpu matches the definition, vulkan matches cpu") {
    struct Case {
      int64_t rows, cols;
      int group;
    };
    // Odd sizes and Gemma 4's (per head: 256 and 512; a whole row: 1536).
    for (const Case& k : {Case{1, 1, 1}, Case{3, 7, 7}, Case{2, 66, 33}, Case{4, 1024, 256}, Case{2, 1024, 512},
                          Case{3, 1536, 1536}}) {
      CAPTURE(k.rows);
      CAPTURE(k.cols);
      CAPTURE(k.group);
      OneNode op;
      const std::vector<float> x = random_vector(size_t(k.rows * k.cols), 7, 3.0f);
      TensorId xt = op.f32("x", {k.rows, k.cols}, x);
      op.node("v_norm", {xt}, RmsNormWeightlessParams{k.group, 1e-6f});
      const std::vector<float> cpu = op.run("cpu");
      check_close("cpu vs definition", cpu, reference(x, k.group, 1e-6f), 1e-6, 1e-7);
      check_close("vulkan vs cpu", op.run("vulkan"), widen(cpu), 1e-5, 1e-6);
    }
  }

  TEST_CASE("rms_norm_weightless: a group that does not divide the row is refused, naming the node") {
    OneNode op;
    TensorId xt = op.f32("x", {2, 10}, random_vector(20, 1));
    CHECK_THROWS_WITH(op.node("v_norm", {xt}, RmsNormWeightlessParams{4, 1e-6f}),
                      doctest::Contains("node 'v_norm' (rms_norm_weightless): group 4 does not divide the row length 10"));
  }
}
