#include "runtime/vulkan/planner.h"
#include "shaders/gelu_mul.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const GeluMulParams&, PlanContext& c) {
  const int64_t n = c.desc(0).elements();
  return {c.dispatch(shader_key(Shader::gelu_mul), {c.in(0), c.in(1), c.out()}, push::GeluMul{.n = u32(n)}, ceil_div(n, 256))};
}
}  // namespace vkg::vk
