#include "runtime/vulkan/planner.h"
#include "shaders/scale.push.h"

namespace vkg::vk {

std::vector<Dispatch> plan_op(const ScaleParams& p, PlanContext& c) {
  const int64_t n = c.desc(0).elements();
  return {c.dispatch(shader_key(Shader::scale), {c.in(0), c.out()}, push::Scale{.n = u32(n), .factor = p.factor},
                     ceil_div(n, 256))};
}

}  // namespace vkg::vk
