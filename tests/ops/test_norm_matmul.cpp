// norm_matmul on the CPU and on Vulkan (the CPU-device shader set and the GPU set, both on the CI device)
// against its definition in double precision: rms_norm of each row (x * rsqrt(mean(x^2) + eps) * norm_weight),
// then the product with the dequantized weight. Decode steps (1 and 3 tokens) take the kernels that norm
// their input themselves, prompts (11: a 4-token group past the GPU tiles' threshold; 70) the norm into scratch
// first. Tolerance as matmul_expert's: fp32 sums, 1e-5 of sum |n w| per value, where a wrong norm factor or
// weight column is off by far more.
#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

TEST_SUITE("ops") {
  TEST_CASE("norm_matmul: the row's rms_norm, then the product, on every backend and shader set") {
    const float eps = 1e-6f;
    for (DType type : {DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K, DType::Q6_K, DType::F16, DType::F32})
      for (int n : {1, 3, 11, 70}) {
        const std::string type_name = dtype_name(type);
        CAPTURE(type_name);
        CAPTURE(n);
        const int64_t K = 512, N = 130;
        OneNode op(n);
        const std::vector<float> x = random_vector(size_t(n * K), 3, 20.0f);  // Gemma's rows are far from unit
        const std::vector<float> g = random_vector(size_t(K), 4, 1.0f);
        const std::vector<uint8_t> wb = weight_bytes(type, N, K, 5);
        TensorId xt = op.f32("x", {n, K}, x);
        TensorId gt = op.f32("attn_norm.weight", {K}, g);
        TensorId wt = op.graph.add_tensor({"attn_q.weight", {N, K}, type, TensorRole::weight, wb.data()});
        op.node("blk.0.attn_q", {xt, gt, wt}, NormMatmulParams{eps});

        std::vector<double> want(size_t(n * N)), mag(size_t(n * N));
        for (int t = 0; t < n; ++t) {
          const std::vector<double> h = normed_row(x, t, K, g, eps);
          for (int64_t row = 0; row < N; ++row)
            std::tie(want[size_t(t * N + row)], mag[size_t(t * N + row)]) = dot_row(h, type, wb, row, K);
        }
        std::vector<double> tol(mag.size());
        for (size_t i = 0; i < mag.size(); ++i) tol[i] = 1e-5 * mag[i] + 1e-6;  // mag: sum |n w|
        require_on_every_backend(op, want, tol);
      }
  }

  TEST_CASE("norm_matmul: a norm weight that is not the row's length is refused") {
    OneNode op;
    TensorId xt = op.f32("x", {1, 64}, random_vector(64, 1));
    TensorId gt = op.f32("norm", {32}, random_vector(32, 2));
    TensorId wt = op.f32("w", {8, 64}, random_vector(8 * 64, 3));
    CHECK_THROWS_WITH(op.node("proj", {xt, gt, wt}, NormMatmulParams{}), doctest::Contains("expected 64 values"));
  }
}
