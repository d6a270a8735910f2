// Helpers of the GPU kernel-variant cases (test_vulkan_int8_dot.cpp, test_vulkan_coopmat.cpp): whether the CTest
// asked for the variant, and a one-node graph run on Vulkan with the GPU shader set and fp32 products not forced
// (so the variant may run), with the step summary that says what ran.
#pragma once
#include <cmath>
#include <cstdlib>
#include <string>

#include "tests/ops/op_harness.h"

namespace vkg::op_test {

inline bool env_has(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v && std::string(v).find(value) != std::string::npos;
}

// In double: the float one loses digits to 1 + tanh(u) for large negative inputs, where the shader's form does not.
inline double gelu_tanh_f64(double v) { return 0.5 * v * (1.0 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))); }

inline std::vector<float> run_gpu_set(OneNode& op, std::string& summary) {
  BackendOptions o;
  o.validation = true;
  o.exact_matmul = false;
  o.gpu_shaders = true;
  std::unique_ptr<Backend> backend = make_backend("vulkan", o);
  backend->run(op.graph, op.inputs);
  summary = backend->step_summary(op.graph);
  return backend->read(op.graph, op.output);
}

}  // namespace vkg::op_test
