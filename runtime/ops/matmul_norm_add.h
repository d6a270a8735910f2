// matmul_norm_add: (x[n, K], weight[N, K], norm_weight[N], residual[n, N]) -> residual + rms_norm(x @ weight^T,
// norm_weight): a block's output projection, its post-norm and the residual add (Gemma 2/3/4's attention output
// and feed-forward down projection) as one op, so that a decode step runs them as one dispatch where it ran two:
// the last workgroup to finish the product norms the whole row. Prompts: the product into scratch, then
// rms_norm_add's shader.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct MatmulNormAddParams {
  float eps = 1e-6f;

  static constexpr const char* kName = "matmul_norm_add";
  static constexpr const char* kInputs[] = {"x", "weight", "norm_weight", "residual"};
  static constexpr int kTypedBy = 1;
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_cols(0, c.in(1).cols());
    if (c.in(2).elements() != c.in(1).rows())
      c.fail("norm_weight '" + c.in(2).name + "' has " + std::to_string(c.in(2).elements()) + " values, expected " +
             std::to_string(c.in(1).rows()) + " (the weight's rows)");
    const Shape out = {c.in(0).rows(), c.in(1).rows()};
    if (c.in(3).shape != out)
      c.fail("residual '" + c.in(3).name + "' " + c.in(3).shape_string() + ", expected [" +
             std::to_string(out[0]) + ", " + std::to_string(out[1]) + "]");
    return out;
  }
  std::string describe() const { return "eps=" + format_param(eps); }
};

}  // namespace vkg
