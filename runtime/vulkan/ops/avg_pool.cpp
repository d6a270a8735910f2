#include "runtime/vulkan/planner.h"
#include "shaders/avg_pool.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const AvgPoolParams& p, PlanContext& c) {
  return {c.dispatch(shader_key(Shader::avg_pool), {c.in(0), c.out()}, push::AvgPool{.cols = u32(c.desc(0).cols()), .side = u32(p.side), .kernel = u32(p.kernel)},
                     ceil_div(c.out_desc().elements(), 256))};
}
}  // namespace vkg::vk
