#include "runtime/vulkan/planner.h"

namespace vkg::vk {


// shaders/rope.comp STORE: the rotated rows written to their ring slots.
std::vector<Dispatch> plan_op(const RopeStoreParams& p, PlanContext& c) { return plan_rope(c, p.rope, p.sequences); }
}  // namespace vkg::vk
