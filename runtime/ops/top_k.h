// top_k: (x[n, c]) -> [n, 2k]: each row's k largest values, largest first (the lower index first on ties; NaN
// below everything, -0 equal to +0), then their indices as floats; 1 <= k <= kMaxTopK.
#pragma once
#include <algorithm>

#include "runtime/op_def.h"

namespace vkg {

// The most candidates top_k gives: one workgroup of the shader holds them all (shaders/top_k.comp).
constexpr int kMaxTopK = 256;

struct TopKParams {
  int k = 0;

  static constexpr const char* kName = "top_k";
  static constexpr const char* kInputs[] = {"x"};
  Shape output_shape(const OpShapeCheck& c) const {
    const TensorDesc& x = c.in(0);
    if (k < 1 || k > kMaxTopK || k > x.cols())
      c.fail("k = " + std::to_string(k) + ", expected 1 to " + std::to_string(std::min<int64_t>(kMaxTopK, x.cols())) +
             " for input " + x.shape_string());
    return {x.rows(), 2 * int64_t(k)};
  }
  std::string describe() const { return "k=" + std::to_string(k); }
};

}  // namespace vkg
