// GPU decode with packed int8 dot products (matmul.comp INT8_DOT, VKGEMMA_KERNELS=int8-dot with the GPU shader
// set): every product of a block type for one token or a few (up to 8: several sequences' decode steps)
// quantizes its input to 8 bits per 16 values (d = max|x| / 127, q = roundEven(x * (1 / d))) and takes sums of q
// times the weight's quants. The oracle is that definition in double: the products of the dequantized weights
// with the dequantized 8-bit input h_q. Tolerance: fp32 sums, 1e-5 of sum |h_q w| (as the op tests), where a
// wrong byte order, offset or scale is off by whole values. Where the kernel norms its input first (norm_matmul,
// norm_gate_up), its fp32 norm may differ from ours by an ulp and move a value across a rounding tie, so the
// bound adds one value's step (max over j of d_j |w_j|). The CTest variant vulkan_ops_gpu_int8 runs this case
// with the variables set; without them it checks that no product takes int8 dot products.
#include <cstdlib>

#include "tests/vulkan/gpu_variant_run.h"

using namespace vkg;
using namespace vkg::op_test;

namespace {

// The shader's quantization of one row of K values, per 16: the dequantized values d * q, and each value's d.
void quantize16(const std::vector<float>& x, std::vector<double>& hq, std::vector<double>& step) {
  hq.assign(x.size(), 0.0);
  step.assign(x.size(), 0.0);
  for (size_t u = 0; u < x.size(); u += 16) {
    float amax = 0.0f;
    for (size_t j = u; j < u + 16; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float inv = d > 0.0f ? 1.0f / d : 0.0f;
    for (size_t j = u; j < u + 16; ++j) {
      hq[j] = double(d) * std::nearbyint(x[j] * inv);  // the default rounding: half to even
      step[j] = d;
    }
  }
}

// h . row r of the dequantized weight, sum |h w|, and max over j of step_j |w_j| (one value across a tie).
struct RowDot {
  double sum = 0, abs_sum = 0, tie = 0;
};
RowDot dot(const std::vector<double>& h, const std::vector<double>& step, DType type, const std::vector<uint8_t>& wb,
           int64_t r, int64_t K) {
  std::vector<float> w(static_cast<size_t>(K));
  dequantize_row(type, wb.data() + r * row_bytes(type, K), w.data(), K);
  RowDot o;
  for (size_t k = 0; k < size_t(K); ++k) {
    o.sum += h[k] * w[k];
    o.abs_sum += std::fabs(h[k] * w[k]);
    o.tie = std::max(o.tie, step[k] * std::fabs(w[k]));
  }
  return o;
}

void require_within(const std::vector<float>& got, const std::vector<double>& want, const std::vector<double>& tol) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    REQUIRE_MESSAGE(std::fabs(got[i] - want[i]) <= tol[i],
                    "index " << i << ": got " << got[i] << ", want " << want[i] << " (tolerance " << tol[i] << ")");
}

enum class Kind { matmul, geglu, norm_matmul, norm_gate_up, matmul_norm_add };

// One product of N rows of K values of `type` for n tokens (matmul_norm_add: one), of the kind given, checked
// against the oracle.
void check(DType type, int64_t K, Kind kind, int n) {
  // 37: a partial workgroup of 8 rows; prompts (more than 8 tokens: matmul_tiled.comp) 130: two tiles of 64 and
  // a partial one.
  const int64_t N = kind == Kind::matmul_norm_add ? 40 : n > 8 ? 130 : 37;
  const float eps = 1e-6f;
  const bool normed = kind == Kind::norm_matmul || kind == Kind::norm_gate_up;
  OneNode op(n);
  const std::vector<float> x = random_vector(size_t(n * K), 3, normed ? 20.0f : 2.0f);
  const std::vector<uint8_t> wb = weight_bytes(type, N, K, 5), up_b = weight_bytes(type, N, K, 6);
  const std::vector<float> g = random_vector(size_t(K), 4, 1.0f);         // the norm's weight
  const std::vector<float> gate = random_vector(size_t(n * N), 7, 3.0f);  // matmul_geglu's gate
  const std::vector<float> post = random_vector(size_t(N), 8, 1.0f);      // matmul_norm_add's post-norm weight
  const std::vector<float> res = random_vector(size_t(n * N), 9, 20.0f);  // and its residual
  TensorId xt = op.f32("x", {n, K}, x);
  TensorId wt = op.graph.add_tensor({"w.weight", {N, K}, type, TensorRole::weight, wb.data()});
  // Each token's kernel input before quantization (x, or x normed as the kernel norms it in fp32), quantized.
  std::vector<std::vector<double>> hq(static_cast<size_t>(n)), step(static_cast<size_t>(n));
  for (int t = 0; t < n; ++t) {
    std::vector<float> in(x.begin() + t * K, x.begin() + (t + 1) * K);
    if (normed) {
      const std::vector<double> h = normed_row(x, t, K, g, eps);
      for (size_t k = 0; k < size_t(K); ++k) in[k] = static_cast<float>(h[k]);
    }
    quantize16(in, hq[size_t(t)], step[size_t(t)]);
  }
  std::vector<double> want(static_cast<size_t>(n * N)), tol(static_cast<size_t>(n * N));
  switch (kind) {
    case Kind::matmul:
    case Kind::norm_matmul: {
      if (kind == Kind::matmul) {
        op.node("blk.0.attn_q", {xt, wt}, MatmulParams{});
      } else {
        TensorId gt = op.f32("attn_norm.weight", {K}, g);
        op.node("blk.0.attn_q", {xt, gt, wt}, NormMatmulParams{eps});
      }
      for (int t = 0; t < n; ++t)
        for (int64_t r = 0; r < N; ++r) {
          const RowDot d = dot(hq[size_t(t)], step[size_t(t)], type, wb, r, K);
          want[size_t(t * N + r)] = d.sum;
          tol[size_t(t * N + r)] = 1e-5 * d.abs_sum + (normed ? d.tie : 0.0) + 1e-6;
        }
      break;
    }
    case Kind::geglu: {
      TensorId gt = op.f32("gate", {n, N}, gate);
      op.node("blk.0.ffn_up", {xt, wt, gt}, MatmulGegluParams{});
      for (int t = 0; t < n; ++t)
        for (int64_t r = 0; r < N; ++r) {
          const size_t i = size_t(t * N + r);
          const RowDot d = dot(hq[size_t(t)], step[size_t(t)], type, wb, r, K);
          const double gl = gelu_tanh_f64(gate[i]);
          want[i] = gl * d.sum;
          tol[i] = std::fabs(gl) * 1e-5 * d.abs_sum + 1e-6 * (1.0 + std::fabs(want[i]));
        }
      break;
    }
    case Kind::norm_gate_up: {
      TensorId gt = op.f32("ffn_norm.weight", {K}, g);
      TensorId ut = op.graph.add_tensor({"ffn_up.weight", {N, K}, type, TensorRole::weight, up_b.data()});
      op.node("blk.0.ffn_gate_up", {xt, gt, wt, ut}, NormGateUpParams{eps});
      for (int t = 0; t < n; ++t)
        for (int64_t r = 0; r < N; ++r) {
          const size_t i = size_t(t * N + r);
          const RowDot gd = dot(hq[size_t(t)], step[size_t(t)], type, wb, r, K);
          const RowDot ud = dot(hq[size_t(t)], step[size_t(t)], type, up_b, r, K);
          const double gl = gelu_tanh_f64(gd.sum);
          want[i] = gl * ud.sum;
          // |gelu'| <= 1.2 carries the gate's error through the GeGLU (as norm_gate_up's op test).
          tol[i] = 1.2 * (1e-5 * gd.abs_sum + gd.tie) * std::fabs(ud.sum) +
                   std::fabs(gl) * (1e-5 * ud.abs_sum + ud.tie) + 1e-6 * (1.0 + std::fabs(want[i]));
        }
      break;
    }
    case Kind::matmul_norm_add: {
      REQUIRE(n == 1);  // the fused kernel is one token's
      TensorId pt = op.f32("post_attention_norm.weight", {N}, post);
      TensorId rt = op.f32("residual", {1, N}, res);
      op.node("blk.0.attn_output_residual", {xt, wt, pt, rt}, MatmulNormAddParams{eps});
      // As matmul_norm_add's op test: the products' errors e, carried through the norm factor r.
      std::vector<double> prod(static_cast<size_t>(N)), e(static_cast<size_t>(N));
      double ss = 0;
      for (int64_t r = 0; r < N; ++r) {
        const RowDot d = dot(hq[0], step[0], type, wb, r, K);
        prod[size_t(r)] = d.sum, e[size_t(r)] = 1e-5 * d.abs_sum, ss += d.sum * d.sum;
      }
      const double rn = 1.0 / std::sqrt(ss / double(N) + eps);
      double kr = 0;
      for (int64_t r = 0; r < N; ++r) kr += std::fabs(prod[size_t(r)]) * e[size_t(r)];
      kr /= ss;
      for (int64_t r = 0; r < N; ++r) {
        const double v = prod[size_t(r)] * rn * post[size_t(r)];
        want[size_t(r)] = res[size_t(r)] + v;
        tol[size_t(r)] = std::fabs(post[size_t(r)]) * rn * (e[size_t(r)] + std::fabs(prod[size_t(r)]) * kr) +
                         4e-7 * (std::fabs(res[size_t(r)]) + std::fabs(v)) + 1e-6;
      }
      break;
    }
  }
  std::string summary;
  const std::vector<float> got = run_gpu_set(op, summary);
  CAPTURE(summary);
  REQUIRE(summary.find("1 matmuls with int8 dot products") != std::string::npos);
  require_within(got, want, tol);
}

}  // namespace

