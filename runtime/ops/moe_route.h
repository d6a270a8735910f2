// moe_route: (logits[n, E], expert_scale[E]) -> [n, 2k]: Gemma 4's router after its projection
// (transformers' Gemma4TextRouter): p = softmax(logit_scale * logits) over all E experts in fp32, the k largest
// p (largest first, the lower index first on ties) renormalized to sum to 1 and times expert_scale[id]
// (per_expert_scale), then the k expert ids as floats.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

// The most experts moe_route takes: one workgroup of its shader holds a token's scores (shaders/moe_route.comp).
constexpr int kMaxMoeExperts = 256;

struct MoeRouteParams {
  int k = 0;                  // experts per token
  float logit_scale = 1.0f;   // multiplies the logits before the softmax

  static constexpr const char* kName = "moe_route";
  static constexpr const char* kInputs[] = {"logits", "expert_scale"};
  Shape output_shape(const OpShapeCheck& c) const {
    const int64_t E = c.in(0).cols();
    if (E > kMaxMoeExperts)
      c.fail("input '" + c.in(0).name + "' has " + std::to_string(E) + " experts, at most " +
             std::to_string(kMaxMoeExperts) + " are supported (one shader workgroup per token)");
    if (c.in(1).elements() != E)
      c.fail("expert_scale '" + c.in(1).name + "' has " + std::to_string(c.in(1).elements()) + " values, expected " +
             std::to_string(E));
    if (k < 1 || k > E) c.fail("k = " + std::to_string(k) + ", expected 1 to " + std::to_string(E));
    return {c.in(0).rows(), 2 * int64_t(k)};
  }
  std::string describe() const { return "k=" + std::to_string(k) + " logit_scale=" + format_param(logit_scale); }
};

}  // namespace vkg
