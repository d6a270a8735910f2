#include "runtime/vulkan/planner.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const SoftcapParams& p, PlanContext& c) {
  const int64_t n = c.desc(0).elements();
  return {c.dispatch("softcap", {c.in(0), c.out()}, {u32(n), f32_bits(p.cap)}, ceil_div(n, 256))};
}
}  // namespace vkg::vk
