// moe_sum: (y[n*k, H], routes[n, 2k]) -> [n, H]: out[t] = sum over s = 0..k-1 (in that order) of
// routes[t][s] * y[t*k + s]: the experts' outputs of each token weighted by moe_route's weights.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct MoeSumParams {
  int k = 0;  // experts per token

  static constexpr const char* kName = "moe_sum";
  static constexpr const char* kInputs[] = {"y", "routes"};
  Shape output_shape(const OpShapeCheck& c) const {
    if (k < 1) c.fail("k = " + std::to_string(k) + ", expected at least 1");
    c.expect_cols(1, 2 * int64_t(k));
    const int64_t n = c.in(1).rows();
    if (c.in(0).rows() != n * k)
      c.fail("input '" + c.in(0).name + "' has " + std::to_string(c.in(0).rows()) + " rows, expected " +
             std::to_string(n * k) + " (" + std::to_string(n) + " tokens times k = " + std::to_string(k) + ")");
    return {n, c.in(0).cols()};
  }
  std::string describe() const { return "k=" + std::to_string(k); }
};

}  // namespace vkg
