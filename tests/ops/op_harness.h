// One-node graphs for the op tests (tests/ops/test_<stem>.cpp): inputs given as fp32 values, the node run on
// the CPU backend and on the Vulkan device (validation layer on: any message fails the test).
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <utility>
#include <string>
#include <vector>

#include "runtime/backend.h"
#include "runtime/quant/quant.h"
#include "tests/unit/cpu_ops_helpers.h"
#include "tests/unit/random_blocks.h"

namespace vkg::op_test {

struct OneNode {
  Graph graph{1};
  std::vector<std::vector<float>> storage;  // input values (weight-role tensors read in place)
  StepInputs inputs;
  TensorId output = kNoTensor;

  // n_tokens: the step's tokens (token ids and positions 0).
  explicit OneNode(int n_tokens = 1) : graph(n_tokens) {
    graph.token_ids = graph.add_tensor({"token_ids", {n_tokens}, DType::I32, TensorRole::input, nullptr});
    graph.positions = graph.add_tensor({"positions", {n_tokens}, DType::I32, TensorRole::input, nullptr});
    graph.key_end = graph.add_tensor({"key_end", {n_tokens}, DType::I32, TensorRole::input, nullptr});
    graph.sequence = graph.add_tensor({"sequence", {n_tokens}, DType::I32, TensorRole::input, nullptr});
    inputs.token_ids.assign(size_t(n_tokens), 0);
    inputs.positions.assign(size_t(n_tokens), 0);
  }
  TensorId f32(const std::string& name, std::vector<int64_t> shape, std::vector<float> values) {
    storage.push_back(std::move(values));
    return graph.add_tensor({name, std::move(shape), DType::F32, TensorRole::weight, storage.back().data()});
  }
  void node(const std::string& name, std::vector<TensorId> in, OpParams params) {
    output = graph.add_node(name, std::move(in), std::move(params));
    graph.mark_output(output);
  }
  std::vector<float> run(const std::string& backend_name) {
    BackendOptions o;
    o.validation = true;  // Vulkan: the Khronos validation layer; its messages throw
    o.exact_matmul = true;
    std::unique_ptr<Backend> backend = make_backend(backend_name, o);
    backend->run(graph, inputs);
    return backend->read(graph, output);
  }
};

using test::random_vector;

// The node's output on a backend with the options of the tests (validation, exact products), on Vulkan with the
// GPU shader set if asked (otherwise a CPU-type device takes its own set).
// N rows of K values of `type`: random blocks with sane scales, or (F32, F16) values of scale 0.1.
inline std::vector<uint8_t> weight_bytes(DType type, int64_t N, int64_t K, uint32_t seed) {
  if (type != DType::F32 && type != DType::F16) {
    std::mt19937 rng(seed);
    return test::random_blocks(type, N * K / dtype_info(type).block_elems, rng);
  }
  std::vector<uint8_t> wb(size_t(row_bytes(type, K) * N));
  const std::vector<float> v = random_vector(size_t(N * K), seed, 0.1f);
  for (int64_t i = 0; i < N * K; ++i) {
    if (type == DType::F32) {
      std::memcpy(&wb[size_t(4 * i)], &v[size_t(i)], 4);
    } else {
      const uint16_t h = fp32_to_fp16(v[size_t(i)]);
      std::memcpy(&wb[size_t(2 * i)], &h, 2);
    }
  }
  return wb;
}

// h . row r of a weight of K columns (dequantized), in fp64, and sum |h w| (the scale of its fp32 rounding).
inline std::pair<double, double> dot_row(const std::vector<double>& h, DType type, const std::vector<uint8_t>& wb,
                                         int64_t r, int64_t K) {
  std::vector<float> w(static_cast<size_t>(K), 0.0f);
  dequantize_row(type, wb.data() + r * row_bytes(type, K), w.data(), K);
  double s = 0, m = 0;
  for (int64_t k = 0; k < K; ++k) s += h[size_t(k)] * w[size_t(k)], m += std::fabs(h[size_t(k)] * w[size_t(k)]);
  return {s, m};
}

// rms_norm of row t of x (K values) with weight g, in fp64.
inline std::vector<double> normed_row(const std::vector<float>& x, int t, int64_t K, const std::vector<float>& g,
                                      float eps) {
  double ss = 0;
  for (int64_t k = 0; k < K; ++k) ss += double(x[size_t(t * K + k)]) * x[size_t(t * K + k)];
  const double r = 1.0 / std::sqrt(ss / double(K) + eps);
  std::vector<double> h(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k) h[size_t(k)] = double(x[size_t(t * K + k)]) * r * g[size_t(k)];
  return h;
}

inline std::vector<float> run_with(OneNode& op, const std::string& backend_name, bool gpu_shaders) {
  BackendOptions o;
  o.validation = true;
  o.exact_matmul = true;
  o.gpu_shaders = gpu_shaders;
  std::unique_ptr<Backend> backend = make_backend(backend_name, o);
  backend->run(op.graph, op.inputs);
  return backend->read(op.graph, op.output);
}

// The node on the CPU, on Vulkan with the CPU-device shader set and with the GPU set (both run on the CI device),
// each output within tol[i] of want[i] (per-value tolerances, derived by the test).
inline void require_on_every_backend(OneNode& op, const std::vector<double>& want, const std::vector<double>& tol) {
  for (const auto& [backend, gpu_shaders] :
       {std::pair<std::string, bool>{"cpu", false}, {"vulkan", false}, {"vulkan", true}}) {
    CAPTURE(backend);
    CAPTURE(gpu_shaders);
    const std::vector<float> got = run_with(op, backend, gpu_shaders);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i)
      REQUIRE_MESSAGE(std::fabs(got[i] - want[i]) <= tol[i],
                      "index " << i << ": got " << got[i] << ", want " << want[i] << " (tolerance " << tol[i] << ")");
  }
}

// Every value finite and within abs_tol + rel_tol * |want|; a failure names the op, the case and the index.
inline void check_close(const std::string& what, const std::vector<float>& got, const std::vector<double>& want,
                        double rel_tol, double abs_tol) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const double tol = abs_tol + rel_tol * std::fabs(want[i]);
    if (!std::isfinite(got[i]) || std::fabs(got[i] - want[i]) > tol) {
      FAIL_CHECK(what << ": index " << i << ": expected " << want[i] << ", got " << got[i] << " (tolerance " << tol
                      << ")");
      return;
    }
  }
}

inline std::vector<double> widen(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

}  // namespace vkg::op_test
