// Every op on the Vulkan device against the CPU backend, one-node (or two-node) graphs on random inputs,
// with the Khronos validation layer on: any validation error throws and fails the test.
// Tolerances: both sides compute in fp32; only summation order (shared-memory reductions vs sequential
// loops) and transcendental implementations (GPU exp/tanh/cos vs libm) differ, so results agree to a few
// fp32 ulps per accumulated term: 1e-5 relative for elementwise ops, 2e-4 relative (plus 1e-5 absolute)
// where long sums are involved (matmul K=512, attention, norms).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

#include "runtime/backend.h"
#include "runtime/cpu/kernels.h"
#include "runtime/cpu/matmul_fast.h"
#include "runtime/quant/quant.h"
#include "runtime/quant/blocks.h"

using namespace vkg;

namespace {

struct OpGraph {
  Graph graph{1};
  std::vector<std::vector<uint8_t>> storage;  // weight-role inputs live here
  StepInputs inputs;
  TensorId output = kNoTensor;

  explicit OpGraph(int n_tokens) : graph(n_tokens) {
    graph.token_ids = graph.add_tensor({"token_ids", {n_tokens}, DType::I32, TensorRole::input, nullptr});
    graph.positions = graph.add_tensor({"positions", {n_tokens}, DType::I32, TensorRole::input, nullptr});
    graph.key_end = graph.add_tensor({"key_end", {n_tokens}, DType::I32, TensorRole::input, nullptr});
    graph.sequence = graph.add_tensor({"sequence", {n_tokens}, DType::I32, TensorRole::input, nullptr});
    for (int i = 0; i < n_tokens; ++i) inputs.token_ids.push_back(0), inputs.positions.push_back(i);
  }
  TensorId data(const std::string& name, std::vector<int64_t> shape, DType type, std::vector<uint8_t> bytes) {
    storage.push_back(std::move(bytes));
    return graph.add_tensor({name, std::move(shape), type, TensorRole::weight, storage.back().data()});
  }
  TensorId f32(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& v) {
    std::vector<uint8_t> bytes(v.size() * 4);
    std::memcpy(bytes.data(), v.data(), bytes.size());
    return data(name, std::move(shape), DType::F32, std::move(bytes));
  }
};

std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

void put_f16(std::vector<uint8_t>& b, size_t at, float v) {
  uint16_t h = fp32_to_fp16(v);
  std::memcpy(&b[at], &h, 2);
}

// Random weights of any type: random bytes with sane scales written into each block's fp16 fields.
std::vector<uint8_t> random_weights(DType type, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  const int64_t bytes = row_bytes(type, cols) * rows;
  std::vector<uint8_t> b(static_cast<size_t>(bytes));
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  std::uniform_real_distribution<float> scale(0.001f, 0.02f);
  const auto& info = dtype_info(type);
  const int64_t blocks = bytes / info.block_bytes;
  for (int64_t k = 0; k < blocks; ++k) {
    const size_t at = static_cast<size_t>(k * info.block_bytes);
    switch (type) {
      case DType::F32: { float v = scale(rng) * (rng() % 2 ? 1 : -1) * 50; std::memcpy(&b[at], &v, 4); break; }
      case DType::F16: put_f16(b, at, scale(rng) * (rng() % 2 ? 1 : -1) * 50); break;
      case DType::BF16: { uint16_t h = fp32_to_bf16(scale(rng) * (rng() % 2 ? 1 : -1) * 50); std::memcpy(&b[at], &h, 2); break; }
      case DType::Q4_0: case DType::Q5_0: case DType::Q8_0: put_f16(b, at, scale(rng)); break;
      case DType::Q4_K: case DType::Q5_K: put_f16(b, at, scale(rng)); put_f16(b, at + 2, scale(rng)); break;
      case DType::Q6_K: put_f16(b, at + offsetof(block_q6_K, d), scale(rng)); break;
      default: FAIL("unexpected type");
    }
  }
  return b;
}

// random_weights with every quant at the type's largest magnitude (Q4_0 -8, Q5_0 -16, Q4_K 15, Q6_K -32), the
// scales kept: with activations at +-127 these make the largest integer sums the 8-bit prompt path can meet.
std::vector<uint8_t> extreme_weights(DType type, int64_t rows, int64_t cols, uint32_t seed) {
  std::vector<uint8_t> b = random_weights(type, rows, cols, seed);
  const auto& info = dtype_info(type);
  for (size_t at = 0; at < b.size(); at += static_cast<size_t>(info.block_bytes)) {
    switch (type) {
      case DType::Q4_0: std::memset(&b[at + 2], 0x00, 16); break;   // qs
      case DType::Q5_0: std::memset(&b[at + 2], 0x00, 20); break;   // qh, qs
      case DType::Q4_K: std::memset(&b[at + 16], 0xFF, 128); break;  // qs
      case DType::Q6_K: std::memset(&b[at], 0x00, 192); break;       // ql, qh
      default: FAIL("unexpected type");
    }
  }
  return b;
}

// A fresh backend per comparison: backends cache uploaded weights by address, and each test's inputs
// are new allocations that may reuse the addresses of an earlier test's. exact: fp32 activations in every
// product (without it, prompts' Q4_0/Q5_0/Q4_K/Q6_K products on CPU devices quantize them to 8 bits: the last
// test).
std::unique_ptr<Backend> vulkan(bool exact = true) {
  BackendOptions o;
  o.validation = true;
  o.exact_matmul = exact;
  return make_backend("vulkan", o);
}

// The fp32 oracle: the shaders do fp32 dot products on dequantized weights.
std::unique_ptr<Backend> cpu_oracle() {
  BackendOptions exact;
  exact.exact_matmul = true;
  return make_backend("cpu", exact);
}

// Every value finite and within abs_tol + rel * |want|; returns the worst error / tolerance.
double require_close(const std::vector<float>& want, const std::vector<float>& got, double rel, double abs_tol) {
  REQUIRE(got.size() == want.size());
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    REQUIRE_MESSAGE(std::isfinite(got[i]), "index " << i);
    const double err = std::abs(double(got[i]) - want[i]);
    worst = std::max(worst, err / (abs_tol + rel * std::abs(want[i])));
    REQUIRE_MESSAGE(err <= abs_tol + rel * std::abs(want[i]),
                    "index " << i << ": vulkan " << got[i] << " cpu " << want[i]);
  }
  return worst;
}

