#include "runtime/vulkan/planner.h"
#include "shaders/gelu.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const GeluParams&, PlanContext& c) {
  const int64_t n = c.desc(0).elements();
  return {c.dispatch(shader_key(Shader::gelu), {c.in(0), c.out()}, push::Gelu{.n = u32(n)}, ceil_div(n, 256))};
}
}  // namespace vkg::vk
