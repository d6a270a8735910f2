// Helpers of the Vulkan op suites (test_vulkan_ops.cpp, test_vulkan_matmul.cpp): one-node graphs on random
// inputs run on the Vulkan device (validation layer on: any message throws) and on the CPU backend, compared.
// Tolerances (see the suites): both sides compute in fp32; only summation order and transcendental
// implementations differ.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

#include "runtime/backend.h"
#include "runtime/quant/quant.h"
#include "runtime/quant/blocks.h"

namespace vkg::test {

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

inline std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

inline void put_f16(std::vector<uint8_t>& b, size_t at, float v) {
  uint16_t h = fp32_to_fp16(v);
  std::memcpy(&b[at], &h, 2);
}

// Random weights of any type: random bytes with sane scales written into each block's fp16 fields.
inline std::vector<uint8_t> random_weights(DType type, int64_t rows, int64_t cols, uint32_t seed) {
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
inline std::vector<uint8_t> extreme_weights(DType type, int64_t rows, int64_t cols, uint32_t seed) {
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
inline std::unique_ptr<Backend> vulkan(bool exact = true) {
  BackendOptions o;
  o.validation = true;
  o.exact_matmul = exact;
  return make_backend("vulkan", o);
}

// The fp32 oracle: the shaders do fp32 dot products on dequantized weights.
inline std::unique_ptr<Backend> cpu_oracle() {
  BackendOptions exact;
  exact.exact_matmul = true;
  return make_backend("cpu", exact);
}

// Every value finite and within abs_tol + rel * |want|; returns the worst error / tolerance.
inline double require_close(const std::vector<float>& want, const std::vector<float>& got, double rel, double abs_tol) {
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
inline void compare(OpGraph& op, double rel, double abs_tol) {
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

inline constexpr DType kWeightTypes[] = {DType::F32, DType::F16, DType::BF16, DType::Q4_0, DType::Q5_0,
                              DType::Q8_0, DType::Q4_K, DType::Q5_K, DType::Q6_K};

}  // namespace vkg::test
