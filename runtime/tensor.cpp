#include "runtime/tensor.h"

namespace vkg {

const char* tensor_role_name(TensorRole r) {
  switch (r) {
    case TensorRole::weight: return "weight";
    case TensorRole::activation: return "activation";
    case TensorRole::kv_cache: return "kv_cache";
    case TensorRole::input: return "input";
    case TensorRole::output: return "output";
  }
  return "?";
}

std::string TensorDesc::shape_string() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace vkg
