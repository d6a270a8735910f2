#include "runtime/vulkan/planner.h"
#include "shaders/moe_route.push.h"

namespace vkg::vk {

// One workgroup per token (see moe_route.comp).
std::vector<Dispatch> plan_op(const MoeRouteParams& p, PlanContext& c) {
  const TensorDesc& logits = c.desc(0);
  return {c.dispatch(shader_key(Shader::moe_route), {c.in(0), c.in(1), c.out()},
                     push::MoeRoute{.rows = u32(logits.rows()), .n_experts = u32(logits.cols()), .k = u32(p.k),
                                    .logit_scale = p.logit_scale},
                     u32(logits.rows()))};
}

}  // namespace vkg::vk
