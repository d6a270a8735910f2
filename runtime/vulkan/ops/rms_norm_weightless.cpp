#include "runtime/vulkan/planner.h"
#include "shaders/rms_norm.push.h"

namespace vkg::vk {

// One workgroup per group (shaders/rms_norm_weightless.comp).
std::vector<Dispatch> plan_op(const RmsNormWeightlessParams& p, PlanContext& c) {
  const int64_t groups = c.desc(0).elements() / p.group;
  return {c.dispatch(shader_key(Shader::rms_norm_weightless), {c.in(0), c.out()}, push::RmsNorm{.group = u32(p.group), .n_groups = u32(groups), .eps = p.eps},
                     u32(groups))};
}

}  // namespace vkg::vk
