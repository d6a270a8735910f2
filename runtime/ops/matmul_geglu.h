// matmul_geglu: (x[n, K], w[N, K], gate[n, N]) -> gelu_tanh(gate) * (x @ w^T): the up-projection with the
// GeGLU product in its epilogue (no separate pass over gate and up).
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct MatmulGegluParams {
  static constexpr const char* kName = "matmul_geglu";
  static constexpr const char* kInputs[] = {"x", "weight", "gate"};
  static constexpr int kTypedBy = 1;
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_cols(0, c.in(1).cols());
    const Shape out = {c.in(0).rows(), c.in(1).rows()};
    if (c.in(2).shape != out)
      c.fail("gate '" + c.in(2).name + "' " + c.in(2).shape_string() + ", expected [" + std::to_string(out[0]) +
             ", " + std::to_string(out[1]) + "]");
    return out;
  }
};

}  // namespace vkg
