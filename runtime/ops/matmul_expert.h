// matmul_expert: (x[m, K], weight[n_experts * S, K] any dtype, routes[n, 2k]) -> [n*k, rows]: for token t's
// slot s, the product with `rows` rows of its expert e = routes[t][k + s] (moe_route's ids):
// out[t*k + s][r] = dot(weight row e*S + row_offset + r, x row), the x row t (m = n: one input per token) or
// t*k + s (m = n*k: one per slot). The experts' matrices are stacked, S = weight rows / n_experts each;
// row_offset picks a part of them (gate or up of a merged gate_up). Only the chosen experts' rows are read.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct MatmulExpertParams {
  int n_experts = 0;
  int k = 0;           // experts per token
  int rows = 0;        // output columns: rows of each expert's matrix used
  int row_offset = 0;  // the first of them within an expert's S rows

  static constexpr const char* kName = "matmul_expert";
  static constexpr const char* kInputs[] = {"x", "weight", "routes"};
  static constexpr int kTypedBy = 1;
  Shape output_shape(const OpShapeCheck& c) const {
    const TensorDesc &x = c.in(0), &w = c.in(1), &routes = c.in(2);
    if (n_experts < 1 || w.rows() % n_experts)
      c.fail("n_experts = " + std::to_string(n_experts) + " does not divide the " + std::to_string(w.rows()) +
             " rows of weight '" + w.name + "'");
    const int64_t S = w.rows() / n_experts;
    if (rows < 1 || row_offset < 0 || row_offset + int64_t(rows) > S)
      c.fail("rows " + std::to_string(row_offset) + " + " + std::to_string(rows) + " exceed an expert's " +
             std::to_string(S) + " rows of weight '" + w.name + "'");
    if (k < 1) c.fail("k = " + std::to_string(k) + ", expected at least 1");
    c.expect_cols(0, w.cols());
    c.expect_cols(2, 2 * int64_t(k));
    const int64_t n = routes.rows();
    if (x.rows() != n && x.rows() != n * k)
      c.fail("input '" + x.name + "' has " + std::to_string(x.rows()) + " rows, expected " + std::to_string(n) +
             " (one per token) or " + std::to_string(n * k) + " (one per token and expert)");
    return {n * k, int64_t(rows)};
  }
  std::string describe() const {
    return "experts=" + std::to_string(n_experts) + " k=" + std::to_string(k) + " rows=" + std::to_string(rows) +
           " row_offset=" + std::to_string(row_offset);
  }
};

}  // namespace vkg
