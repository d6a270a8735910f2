#include "runtime/vulkan/planner.h"

namespace vkg::vk {

// The matmul shaders' GEGLU variants: gelu(gate) * (x @ w^T) in the epilogue.
std::vector<Dispatch> plan_op(const MatmulGegluParams&, PlanContext& c) {
  return plan_matmul(c, {c.in(0), 1, c.in(2)});
}

}  // namespace vkg::vk
