// GPU prompts in fp16 cooperative matrices (matmul_tiled.comp COOPMAT, VKGEMMA_KERNELS=coopmat with the GPU
// shader set, on a device with VK_KHR_cooperative_matrix: the CTest vulkan_ops_coopmat runs this case on Mesa 26's
// lavapipe, which tools/setup.sh fetches into .cache/mesa-next). Each product of a prompt (9 or more tokens) holds
// the weights and each token's inputs as fp16, the inputs first multiplied by the power of two 2^-e that brings the
// token's largest |x| to at most 2^15 (e = the exponent of max|x| / 2^15 as frexp gives it, when positive), and sums
// in fp32. The oracle is that definition in double: fp16(w) times fp16(x 2^-e) 2^e. Tolerance: fp32 sums, 1e-5 of
// sum |h w| (as the op tests), where fp32 products (the plain tiles) are off by fp16's rounding, ~5e-4 of a value,
// and a wrong block, stride or scale by whole values. Without the variables set it checks that no product takes
// cooperative matrices.
#include <cmath>
#include <cstdlib>

#include "runtime/quant/quant.h"
#include "tests/vulkan/gpu_variant_run.h"

using namespace vkg;
using namespace vkg::op_test;

namespace {

double fp16(float v) { return fp16_to_fp32(fp32_to_fp16(v)); }

// One token's inputs as the kernel multiplies them: scaled into fp16's range by a power of two, rounded, unscaled.
std::vector<double> token_fp16(const float* x, int64_t K) {
  float m = 0.0f;
  for (int64_t k = 0; k < K; ++k) m = std::max(m, std::fabs(x[k]));
  int e = 0;
  std::frexp(m * (1.0f / 32768.0f), &e);
  const float s = e > 0 ? std::ldexp(1.0f, -e) : 1.0f;
  std::vector<double> h(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k) h[size_t(k)] = fp16(x[k] * s) / double(s);
  return h;
}

// A prompt of n tokens through N rows of K values of `type` (matmul, or matmul_geglu), against the oracle. Token 3's
// inputs are ~1e6 (past fp16's 65504: only the scaling keeps them finite).
void check(DType type, int64_t K, bool geglu, int n) {
  const int64_t N = 130;  // two tiles of 64 rows and a partial one
  OneNode op(n);
  std::vector<float> x = random_vector(size_t(n * K), 3, 2.0f);
  for (int64_t k = 0; k < K && n > 3; ++k) x[size_t(3 * K + k)] *= 5e5f;
  const std::vector<uint8_t> wb = weight_bytes(type, N, K, 5);
  const std::vector<float> gate = random_vector(size_t(n * N), 7, 3.0f);
  TensorId xt = op.f32("x", {n, K}, x);
  TensorId wt = op.graph.add_tensor({"w.weight", {N, K}, type, TensorRole::weight, wb.data()});
  if (geglu) {
    TensorId gt = op.f32("gate", {n, N}, gate);
    op.node("blk.0.ffn_up", {xt, wt, gt}, MatmulGegluParams{});
  } else {
    op.node("blk.0.attn_q", {xt, wt}, MatmulParams{});
  }
  std::vector<double> want(size_t(n * N)), tol(size_t(n * N));
  std::vector<float> w(static_cast<size_t>(K));
  for (int64_t r = 0; r < N; ++r) {
    dequantize_row(type, wb.data() + r * row_bytes(type, K), w.data(), K);
    for (int t = 0; t < n; ++t) {
      const std::vector<double> h = token_fp16(x.data() + t * K, K);
      double sum = 0, abs_sum = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double p = h[size_t(k)] * fp16(w[size_t(k)]);
        sum += p;
        abs_sum += std::fabs(p);
      }
      const size_t i = size_t(t * N + r);
      const double gl = geglu ? gelu_tanh_f64(gate[i]) : 1.0;
      want[i] = gl * sum;
      tol[i] = std::fabs(gl) * 1e-5 * abs_sum + 1e-6 * (1.0 + std::fabs(want[i]));
    }
  }
  std::string summary;
  const std::vector<float> got = run_gpu_set(op, summary);
  CAPTURE(summary);
  REQUIRE(summary.find("1 matmuls in fp16 cooperative matrices") != std::string::npos);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    REQUIRE_MESSAGE(std::fabs(got[i] - want[i]) <= tol[i],
                    "token " << i / N << " row " << i % N << ": got " << got[i] << ", want " << want[i]
                             << " (tolerance " << tol[i] << ")");
}

}  // namespace

TEST_SUITE("vulkan_ops") {
  TEST_CASE("cooperative matrices in GPU prompts: fp16 tiles with fp32 sums, every weight type") {
    const bool asked = env_has("VKGEMMA_KERNELS", "coopmat") && env_has("VKGEMMA_GPU_SHADERS", "1");
    OneNode probe(16);
    const std::vector<uint8_t> pb = weight_bytes(DType::Q4_K, 8, 256, 5);
    TensorId xt = probe.f32("x", {16, 256}, random_vector(16 * 256, 3));
    TensorId wt = probe.graph.add_tensor({"w.weight", {8, 256}, DType::Q4_K, TensorRole::weight, pb.data()});
    probe.node("proj", {xt, wt}, MatmulParams{});
    std::string summary;
    run_gpu_set(probe, summary);
    if (!asked) {
      // Not asked for: no product takes them (the variant is opt-in until a GPU has timed it).
      CHECK(summary.find("cooperative") == std::string::npos);
      return;
    }
    // Asked for: the device and the build must have them, or this run proves nothing.
    REQUIRE_MESSAGE(summary.find("cooperative matrices") != std::string::npos,
                    "VKGEMMA_KERNELS=coopmat took no cooperative matrices (step: " << summary
                        << "); `vkgemma info` says whether the device has them and the backend's notice why not "
                           "(the CTest runs this case under .cache/mesa-next/run, Mesa 26's lavapipe from tools/setup.sh)");
    for (DType type : {DType::F32, DType::F16, DType::BF16, DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K,
                       DType::Q5_K, DType::Q6_K})
      // 576: 18 blocks of 32 (an odd number of the tile's K steps of 64: 9); 768: 3 blocks of 256
      for (int64_t K : {576, 768}) {
        if (K % dtype_info(type).block_elems != 0 || (K == 768 && dtype_info(type).block_elems == 32)) continue;
        for (bool geglu : {false, true})
          for (int n : {9, 70}) {  // the fewest tokens that take tiles; two tiles of 64 tokens, the second partial
            if (geglu && n == 9) continue;  // the epilogue is the same for any count
            const std::string type_name = dtype_name(type);
            CAPTURE(type_name);
            CAPTURE(K);
            CAPTURE(geglu);
            CAPTURE(n);
            check(type, K, geglu, n);
          }
      }
  }
}
