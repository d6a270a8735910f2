// norm_gate_up: (x[n, K], norm_weight[K], gate[N, K], up[N, K]) -> gelu_tanh(h @ gate^T) * (h @ up^T) with
// h = rms_norm(x, norm_weight): the first half of Gemma's feed-forward block (its norm, the gate and up
// projections and their GeGLU product) as one op, so a decode step runs it as one dispatch: no norm pass and no
// barriers between the norm, the gate and the up products (each lane takes a gate row and its up row). Prompts:
// the norm and the gate into scratch, then the up product with the GeGLU epilogue. gate and up: one type.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct NormGateUpParams {
  float eps = 1e-6f;

  static constexpr const char* kName = "norm_gate_up";
  static constexpr const char* kInputs[] = {"x", "norm_weight", "gate", "up"};
  static constexpr int kTypedBy = 2;
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_cols(0, c.in(2).cols());
    c.expect_row_weight(0, 1);
    if (c.in(3).shape != c.in(2).shape || c.in(3).dtype != c.in(2).dtype)
      c.fail("up '" + c.in(3).name + "' " + c.in(3).shape_string() + " " + dtype_name(c.in(3).dtype) +
             ", expected the gate's " + c.in(2).shape_string() + " " + dtype_name(c.in(2).dtype));
    return {c.in(0).rows(), c.in(2).rows()};
  }
  std::string describe() const { return "eps=" + format_param(eps); }
};

}  // namespace vkg
