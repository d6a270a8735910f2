// A tensor as the graph describes it: name, shape, type, role. Weights point at bytes owned by the loader
// (usually the memory-mapped model file); backends own everything else.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/dtype.h"

namespace vkg {

using TensorId = int32_t;
constexpr TensorId kNoTensor = -1;

enum class TensorRole { weight, activation, kv_cache, input, output };
const char* tensor_role_name(TensorRole r);

struct TensorDesc {
  std::string name;
  std::vector<int64_t> shape;  // row-major, the last dimension is contiguous: [rows, cols]
  DType dtype = DType::F32;
  TensorRole role = TensorRole::activation;
  const void* data = nullptr;  // weights only
  // Weights only: data lies in a read-only file mapping, so a backend that keeps its own copy (repacked, or on
  // a device) may release these pages (platform/memory.h release_file_pages); they are re-read if touched.
  bool file_backed = false;

  int64_t elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  int64_t cols() const { return shape.empty() ? 1 : shape.back(); }
  int64_t rows() const { return cols() == 0 ? 0 : elements() / cols(); }
  std::string shape_string() const;
};

}  // namespace vkg
