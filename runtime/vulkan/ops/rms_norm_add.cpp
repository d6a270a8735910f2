#include "runtime/vulkan/planner.h"

namespace vkg::vk {


// The same shaders as rms_norm with the residual read (shaders/rms_norm.comp RESIDUAL).
std::vector<Dispatch> plan_op(const RmsNormAddParams& p, PlanContext& c) {
  return plan_rms_norm(c, p.eps, true);
}
}  // namespace vkg::vk
