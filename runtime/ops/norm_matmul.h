// norm_matmul: (x[n, K], norm_weight[K], weight[N, K]) -> rms_norm(x, norm_weight) @ weight^T: a block's input
// norm taken by each projection that reads it (Gemma's q, k and v; the logits after the final norm). A decode
// step then has no norm pass of its own and no barrier between the norm and the products (each product
// recomputes the norm of its one input row: K values); prompts norm once into scratch. The norm is rms_norm's
// (runtime/ops/rms_norm.h) over the whole row.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct NormMatmulParams {
  float eps = 1e-6f;

  static constexpr const char* kName = "norm_matmul";
  static constexpr const char* kInputs[] = {"x", "norm_weight", "weight"};
  static constexpr int kTypedBy = 2;
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_cols(0, c.in(2).cols());
    c.expect_row_weight(0, 1);
    return {c.in(0).rows(), c.in(2).rows()};
  }
  std::string describe() const { return "eps=" + format_param(eps); }
};

}  // namespace vkg
