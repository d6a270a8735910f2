// matmul: (x[n, K], w[N, K] any dtype) -> [n, N]: x @ w^T, fp32 accumulation.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct MatmulParams {
  static constexpr const char* kName = "matmul";
  static constexpr const char* kInputs[] = {"x", "weight"};
  static constexpr int kTypedBy = 1;
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_cols(0, c.in(1).cols());
    return {c.in(0).rows(), c.in(1).rows()};
  }
};

}  // namespace vkg
