#include "runtime/vulkan/planner.h"

namespace vkg::vk {


std::vector<Dispatch> plan_rope(PlanContext& c, const RopeParams& p, bool store) {
  const TensorDesc& x = c.desc(0);
  std::vector<uint32_t> push = {u32(x.rows()), u32(x.cols()), u32(p.head_dim), f32_bits(p.freq_scale)};
  if (store) push.push_back(u32(c.out_desc().rows()));  // the ring's capacity
  return {c.dispatch(store ? "rope_store" : "rope", {c.in(0), c.in(1), &c.rope_inv_freq(p.head_dim, p.theta), c.out()},
                     push, u32(x.rows() * (x.cols() / p.head_dim)))};
}

std::vector<Dispatch> plan_op(const RopeParams& p, PlanContext& c) { return plan_rope(c, p, false); }
}  // namespace vkg::vk