TEST_SUITE("vulkan_ops") {
  TEST_CASE("int8 dot products in GPU decode: 8-bit activations per 16 values, every block type and fused kernel") {
    const bool asked = env_has("VKGEMMA_KERNELS", "int8-dot") && env_has("VKGEMMA_GPU_SHADERS", "1");
    if (!asked) {
      // Not asked for: no product takes them (the variant is opt-in until a GPU has timed it).
      OneNode op(1);
      const std::vector<uint8_t> wb = weight_bytes(DType::Q4_K, 8, 256, 5);
      TensorId xt = op.f32("x", {1, 256}, random_vector(256, 3));
      TensorId wt = op.graph.add_tensor({"w.weight", {8, 256}, DType::Q4_K, TensorRole::weight, wb.data()});
      op.node("proj", {xt, wt}, MatmulParams{});
      std::string summary;
      run_gpu_set(op, summary);
      CHECK(summary.find("int8") == std::string::npos);
      return;
    }
    for (DType type : {DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K, DType::Q5_K, DType::Q6_K})
      for (int64_t K : {256, 544, 640, 768}) {  // 544: 17 blocks of 32, rows 2 bytes off a word boundary
        if (K % dtype_info(type).block_elems != 0) continue;
        for (Kind kind : {Kind::matmul, Kind::geglu, Kind::norm_matmul, Kind::norm_gate_up, Kind::matmul_norm_add})
          // 3: several sequences' decode steps batched (4-token groups); 70: a prompt over tiles of 64 tokens
          // (not the fused kernels, which prompts run as a norm pass and a product)
          for (int n : {1, 3, 70}) {
            if (kind == Kind::matmul_norm_add && n != 1) continue;
            if (n > 8 && kind != Kind::matmul && kind != Kind::geglu) continue;
            const std::string type_name = dtype_name(type);
            CAPTURE(type_name);
            CAPTURE(K);
            CAPTURE(static_cast<int>(kind));
            CAPTURE(n);
            check(type, K, kind, n);
          }
      }
  }
}
