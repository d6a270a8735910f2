#include "runtime/vulkan/planner.h"
#include "shaders/moe_sum.push.h"

namespace vkg::vk {

std::vector<Dispatch> plan_op(const MoeSumParams& p, PlanContext& c) {
  const int64_t n = c.out_desc().elements();
  return {c.dispatch(shader_key(Shader::moe_sum), {c.in(0), c.in(1), c.out()},
                     push::MoeSum{.n = u32(n), .cols = u32(c.desc(0).cols()), .k = u32(p.k)}, ceil_div(n, 256))};
}

}  // namespace vkg::vk
