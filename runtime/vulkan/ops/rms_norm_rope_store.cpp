#include "runtime/vulkan/planner.h"

namespace vkg::vk {


// shaders/rms_norm_rope.comp STORE: the normalized, rotated rows written to their ring slots.
std::vector<Dispatch> plan_op(const RmsNormRopeStoreParams& p, PlanContext& c) {
  return plan_rms_norm_rope(c, p.norm_rope, p.sequences);
}
}  // namespace vkg::vk
