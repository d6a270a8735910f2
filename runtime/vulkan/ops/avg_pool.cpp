#include "runtime/vulkan/planner.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const AvgPoolParams& p, PlanContext& c) {
  return {c.dispatch("avg_pool", {c.in(0), c.out()}, {u32(c.desc(0).cols()), u32(p.side), u32(p.kernel)},
                     ceil_div(c.out_desc().elements(), 256))};
}
}  // namespace vkg::vk
