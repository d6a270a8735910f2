#include "runtime/vulkan/planner.h"

namespace vkg::vk {

// One workgroup per group (shaders/rms_norm_weightless.comp).
std::vector<Dispatch> plan_op(const RmsNormWeightlessParams& p, PlanContext& c) {
  const int64_t groups = c.desc(0).elements() / p.group;
  return {c.dispatch("rms_norm_weightless", {c.in(0), c.out()}, {u32(p.group), u32(groups), f32_bits(p.eps)},
                     u32(groups))};
}

}  // namespace vkg::vk
