// One-node graphs for the op tests (tests/ops/test_<stem>.cpp): inputs given as fp32 values, the node run on
// the CPU backend and on the Vulkan device (validation layer on: any message fails the test).
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/backend.h"
#include "tests/unit/cpu_ops_helpers.h"

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
