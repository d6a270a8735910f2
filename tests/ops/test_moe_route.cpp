// moe_route on the CPU and on Vulkan against its definition in double precision (transformers'
// Gemma4TextRouter after the projection). Tolerances: both backends run the softmax in fp32 (the shader sums in
// a tree; its exp is within Vulkan's 3 + 2|x| ulp, |x| = |z - max| < ~25 here: ~3e-6), then renormalize and
// scale with a few more roundings: a relative 1e-5 on the weights. The ids (exact integers) must match.
#include <algorithm>
#include <numeric>

#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

namespace {

std::vector<double> reference(const std::vector<float>& logits, const std::vector<float>& scale, int64_t E, int k,
                              float logit_scale) {
  const int64_t n = int64_t(logits.size()) / E;
  std::vector<double> out;
  for (int64_t t = 0; t < n; ++t) {
    std::vector<double> prob(static_cast<size_t>(E));
    double max = -1e300, sum = 0;
    const float* l = logits.data() + t * E;
    for (int64_t i = 0; i < E; ++i) max = std::max(max, double(logit_scale) * l[i]);
    for (int64_t i = 0; i < E; ++i) sum += prob[size_t(i)] = std::exp(double(logit_scale) * l[i] - max);
    for (double& p : prob) p /= sum;
    std::vector<int> order(static_cast<size_t>(E));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return prob[size_t(a)] > prob[size_t(b)]; });
    double top = 0;
    for (int j = 0; j < k; ++j) top += prob[size_t(order[size_t(j)])];
    for (int j = 0; j < k; ++j) out.push_back(prob[size_t(order[size_t(j)])] / top * scale[size_t(order[size_t(j)])]);
    for (int j = 0; j < k; ++j) out.push_back(order[size_t(j)]);
  }
  return out;
}

std::vector<float> positive_scales(size_t n, uint32_t seed) {
  std::vector<float> s = random_vector(n, seed, 0.3f);
  for (float& v : s) v = 1.0f + v;
  return s;
}

}  // namespace

TEST_SUITE("ops") {
  TEST_CASE("moe_route: softmax, top k, renormalized and scaled, on both backends") {
    struct Case {
      int64_t n, E;
      int k;
      float logit_scale;
    };
    // Gemma 4's 128 experts and top 8; k = 1 and k = E; the shader's limit, 256; E not a power of two.
    for (const Case& c : {Case{5, 8, 2, 1.0f}, Case{1, 8, 1, 0.5f}, Case{3, 8, 8, 1.0f}, Case{4, 128, 8, 1.7f},
                          Case{2, 256, 256, 1.0f}, Case{3, 5, 3, -1.0f}}) {
      CAPTURE(c.n);
      CAPTURE(c.E);
      CAPTURE(c.k);
      OneNode op;
      const std::vector<float> logits = random_vector(size_t(c.n * c.E), 21, 2.0f);
      const std::vector<float> scale = positive_scales(size_t(c.E), 22);
      TensorId lt = op.f32("router_logits", {c.n, c.E}, logits);
      TensorId st = op.f32("blk.0.ffn_gate_inp.per_expert_scale", {c.E}, scale);
      op.node("blk.0.moe_route", {lt, st}, MoeRouteParams{c.k, c.logit_scale});
      const std::vector<double> want = reference(logits, scale, c.E, c.k, c.logit_scale);
      const std::vector<float> cpu = op.run("cpu");
      check_close("cpu", cpu, want, 1e-5, 1e-7);
      check_close("vulkan", op.run("vulkan"), want, 1e-5, 1e-7);
      // Without the scales the weights sum to 1, over distinct experts.
      for (int64_t t = 0; t < c.n; ++t) {
        double sum = 0;
        std::vector<int> ids;
        for (int j = 0; j < c.k; ++j) {
          const int id = int(cpu[size_t(t * 2 * c.k + c.k + j)]);
          ids.push_back(id);
          sum += cpu[size_t(t * 2 * c.k + j)] / scale[size_t(id)];
        }
        CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
        std::sort(ids.begin(), ids.end());
        CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
      }
    }
  }

  TEST_CASE("moe_route: ties go to the lower index, on both backends") {
    OneNode op;
    // Experts 1, 2, 4 and 6 tie for the largest logit; then 7.
    const std::vector<float> logits = {1, 3, 3, 0, 3, -1, 3, 2, /* token 1: all equal */ 5, 5, 5, 5, 5, 5, 5, 5};
    const std::vector<float> scale = {1, 2, 3, 4, 5, 6, 7, 8};
    TensorId lt = op.f32("router_logits", {2, 8}, logits);
    TensorId st = op.f32("scale", {8}, scale);
    op.node("moe_route", {lt, st}, MoeRouteParams{3, 1.0f});
    const double third = 1.0 / 3.0;
    const std::vector<double> want = {2 * third, 3 * third, 5 * third, 1, 2, 4,
                                      1 * third, 2 * third, 3 * third, 0, 1, 2};
    check_close("cpu", op.run("cpu"), want, 1e-6, 0);
    check_close("vulkan", op.run("vulkan"), want, 1e-6, 0);
  }

  TEST_CASE("moe_route: bad shapes are refused, naming the node") {
    OneNode op;
    TensorId lt = op.f32("router_logits", {2, 8}, random_vector(16, 1));
    TensorId s7 = op.f32("scale7", {7}, random_vector(7, 2));
    TensorId s8 = op.f32("scale8", {8}, random_vector(8, 3));
    CHECK_THROWS_WITH(op.node("route", {lt, s7}, MoeRouteParams{2}),
                      doctest::Contains("node 'route' (moe_route): expert_scale 'scale7' has 7 values, expected 8"));
    CHECK_THROWS_WITH(op.node("route", {lt, s8}, MoeRouteParams{0}), doctest::Contains("k = 0, expected 1 to 8"));
    CHECK_THROWS_WITH(op.node("route", {lt, s8}, MoeRouteParams{9}), doctest::Contains("k = 9, expected 1 to 8"));
    TensorId big = op.f32("big_logits", {1, 257}, random_vector(257, 4));
    TensorId s257 = op.f32("scale257", {257}, random_vector(257, 5));
    CHECK_THROWS_WITH(op.node("route", {big, s257}, MoeRouteParams{2}),
                      doctest::Contains("has 257 experts, at most 256 are supported"));
  }
}