// Compares every node's output (not only the last), so a failure names the first op that differs.
void compare(OpGraph& op, double rel, double abs_tol) {
  auto cpu = cpu_oracle();
  auto gpu = vulkan();
  cpu->run(op.graph, op.inputs);
  gpu->run(op.graph, op.inputs);
  for (const Node& node : op.graph.nodes()) {
    CAPTURE(node.name);
    const double worst = require_close(cpu->read(op.graph, node.output), gpu->read(op.graph, node.output), rel, abs_tol);
    MESSAGE(node.name << ": worst error / tolerance " << worst);
  }
}

const DType kWeightTypes[] = {DType::F32, DType::F16, DType::BF16, DType::Q4_0, DType::Q5_0,
                              DType::Q8_0, DType::Q4_K, DType::Q5_K, DType::Q6_K};

}  // namespace

TEST_SUITE("vulkan_ops") {
  TEST_CASE("the backend names its device") { CHECK(vulkan()->name().find("vulkan (") == 0); }

  // 11 tokens: on CPU devices a full group of the prefill shader's 8 tokens and a partial one.
  TEST_CASE("matmul and matmul_geglu: every weight type, 1 and 11 tokens") {
    for (DType type : kWeightTypes)
      for (int n : {1, 11}) {
        const std::string type_name = dtype_name(type);
        CAPTURE(type_name);
        CAPTURE(n);
        const int64_t K = 512, N = 37;
        OpGraph op(n);
        TensorId x = op.f32("x", {n, K}, random_floats(static_cast<size_t>(n * K), 1));
        TensorId w = op.data("w", {N, K}, type, random_weights(type, N, K, 2));
        op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
        compare(op, 2e-4, 1e-4);
        // The GeGLU epilogue: gelu_tanh(gate) * the product (gelu adds ~1e-6 relative, as gelu_mul's test). The
        // product's absolute error (1e-4 above: fp32 sums of large cancelling K-quant products) is multiplied by
        // |gelu(gate)| <= 3 for these gates, so the absolute bound is 3e-4 (with 11 tokens one Q5_K output missed
        // 1e-4 by 3.3e-4, with the 4-token prefill shader as with the 8-token one; 3 tokens had not hit it).
        OpGraph geglu(n);
        TensorId gx = geglu.f32("x", {n, K}, random_floats(static_cast<size_t>(n * K), 1));
        TensorId gw = geglu.data("w", {N, K}, type, random_weights(type, N, K, 2));
        TensorId gate = geglu.f32("gate", {n, N}, random_floats(static_cast<size_t>(n * N), 9, 3.0f));
        geglu.output = geglu.graph.add_node("matmul_geglu", {gx, gw, gate}, MatmulGegluParams{});
        compare(geglu, 2e-4, 3e-4);
      }
  }

  // GPUs' prompt shader (matmul_tiled.comp, vulkan_ops_gpu_shaders) works in tiles of 64 rows x 64 tokens x 32
  // values of K: 70 tokens and 130 rows leave partial tiles in both directions.
  TEST_CASE("matmul and matmul_geglu: prompts of 70 tokens over partial tiles") {
    for (DType type : {DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K, DType::Q6_K, DType::F16, DType::BF16,
                       DType::F32})
      for (bool geglu : {false, true}) {
        const std::string type_name = dtype_name(type);
        CAPTURE(type_name);
        CAPTURE(geglu);
        const int n = 70;
        // K as the test above (512) for the K-quants' blocks of 256, else 544 (17 K steps, the last partial).
        const int64_t K = type == DType::Q4_K || type == DType::Q6_K ? 512 : 544, N = 130;
        OpGraph op(n);
        // Inputs of scale 0.25: with 9100 outputs per product, random K-quant rows (|w| up to ~80 for Q6_K) at
        // unit scale put the worst output's fp32 rounding (sums of ~1800 in magnitude) past 1e-4 on either
        // shader set; a tiling or indexing mistake is still off by the size of the values.
        TensorId x = op.f32("x", {n, K}, random_floats(static_cast<size_t>(n * K), 1, 0.25f));
        TensorId w = op.data("w", {N, K}, type, random_weights(type, N, K, 2));
        if (geglu) {
          TensorId gate = op.f32("gate", {n, N}, random_floats(static_cast<size_t>(n * N), 9, 3.0f));
          op.output = op.graph.add_node("matmul_geglu", {x, w, gate}, MatmulGegluParams{});
        } else {
          op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
        }
        compare(op, 2e-4, geglu ? 3e-4 : 1e-4);  // the tolerances of the test above
      }
  }

  // The CPU-device decode shader spreads a subgroup's lanes over its rows' units as one flat range (a lane's
  // units may cross into the next row): K = 96 gives Q4_0/Q5_0/Q8_0 rows of 3 units (fewer than the lanes),
  // 640 (Gemma 3 270M's width) 20; K = 768 gives the K-quants 12 units of 64 values. N = 37: a partial last
  // row group; N = 1024: several workgroups of the rows-per-lane shader (LANE_ROWS, 64 rows each).
  TEST_CASE("matmul decode: rows whose units do not fill the subgroup") {
    for (DType type : kWeightTypes)
      for (int64_t K : {96, 640, 768}) {
        if (K % dtype_info(type).block_elems != 0) continue;
        const std::string type_name = dtype_name(type);
        CAPTURE(type_name);
        CAPTURE(K);
        for (int64_t N : {37, 1024}) {
        OpGraph op(1);
        TensorId x = op.f32("x", {1, K}, random_floats(static_cast<size_t>(K), 1));
        TensorId w = op.data("w", {N, K}, type, random_weights(type, N, K, 2));
        op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
        compare(op, 2e-4, 1e-4);
        }
      }
  }

  // On CPU devices element-type rows are read a texel (8 F16/BF16 or 4 F32 values) at a time when K allows,
  // else by the storage-buffer shader: K = 36 takes the texel path for F32 and the fallback for F16/BF16.
  TEST_CASE("matmul: element types with K not a multiple of 8") {
    for (DType type : {DType::F32, DType::F16, DType::BF16}) {
      const std::string type_name = dtype_name(type);
      CAPTURE(type_name);
      const int64_t K = 36, N = 70;
      OpGraph op(2);
      TensorId x = op.f32("x", {2, K}, random_floats(static_cast<size_t>(2 * K), 3));
      TensorId w = op.data("w", {N, K}, type, random_weights(type, N, K, 4));
      op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
      compare(op, 2e-4, 1e-4);
      OpGraph geglu(2);  // and the GeGLU epilogue of the same shaders
      TensorId gx = geglu.f32("x", {2, K}, random_floats(static_cast<size_t>(2 * K), 3));
      TensorId gw = geglu.data("w", {N, K}, type, random_weights(type, N, K, 4));
      TensorId gate = geglu.f32("gate", {2, N}, random_floats(static_cast<size_t>(2 * N), 9, 3.0f));
      geglu.output = geglu.graph.add_node("matmul_geglu", {gx, gw, gate}, MatmulGegluParams{});
      compare(geglu, 2e-4, 1e-4);
    }
  }

  TEST_CASE("embed: every table type") {
    for (DType type : kWeightTypes) {
      const std::string type_name = dtype_name(type);
        CAPTURE(type_name);
      const int64_t V = 50, H = 256;
      OpGraph op(3);
      op.inputs.token_ids = {7, 0, 49};
      TensorId table = op.data("table", {V, H}, type, random_weights(type, V, H, 3));
      op.output = op.graph.add_node("embed", {op.graph.token_ids, table}, EmbedParams{25.3f});
      compare(op, 1e-6, 1e-6);
    }
  }

  TEST_CASE("rms_norm over rows and over heads, alone and with the residual added") {
    // A group of 254 (not a multiple of 4) takes the storage-buffer shaders on CPU devices too.
    for (const auto& [group, cols] : {std::pair<int64_t, int64_t>{640, 1280}, {256, 1280}, {254, 1270}}) {
      CAPTURE(group);
      OpGraph op(3);
      TensorId x = op.f32("x", {3, cols}, random_floats(size_t(3 * cols), 4, 30.0f));
      TensorId w = op.f32("w", {group}, random_floats(static_cast<size_t>(group), 5));
      op.output = op.graph.add_node("norm", {x, w}, RmsNormParams{1e-6f});
      compare(op, 2e-4, 1e-5);
      OpGraph fused(3);
      TensorId fx = fused.f32("x", {3, cols}, random_floats(size_t(3 * cols), 4, 30.0f));
      TensorId fw = fused.f32("w", {group}, random_floats(static_cast<size_t>(group), 5));
      TensorId fr = fused.f32("residual", {3, cols}, random_floats(size_t(3 * cols), 6, 40.0f));
      fused.output = fused.graph.add_node("norm_add", {fx, fw, fr}, RmsNormAddParams{1e-6f});
      compare(fused, 2e-4, 1e-5);
    }
  }

  TEST_CASE("rope: local and global bases, linear scaling, positions up to 5000") {
    for (float theta : {10000.0f, 1000000.0f})
      for (float scale : {1.0f, 0.125f}) {
        OpGraph op(3);
        op.inputs.positions = {0, 17, 5000};
        TensorId x = op.f32("x", {3, 1024}, random_floats(3 * 1024, 6));
        op.output = op.graph.add_node("rope", {x, op.graph.positions}, RopeParams{256, theta, scale});
        // Angles up to 5000 rad: fp32 cos/sin of large arguments differ by ~1 ulp of the angle (3e-4).
        compare(op, 1e-3, 1e-3);
      }
  }

  TEST_CASE("rms_norm_rope: Gemma 3's per-head norm and RoPE in one pass, as the two CPU kernels") {
    // head_dim 256 and 64 (texel shader on CPU devices), 36 (not a multiple of 8: storage-buffer shader).
    for (int hd : {256, 64, 36}) {
      CAPTURE(hd);
      OpGraph op(3);
      op.inputs.positions = {0, 17, 5000};
      const int64_t cols = 4 * int64_t(hd);
      TensorId x = op.f32("x", {3, cols}, random_floats(size_t(3 * cols), 7, 20.0f));
      TensorId w = op.f32("w", {hd}, random_floats(size_t(hd), 8));
      op.output = op.graph.add_node("norm_rope", {x, w, op.graph.positions},
                                    RmsNormRopeParams{1e-6f, RopeParams{hd, 1000000.0f, 0.125f}});
      // The norm's sum order (2e-4, as rms_norm) then angles up to 5000 rad (1e-3, as rope).
      compare(op, 1e-3, 1e-3);
    }
  }

  // On CPU devices these head dims (multiples of 32) take attention_rows.comp, one subgroup per token and 4, 2
  // or 1 query heads of a KV head (groups of 4 and 8: h4; 2: h2; MHA: 1), for prompts and decode steps alike;
  // the GPU shader set runs attention.comp (vulkan_ops_gpu_shaders).
  TEST_CASE("kv_store + attention: causal, sliding window, softcap, GQA, ring wrap") {
    // seqs > 1: the caches hold that many sequences' rings (interleaved); the tokens go to sequences 2, 0, 2.
    struct Case { int nh, nkv, hd, window; float softcap; int cap, seqs = 1; };
    for (Case c : {Case{4, 1, 256, 0, 0.0f, 64}, Case{4, 2, 64, 4, 0.0f, 64}, Case{8, 4, 32, 0, 50.0f, 64},
                   Case{2, 1, 64, 8, 0.0f, 10}, Case{3, 3, 64, 0, 0.0f, 64}, Case{8, 1, 32, 6, 30.0f, 64},
                   Case{4, 1, 512, 0, 0.0f, 64}, Case{2, 2, 512, 8, 0.0f, 10},  // 512: Gemma 4 global layers
                   Case{4, 2, 64, 4, 0.0f, 10, 3}, Case{2, 1, 36, 0, 0.0f, 64, 3}}) {
      CAPTURE(c.nh);
      CAPTURE(c.window);
      CAPTURE(c.cap);
      CAPTURE(c.seqs);
      for (int n : {3, 1}) {  // a prompt's tokens and a decode step
        CAPTURE(n);
        OpGraph op(n);
        op.inputs.positions = {20, 21, 22};  // with cap 10 the ring has wrapped twice
        op.inputs.positions.resize(size_t(n));
        if (c.seqs > 1) op.inputs.sequence = std::vector<int32_t>{2, 0, 2}, op.inputs.sequence.resize(size_t(n));
        const int64_t q_cols = int64_t(c.nh) * c.hd, kv_cols = int64_t(c.nkv) * c.hd;
        TensorId q = op.f32("q", {n, q_cols}, random_floats(static_cast<size_t>(n * q_cols), 7));
        TensorId k = op.f32("k", {n, kv_cols}, random_floats(static_cast<size_t>(n * kv_cols), 8));
        TensorId v = op.f32("v", {n, kv_cols}, random_floats(static_cast<size_t>(n * kv_cols), 9));
        const int64_t rows = int64_t(c.cap) * c.seqs;
        TensorId kc = op.graph.add_tensor({"k_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
        TensorId vc = op.graph.add_tensor({"v_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
        op.graph.add_node_into("k_store", {k, op.graph.positions, kc, op.graph.sequence}, KvStoreParams{c.seqs}, kc);
        op.graph.add_node_into("v_store", {v, op.graph.positions, vc, op.graph.sequence}, KvStoreParams{c.seqs}, vc);
        op.output = op.graph.add_node("attn", {q, kc, vc, op.graph.positions, op.graph.key_end, op.graph.sequence},
                                      AttentionParams{c.nh, c.nkv, c.hd, 0.0625f, c.softcap, c.window, c.seqs});
        // Older positions hold zeros in both caches (fresh caches), so masks and windows still matter.
        compare(op, 2e-4, 1e-5);
      }
    }
  }

  // Long rings: on GPUs (vulkan_ops_gpu_shaders) decode steps split over the keys (attention.comp SPLIT_KEYS:
  // chunks of 256 keys over the 4096-slot ring, most of them empty, then attention_merge.comp), with a sliding
  // window, a soft cap, GQA, two sequences and 512-wide heads; a prompt of 9 tokens is not split.
  TEST_CASE("attention over 2100 keys written by an earlier step (caches persist between runs)") {
    struct Case { int nh, nkv, hd, window; float softcap; int seqs, n; };
    for (Case c : {Case{2, 1, 64, 0, 0.0f, 1, 2}, Case{4, 2, 64, 1000, 30.0f, 2, 3}, Case{8, 1, 256, 0, 0.0f, 1, 1},
                   Case{2, 2, 512, 700, 0.0f, 1, 2}, Case{2, 1, 64, 0, 0.0f, 1, 9}}) {
      CAPTURE(c.hd);
      CAPTURE(c.window);
      CAPTURE(c.seqs);
      CAPTURE(c.n);
      const int n_fill = 2100, cap = 4096;
      const int64_t q_cols = int64_t(c.nh) * c.hd, kv_cols = int64_t(c.nkv) * c.hd, rows = int64_t(cap) * c.seqs;
      // One graph fills sequence 0's ring at positions 0..2099; the next reads it (caches persist between runs).
      OpGraph fill(n_fill);
      TensorId k = fill.f32("k", {n_fill, kv_cols}, random_floats(static_cast<size_t>(n_fill * kv_cols), 8));
      TensorId v = fill.f32("v", {n_fill, kv_cols}, random_floats(static_cast<size_t>(n_fill * kv_cols), 9));
      TensorId fkc = fill.graph.add_tensor({"k_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
      TensorId fvc = fill.graph.add_tensor({"v_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
      fill.graph.add_node_into("k_store", {k, fill.graph.positions, fkc, fill.graph.sequence}, KvStoreParams{c.seqs}, fkc);
      fill.graph.add_node_into("v_store", {v, fill.graph.positions, fvc, fill.graph.sequence}, KvStoreParams{c.seqs}, fvc);

      OpGraph op(c.n);
      op.inputs.positions.clear();
      for (int i = 0; i < c.n; ++i) op.inputs.positions.push_back(2099 - (c.n > 3 ? 200 * i : i));  // 2100 keys and fewer
      // Two sequences: the second token reads sequence 1's ring (zeros: fresh).
      if (c.seqs > 1) op.inputs.sequence = std::vector<int32_t>(size_t(c.n), 0), op.inputs.sequence[1] = 1;
      TensorId q = op.f32("q", {c.n, q_cols}, random_floats(static_cast<size_t>(c.n * q_cols), 7));
      TensorId kc = op.graph.add_tensor({"k_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
      TensorId vc = op.graph.add_tensor({"v_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
      op.output = op.graph.add_node("attn", {q, kc, vc, op.graph.positions, op.graph.key_end, op.graph.sequence},
                                    AttentionParams{c.nh, c.nkv, c.hd, 0.125f, c.softcap, c.window, c.seqs});

      auto cpu = cpu_oracle();
      auto gpu = vulkan();
      for (Backend* b : {cpu.get(), gpu.get()}) {
        b->run(fill.graph, fill.inputs);
        b->run(op.graph, op.inputs);
      }
      // As the attention tests above: fp32 sums in another order (2e-4 relative).
      MESSAGE("attention, " << c.n << " tokens: worst error / tolerance "
                            << require_close(cpu->read(op.graph, op.output), gpu->read(op.graph, op.output), 2e-4, 1e-5));
    }
  }

  TEST_CASE("rope_store and rms_norm_rope_store: keys rotated into a ring cache, read back by attention") {
    // head_dim 64 (texel shader on CPU devices) and 36 (storage-buffer shader); cap 10 wraps the ring twice.
    for (bool norm : {false, true})
      for (int hd : {64, 36})
        for (int cap : {64, 10}) {
          CAPTURE(norm);
          CAPTURE(hd);
          CAPTURE(cap);
          const int n = 3, nh = 4, nkv = 2;
          OpGraph op(n);
          op.inputs.positions = {20, 21, 22};
          // The wrapping ring also holds two sequences' rings (tokens in sequences 1, 0, 1).
          const int seqs = cap == 10 ? 2 : 1;
          if (seqs > 1) op.inputs.sequence = {1, 0, 1};
          const int64_t q_cols = int64_t(nh) * hd, kv_cols = int64_t(nkv) * hd;
          TensorId q = op.f32("q", {n, q_cols}, random_floats(static_cast<size_t>(n * q_cols), 7));
          TensorId k = op.f32("k", {n, kv_cols}, random_floats(static_cast<size_t>(n * kv_cols), 8, 5.0f));
          TensorId v = op.f32("v", {n, kv_cols}, random_floats(static_cast<size_t>(n * kv_cols), 9));
          const int64_t rows = int64_t(cap) * seqs;
          TensorId kc = op.graph.add_tensor({"k_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
          TensorId vc = op.graph.add_tensor({"v_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
          const RopeParams rope{hd, 10000.0f, 1.0f};
          if (norm) {
            TensorId w = op.f32("w", {hd}, random_floats(size_t(hd), 10));
            op.graph.add_node_into("k_norm_rope_store", {k, w, op.graph.positions, kc, op.graph.sequence},
                                   RmsNormRopeStoreParams{{1e-6f, rope}, seqs}, kc);
          } else {
            op.graph.add_node_into("k_rope_store", {k, op.graph.positions, kc, op.graph.sequence}, RopeStoreParams{rope, seqs}, kc);
          }
          op.graph.add_node_into("v_store", {v, op.graph.positions, vc, op.graph.sequence}, KvStoreParams{seqs}, vc);
          op.output = op.graph.add_node("attn", {q, kc, vc, op.graph.positions, op.graph.key_end, op.graph.sequence},
                                        AttentionParams{nh, nkv, hd, 0.125f, 0.0f, 8, seqs});
          // A key in the wrong slot, or unrotated, moves the softmax weights by far more than these
          // tolerances (those of rope and attention above).
          compare(op, 1e-3, 1e-4);
        }
  }

  TEST_CASE("gelu_mul, add, softcap, last_row") {
    const int64_t n = 3, c = 1000;
    OpGraph op(static_cast<int>(n));
    TensorId a = op.f32("a", {n, c}, random_floats(n * c, 10, 4.0f));
    TensorId b = op.f32("b", {n, c}, random_floats(n * c, 11, 4.0f));
    TensorId g = op.graph.add_node("gelu_mul", {a, b}, GeluMulParams{});
    TensorId s = op.graph.add_node("add", {g, a}, AddParams{});
    TensorId t = op.graph.add_node("softcap", {s}, SoftcapParams{3.0f});
    op.output = op.graph.add_node("last", {t}, LastRowParams{});
    compare(op, 1e-5, 1e-6);
    for (const int64_t cols : {70000, 69999}) {  // texel and storage-buffer shaders on CPU devices
      CAPTURE(cols);
      OpGraph op3(3);
      std::vector<float> logits = random_floats(3 * cols, 13, 5.0f);
      logits[1 * cols + 5] = logits[1 * cols + 69000] = 100.0f;  // a tie: the first index wins
      TensorId l = op3.f32("logits", {3, cols}, logits);
      op3.output = op3.graph.add_node("argmax", {l}, ArgmaxParams{});
      compare(op3, 0.0, 0.0);  // indices: exact
    }
    OpGraph op2(1);
    TensorId x = op2.f32("x", {1, c}, random_floats(c, 12, 100.0f));
    op2.output = op2.graph.add_node("softcap", {x}, SoftcapParams{30.0f});
    compare(op2, 1e-5, 1e-6);
  }

  TEST_CASE("top_k: the same candidates in the same order as the CPU, ties at the threshold included") {
    // Exact comparison: selection does no arithmetic. Rows with ties where the k-th value falls (the lower
    // indices must win), signed zeros, -inf and NaN (ranked below everything, so never among these k).
    // Row 2 has too many values at the bound for the gather (the radix-select path). 69999 columns: the
    // storage-buffer shader on CPU devices too (the texel one needs a multiple of 4).
    for (const int64_t cols : {70000, 69999}) {
      CAPTURE(cols);
      std::vector<float> x = random_floats(3 * cols, 14, 5.0f);
      std::mt19937 rng(15);
      for (int i = 0; i < 300; ++i) x[size_t(cols + rng() % cols)] = 9.0f;  // row 1: 300-way tie at the top
      for (int64_t c = 0; c < cols; ++c) {  // row 2: zeros of both signs above negatives, one NaN, one -inf
        float& v = x[size_t(2 * cols + c)];
        v = c % 3 == 0 ? (c % 2 ? -0.0f : 0.0f) : -std::abs(v) - 1.0f;
      }
      x[size_t(2 * cols + 7)] = std::nanf("");
      x[size_t(2 * cols + 8)] = -INFINITY;
      x[size_t(11)] = -INFINITY;
      for (int k : {1, 40, 256}) {
        CAPTURE(k);
        OpGraph op(3);
        TensorId l = op.f32("logits", {3, cols}, x);
        op.output = op.graph.add_node("top_k", {l}, TopKParams{k});
        compare(op, 0.0, 0.0);
      }
    }
    OpGraph narrow(1);  // fewer columns than the workgroup: every value is a candidate
    TensorId n = narrow.f32("x", {1, 100}, random_floats(100, 16));
    narrow.output = narrow.graph.add_node("top_k", {n}, TopKParams{100});
    compare(narrow, 0.0, 0.0);
    OpGraph vocab(1);  // Gemma 3's vocabulary
    TensorId v = vocab.f32("logits", {1, 262144}, random_floats(262144, 17, 3.0f));
    vocab.output = vocab.graph.add_node("top_k", {v}, TopKParams{64});
    compare(vocab, 0.0, 0.0);
  }

  TEST_CASE("attention with key_end: an image block sees ahead (and a sliding window still applies)") {
    for (int window : {0, 4}) {
      CAPTURE(window);
      const int n = 6, nh = 2, hd = 72;  // head_dim 72 as SigLIP's
      OpGraph op(n);
      op.inputs.positions = {10, 11, 12, 13, 14, 15};
      op.inputs.key_end = {10, 14, 14, 14, 14, 15};  // tokens 11..14 are one image
      const int64_t cols = int64_t(nh) * hd;
      TensorId q = op.f32("q", {n, cols}, random_floats(static_cast<size_t>(n * cols), 20));
      TensorId k = op.f32("k", {n, cols}, random_floats(static_cast<size_t>(n * cols), 21));
      TensorId v = op.f32("v", {n, cols}, random_floats(static_cast<size_t>(n * cols), 22));
      TensorId kc = op.graph.add_tensor({"k_cache", {32, cols}, DType::F32, TensorRole::kv_cache, nullptr});
      TensorId vc = op.graph.add_tensor({"v_cache", {32, cols}, DType::F32, TensorRole::kv_cache, nullptr});
      op.graph.add_node_into("k_store", {k, op.graph.positions, kc, op.graph.sequence}, KvStoreParams{}, kc);
      op.graph.add_node_into("v_store", {v, op.graph.positions, vc, op.graph.sequence}, KvStoreParams{}, vc);
      op.output = op.graph.add_node("attn", {q, kc, vc, op.graph.positions, op.graph.key_end, op.graph.sequence},
                                    AttentionParams{nh, nh, hd, 0.12f, 0.0f, window});
      compare(op, 2e-4, 1e-5);
    }
  }

  TEST_CASE("vision ops: bias add, layer_norm, gelu, avg_pool, replace_rows") {
    const int side = 8, cols = 200;
    OpGraph op(side * side);
    TensorId x = op.f32("x", {side * side, cols}, random_floats(size_t(side * side * cols), 30, 3.0f));
    TensorId bias = op.f32("bias", {cols}, random_floats(cols, 31));
    TensorId w = op.f32("w", {cols}, random_floats(cols, 32));
    TensorId b = op.f32("b", {cols}, random_floats(cols, 33));
    TensorId y = op.graph.add_node("bias_add", {x, bias}, AddParams{});
    y = op.graph.add_node("layer_norm", {y, w, b}, LayerNormParams{1e-6f});
    y = op.graph.add_node("gelu", {y}, GeluParams{});
    op.output = op.graph.add_node("avg_pool", {y}, AvgPoolParams{side, 2});
    compare(op, 2e-4, 1e-5);

    const int n = 5;
    OpGraph op2(n);
    TensorId t = op2.f32("t", {n, cols}, random_floats(size_t(n * cols), 34));
    TensorId rows = op2.graph.add_tensor({"image_rows", {n, cols}, DType::F32, TensorRole::input, nullptr});
    TensorId use = op2.graph.add_tensor({"image_row_use", {n}, DType::I32, TensorRole::input, nullptr});
    op2.inputs.floats["image_rows"] = random_floats(size_t(n * cols), 35);
    op2.inputs.ints["image_row_use"] = {0, 1, 1, 0, 1};
    op2.output = op2.graph.add_node("replace_rows", {t, rows, use}, ReplaceRowsParams{});
    compare(op2, 0.0, 0.0);  // copies: exact
  }

  // Without exact, CPU-type devices (lavapipe, with their shader set) quantize a prompt's input to
  // Q4_0/Q5_0/Q4_K/Q6_K products to 8 bits (quantize_pairs.comp + matmul_rows.comp X_PAIRS) as the CPU fast
  // path does (per token and 32 values, d = max|x| / 127, round half to even: cpu::quantize_activations, which
  // makes the oracle here, in double, with the dequantized weights). The shader's integer sums are exact and
  // only the scales' products are fp32, so the fp32 tolerances above hold. With the GPU shader set nothing is
  // quantized and the products equal the exact path. 2 tokens: the decode kernel (up to 8 tokens, fp32:
  // batched decode steps); 11 and 19: full and partial groups of 8, an odd token without a partner; K = 640: Gemma 3 270M's 20 blocks per row. Extreme: every weight
  // quant and input value at its largest magnitude (16-value sums reach 16 * 32 * 127 for Q6_K: past 16 bits).
  TEST_CASE("matmul prompt without exact: 8-bit activations on CPU devices, as the CPU fast path quantizes") {
    const char* gpu_set = std::getenv("VKGEMMA_GPU_SHADERS");
    const bool cpu_shaders = vulkan()->name().find("llvmpipe") != std::string::npos &&
                             !(gpu_set && std::string(gpu_set) == "1");
    auto check = [&](DType type, int n, int64_t K, bool geglu, bool extreme) {
      const std::string type_name = dtype_name(type);
      CAPTURE(type_name);
      CAPTURE(n);
      CAPTURE(K);
      CAPTURE(geglu);
      CAPTURE(extreme);
      const int64_t N = 37;
      OpGraph op(n);
      std::vector<float> xs = random_floats(static_cast<size_t>(n * K), 41);
      if (extreme)  // +-1 by token: every quantized value +-127
        for (size_t i = 0; i < xs.size(); ++i) xs[i] = (i / static_cast<size_t>(K)) % 2 ? -1.0f : 1.0f;
      const std::vector<uint8_t> ws = extreme ? extreme_weights(type, N, K, 42) : random_weights(type, N, K, 42);
      const std::vector<float> gs = random_floats(static_cast<size_t>(n * N), 43, 3.0f);
      TensorId x = op.f32("x", {n, K}, xs);
      TensorId w = op.data("w", {N, K}, type, ws);
      if (geglu) {
        TensorId gate = op.f32("gate", {n, N}, gs);
        op.output = op.graph.add_node("matmul_geglu", {x, w, gate}, MatmulGegluParams{});
      } else {
        op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
      }
      auto gpu = vulkan(false);
      gpu->run(op.graph, op.inputs);
      const std::string summary = gpu->step_summary(op.graph);
      const bool quantized = summary.find("8-bit activations") != std::string::npos;
      // Up to 8 tokens (a short prompt, or several sequences' decode steps) go to the rows-per-lane decode kernel,
      // in fp32 (not with VKGEMMA_KERNELS=flat-decode).
      const bool lane_rows = summary.find("decode rows per lane") != std::string::npos;
      CHECK(quantized == (cpu_shaders && (n > 8 || !lane_rows)));
      std::vector<float> want;
      if (quantized) {
        std::vector<float> wd(static_cast<size_t>(N * K));
        for (int64_t r = 0; r < N; ++r)
          dequantize_row(type, ws.data() + r * row_bytes(type, K), wd.data() + r * K, K);
        std::vector<cpu::ActBlock> xq(static_cast<size_t>(n * K / 32));
        std::vector<float> dsum(xq.size());
        for (int t = 0; t < n; ++t)
          cpu::quantize_activations(xs.data() + t * K, K, xq.data() + t * K / 32, dsum.data() + t * K / 32);
        for (int t = 0; t < n; ++t)
          for (int64_t r = 0; r < N; ++r) {
            double sum = 0;
            for (int64_t k = 0; k < K; ++k) {
              const cpu::ActBlock& b = xq[static_cast<size_t>((t * K + k) / 32)];
              sum += double(b.d) * b.q[k % 32] * wd[static_cast<size_t>(r * K + k)];
            }
            want.push_back(static_cast<float>(geglu ? cpu::gelu_tanh(gs[static_cast<size_t>(t * N + r)]) * sum : sum));
          }
      } else {
        auto cpu = cpu_oracle();
        cpu->run(op.graph, op.inputs);
        want = cpu->read(op.graph, op.output);
      }
      const double worst = require_close(want, gpu->read(op.graph, op.output), 2e-4, geglu ? 3e-4 : 1e-4);
      MESSAGE("worst error / tolerance " << worst);
    };
    for (DType type : {DType::Q4_0, DType::Q5_0, DType::Q4_K, DType::Q6_K}) {
      for (int n : {2, 11, 19})
        for (int64_t K : {512, 640, 768})
          if (K % dtype_info(type).block_elems == 0)
            for (bool geglu : {false, true}) check(type, n, K, geglu, /*extreme=*/false);
      check(type, 11, 512, /*geglu=*/false, /*extreme=*/true);
    }
  }
}
