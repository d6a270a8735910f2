// matmul_norm_add on the CPU and on Vulkan (the CPU-device shader set and the GPU set, both on the CI device)
// against its definition in double precision: the product p = x w^T with the dequantized weight, then
// residual + p * rsqrt(mean(p^2) + eps) * norm_weight over each row. One token takes lavapipe's one-dispatch
// kernel (its last subgroup norms the row: N = 640 is 20 subgroups of 32 rows, 36 a partial one, 1024 32 of them);
// 3 and 11 tokens the product into scratch and rms_norm_add's shader.
// Tolerance: the products carry fp32 sums, e_i = 1e-5 of sum |x w| (as norm_matmul's test); the norm factor r
// then has a relative error of at most sum |p_j| e_j / sum p_j^2 (kr below), so output i may be off by
// |g_i| r (e_i + |p_i| kr), plus the fp32 rounding of the scaling and the add (a few 1e-7 of the values).
#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

TEST_SUITE("ops") {
  TEST_CASE("matmul_norm_add: the product, its rms_norm and the residual, on every backend and shader set") {
    const float eps = 1e-6f;
    for (DType type : {DType::Q4_K, DType::Q6_K, DType::Q5_0, DType::Q8_0, DType::F16})
      for (int64_t N : {640, 36, 1024})
        for (int n : {1, 3, 11}) {
          if (N != 640 && n != 1) continue;  // the prompt path is N-agnostic
          const std::string type_name = dtype_name(type);
          CAPTURE(type_name);
          CAPTURE(N);
          CAPTURE(n);
          const int64_t K = 512;
          OneNode op(n);
          const std::vector<float> x = random_vector(size_t(n * K), 3, 2.0f);
          const std::vector<float> g = random_vector(size_t(N), 4, 1.0f);
          const std::vector<float> res = random_vector(size_t(n * N), 6, 20.0f);  // the residual stream is large
          const std::vector<uint8_t> wb = weight_bytes(type, N, K, 5);
          TensorId xt = op.f32("x", {n, K}, x);
          TensorId wt = op.graph.add_tensor({"attn_output.weight", {N, K}, type, TensorRole::weight, wb.data()});
          TensorId gt = op.f32("post_attention_norm.weight", {N}, g);
          TensorId rt = op.f32("residual", {n, N}, res);
          op.node("blk.0.attn_output_residual", {xt, wt, gt, rt}, MatmulNormAddParams{eps});

          std::vector<double> want(size_t(n * N)), tol(size_t(n * N));
          for (int t = 0; t < n; ++t) {
            const std::vector<double> h(x.begin() + t * K, x.begin() + (t + 1) * K);
            std::vector<double> prod(static_cast<size_t>(N)), e(static_cast<size_t>(N));
            double ss = 0;
            for (int64_t row = 0; row < N; ++row) {
              const auto [s, m] = dot_row(h, type, wb, row, K);
              prod[size_t(row)] = s, e[size_t(row)] = 1e-5 * m, ss += s * s;
            }
            const double r = 1.0 / std::sqrt(ss / double(N) + eps);
            double kr_num = 0;
            for (int64_t row = 0; row < N; ++row) kr_num += std::fabs(prod[size_t(row)]) * e[size_t(row)];
            const double kr = kr_num / ss;
            for (int64_t row = 0; row < N; ++row) {
              const size_t i = size_t(t * N + row);
              const double normed = prod[size_t(row)] * r * g[size_t(row)];
              want[i] = res[i] + normed;
              tol[i] = std::fabs(g[size_t(row)]) * r * (e[size_t(row)] + std::fabs(prod[size_t(row)]) * kr) +
                       4e-7 * (std::fabs(res[i]) + std::fabs(normed)) + 1e-6;
            }
          }
          require_on_every_backend(op, want, tol);
        }
  }

  // The decode kernels' workgroups count themselves in one step-wide counter that the last one resets: three
  // in a chain (each the next one's residual, as a layer's two blocks are) must each find it at zero, or a
  // node's sum is never written. The step runs twice (its command buffer reused).
  TEST_CASE("matmul_norm_add: three in a chain, run twice, as the CPU") {
    const int64_t K = 640, N = 640;
    OneNode op(1);
    std::vector<std::vector<uint8_t>> weights;
    TensorId x = op.f32("x", {1, K}, random_vector(size_t(K), 3));
    TensorId res = op.f32("residual", {1, N}, random_vector(size_t(N), 6, 20.0f));
    for (int i = 0; i < 3; ++i) {
      const std::string layer = std::to_string(i);
      weights.push_back(weight_bytes(DType::Q5_0, N, K, uint32_t(10 + i)));
      TensorId wt = op.graph.add_tensor({"w." + layer, {N, K}, DType::Q5_0, TensorRole::weight, weights.back().data()});
      TensorId gt = op.f32("g." + layer, {N}, random_vector(size_t(N), uint32_t(20 + i)));
      res = op.graph.add_node("proj." + layer, {x, wt, gt, res}, MatmulNormAddParams{1e-6f});
      x = res;
    }
    op.output = res;
    op.graph.mark_output(res);
    const std::vector<float> want = run_with(op, "cpu", false);
    for (bool gpu_shaders : {false, true}) {
      CAPTURE(gpu_shaders);
      BackendOptions o;
      o.validation = true;
      o.exact_matmul = true;
      o.gpu_shaders = gpu_shaders;
      std::unique_ptr<Backend> vulkan = make_backend("vulkan", o);
      for (int step = 0; step < 2; ++step) {
        CAPTURE(step);
        vulkan->run(op.graph, op.inputs);
        check_close("vulkan vs cpu", vulkan->read(op.graph, op.output), widen(want), 1e-4, 1e-4);
      }
    }
  }

  TEST_CASE("matmul_norm_add: a residual of another shape is refused") {
    OneNode op;
    TensorId xt = op.f32("x", {1, 64}, random_vector(64, 1));
    TensorId wt = op.f32("w", {8, 64}, random_vector(8 * 64, 3));
    TensorId gt = op.f32("g", {8}, random_vector(8, 2));
    TensorId rt = op.f32("residual", {1, 16}, random_vector(16, 4));
    CHECK_THROWS_WITH(op.node("proj", {xt, wt, gt, rt}, MatmulNormAddParams{}), doctest::Contains("expected [1, 8]"));
  }
}
