#include "runtime/vulkan/planner.h"
#include "shaders/softcap.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const SoftcapParams& p, PlanContext& c) {
  const int64_t n = c.desc(0).elements();
  return {c.dispatch(shader_key(Shader::softcap), {c.in(0), c.out()}, push::Softcap{.n = u32(n), .cap = p.cap}, ceil_div(n, 256))};
}
}  // namespace vkg::vk
