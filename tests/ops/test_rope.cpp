// rope with part of the pairs rotated (Gemma 4's global layers: p-RoPE, a quarter of the pairs, frequencies
// over the full head_dim): the CPU against the formula, Vulkan against the CPU; the passed-through dimensions
// exactly equal to the input.
#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

TEST_SUITE("ops") {
  TEST_CASE("rope: rotary_pairs rotates the first pairs with full-width frequencies and passes the rest") {
    const int hd = 64, heads = 2, rows = 3;
    const RopeParams p{hd, 1000000.0f, 1.0f, 8};
    OneNode op;
    const std::vector<float> x = random_vector(size_t(rows * heads * hd), 5);
    op.inputs.positions = {0, 17, 4093};
    op.inputs.token_ids = {0, 0, 0};
    op.graph = Graph(rows);
    op.graph.token_ids = op.graph.add_tensor({"token_ids", {rows}, DType::I32, TensorRole::input, nullptr});
    op.graph.positions = op.graph.add_tensor({"positions", {rows}, DType::I32, TensorRole::input, nullptr});
    op.graph.key_end = op.graph.add_tensor({"key_end", {rows}, DType::I32, TensorRole::input, nullptr});
    op.node("blk.5.attn_q_rope", {op.f32("x", {rows, heads * hd}, x), op.graph.positions}, p);
    std::vector<double> want(x.size());
    for (int r = 0; r < rows; ++r)
      for (int h = 0; h < heads; ++h)
        for (int i = 0; i < hd / 2; ++i) {
          const size_t a = size_t((r * heads + h) * hd + i), b = a + hd / 2;
          if (i >= 8) {  // frequency 0: unchanged
            want[a] = x[a], want[b] = x[b];
            continue;
          }
          const double angle = double(op.inputs.positions[size_t(r)]) * std::pow(1e6, -2.0 * i / hd);
          want[a] = x[a] * std::cos(angle) - x[b] * std::sin(angle);
          want[b] = x[b] * std::cos(angle) + x[a] * std::sin(angle);
        }
    const std::vector<float> cpu = op.run("cpu");
    check_close("cpu", cpu, want, 1e-5, 2e-4);  // fp32 angles at position 4093
    for (size_t i = 0; i < x.size(); ++i)
      if (int(i % hd) % (hd / 2) >= 8) REQUIRE(cpu[i] == x[i]);
    check_close("vulkan", op.run("vulkan"), widen(cpu), 1e-5, 1e-5);
  }
}
