#include "runtime/vulkan/planner.h"
#include "shaders/rope.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_rope(PlanContext& c, const RopeParams& p, bool store) {
  const TensorDesc& x = c.desc(0);
  const push::Rope push{.rows = u32(x.rows()), .cols = u32(x.cols()), .head_dim = u32(p.head_dim),
                        .freq_scale = p.freq_scale, .capacity = store ? u32(c.out_desc().rows()) : 0u};
  return {c.dispatch(shader_key(Shader::rope, store ? ShaderFeature::store : 0u), {c.in(0), c.in(1), &c.rope_inv_freq(p), c.out()},
                     push, u32(x.rows() * (x.cols() / p.head_dim)))};
}

std::vector<Dispatch> plan_op(const RopeParams& p, PlanContext& c) { return plan_rope(c, p, false); }
}  // namespace vkg::vk
