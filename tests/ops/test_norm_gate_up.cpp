// norm_gate_up on the CPU and on Vulkan (the CPU-device shader set and the GPU set, both on the CI device)
// against its definition in double precision: h = rms_norm(x) (x * rsqrt(mean(x^2) + eps) * norm_weight), then
// gelu_tanh(h . gate row) * (h . up row) over the dequantized weights. Decode steps (1 and 3 tokens) on CPU
// devices take the one kernel that norms and reads both weights, the rest the norm and the gate into scratch
// first. Tolerance: each product within 1e-5 of its sum |h w| (matmul_expert's), carried through the GeGLU
// (|gelu'| <= 1.2), where a wrong norm, row or weight is off by far more.
#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

namespace {

double gelu_tanh(double v) { return 0.5 * v * (1.0 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))); }

}  // namespace

TEST_SUITE("ops") {
  TEST_CASE("norm_gate_up: the row's rms_norm, then gelu(gate) * up, on every backend and shader set") {
    const float eps = 1e-6f;
    for (DType type : {DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K, DType::Q6_K, DType::F16})
      for (int n : {1, 3, 11, 70}) {
        const std::string type_name = dtype_name(type);
        CAPTURE(type_name);
        CAPTURE(n);
        const int64_t K = 512, N = 130;
        OneNode op(n);
        const std::vector<float> x = random_vector(size_t(n * K), 3, 20.0f);
        const std::vector<float> g = random_vector(size_t(K), 4, 1.0f);
        const std::vector<uint8_t> gate_b = weight_bytes(type, N, K, 5), up_b = weight_bytes(type, N, K, 6);
        TensorId xt = op.f32("x", {n, K}, x);
        TensorId gt = op.f32("ffn_norm.weight", {K}, g);
        TensorId wg = op.graph.add_tensor({"ffn_gate.weight", {N, K}, type, TensorRole::weight, gate_b.data()});
        TensorId wu = op.graph.add_tensor({"ffn_up.weight", {N, K}, type, TensorRole::weight, up_b.data()});
        op.node("blk.0.ffn_gate_up", {xt, gt, wg, wu}, NormGateUpParams{eps});

        std::vector<double> want(size_t(n * N)), tol(size_t(n * N));
        for (int t = 0; t < n; ++t) {
          const std::vector<double> h = normed_row(x, t, K, g, eps);
          for (int64_t row = 0; row < N; ++row) {
            const auto [gs, gm] = dot_row(h, type, gate_b, row, K);
            const auto [us, um] = dot_row(h, type, up_b, row, K);
            want[size_t(t * N + row)] = gelu_tanh(gs) * us;
            tol[size_t(t * N + row)] = 1e-5 * (1.2 * gm * std::fabs(us) + std::fabs(gelu_tanh(gs)) * um) + 1e-6;
          }
        }
        require_on_every_backend(op, want, tol);
      }
  }

  TEST_CASE("norm_gate_up: gate and up of different shapes or types are refused") {
    OneNode op;
    TensorId xt = op.f32("x", {1, 64}, random_vector(64, 1));
    TensorId gt = op.f32("norm", {64}, random_vector(64, 2));
    TensorId wg = op.f32("gate", {8, 64}, random_vector(8 * 64, 3));
    TensorId wu = op.f32("up", {16, 64}, random_vector(16 * 64, 4));
    CHECK_THROWS_WITH(op.node("ffn", {xt, gt, wg, wu}, NormGateUpParams{}), doctest::Contains("expected the gate's"));
  }
}
