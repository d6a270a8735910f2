// norm_matmul on the CPU and on Vulkan (the CPU-device shader set and the GPU set, both on the CI device)
// against its definition in double precision: rms_norm of each row (x * rsqrt(mean(x^2) + eps) * norm_weight),
// then the product with the dequantized weight. Decode steps (1 and 3 tokens) take the kernels that norm
// their input themselves, prompts (11: a 4-token group past the GPU tiles' threshold; 70) the norm into scratch
// first. Tolerance as matmul_expert's: fp32 sums, 1e-5 of sum |n w| per value, where a wrong norm factor or
// weight column is off by far more.
#include <cmath>
#include <cstring>
#include <random>

#include "runtime/quant/quant.h"
#include "tests/ops/op_harness.h"
#include "tests/unit/random_blocks.h"

using namespace vkg;
using namespace vkg::op_test;

namespace {

std::vector<float> run_on(OneNode& op, const std::string& backend, bool gpu_shaders) {
  BackendOptions o;
  o.validation = true;
  o.exact_matmul = true;
  o.gpu_shaders = gpu_shaders;
  std::unique_ptr<Backend> b = make_backend(backend, o);
  b->run(op.graph, op.inputs);
  return b->read(op.graph, op.output);
}

}  // namespace

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
        std::mt19937 rng(5);
        std::vector<uint8_t> wb = type == DType::F32 || type == DType::F16
                                      ? std::vector<uint8_t>(size_t(row_bytes(type, K) * N))
                                      : test::random_blocks(type, N * K / dtype_info(type).block_elems, rng);
        if (type == DType::F32 || type == DType::F16) {
          const std::vector<float> v = random_vector(size_t(N * K), 6, 0.1f);
          for (int64_t i = 0; i < N * K; ++i) {
            if (type == DType::F32) std::memcpy(&wb[size_t(4 * i)], &v[size_t(i)], 4);
            else { const uint16_t h = fp32_to_fp16(v[size_t(i)]); std::memcpy(&wb[size_t(2 * i)], &h, 2); }
          }
        }
        TensorId xt = op.f32("x", {n, K}, x);
        TensorId gt = op.f32("attn_norm.weight", {K}, g);
        TensorId wt = op.graph.add_tensor({"attn_q.weight", {N, K}, type, TensorRole::weight, wb.data()});
        op.node("blk.0.attn_q", {xt, gt, wt}, NormMatmulParams{eps});

        std::vector<double> want(size_t(n * N)), mag(size_t(n * N));
        std::vector<float> w(static_cast<size_t>(K), 0.0f);
        for (int t = 0; t < n; ++t) {
          double ss = 0;
          for (int64_t k = 0; k < K; ++k) ss += double(x[size_t(t * K + k)]) * x[size_t(t * K + k)];
          const double r = 1.0 / std::sqrt(ss / double(K) + eps);
          for (int64_t row = 0; row < N; ++row) {
            dequantize_row(type, wb.data() + row * row_bytes(type, K), w.data(), K);
            double s = 0, m = 0;
            for (int64_t k = 0; k < K; ++k) {
              const double v = double(x[size_t(t * K + k)]) * r * g[size_t(k)] * w[size_t(k)];
              s += v;
              m += std::fabs(v);
            }
            want[size_t(t * N + row)] = s;
            mag[size_t(t * N + row)] = m;
          }
        }
        for (const auto& [backend, gpu_shaders] :
             {std::pair<std::string, bool>{"cpu", false}, {"vulkan", false}, {"vulkan", true}}) {
          CAPTURE(backend);
          CAPTURE(gpu_shaders);
          const std::vector<float> got = run_on(op, backend, gpu_shaders);
          REQUIRE(got.size() == want.size());
          for (size_t i = 0; i < got.size(); ++i)
            REQUIRE_MESSAGE(std::fabs(got[i] - want[i]) <= 1e-5 * mag[i] + 1e-6,
                            "index " << i << ": got " << got[i] << ", want " << want[i] << " (sum |n w| " << mag[i] << ")");
        }
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
