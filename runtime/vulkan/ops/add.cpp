#include "runtime/vulkan/planner.h"
#include "shaders/add.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const AddParams&, PlanContext& c) {
  const int64_t n = c.desc(0).elements();
  return {c.dispatch(shader_key(Shader::add), {c.in(0), c.in(1), c.out()}, push::Add{.n = u32(n), .b_n = u32(c.desc(1).elements())}, ceil_div(n, 256))};
}
}  // namespace vkg::vk
