#include "runtime/vulkan/planner.h"
#include "shaders/rope.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_rope(PlanContext& c, const RopeParams& p, int store_sequences) {
  const TensorDesc& x = c.desc(0);
  const bool store = store_sequences > 0;
  const push::Rope push{.rows = u32(x.rows()), .cols = u32(x.cols()), .head_dim = u32(p.head_dim),
                        .freq_scale = p.freq_scale,
                        .capacity = store ? u32(c.out_desc().rows() / store_sequences) : 0u,
                        .sequences = u32(store_sequences)};
  std::vector<const Buffer*> bindings{c.in(0), c.in(1), &c.rope_inv_freq(p), c.out()};
  if (store) bindings.push_back(c.in(3));  // the tokens' sequences
  return {c.dispatch(shader_key(Shader::rope, store ? ShaderFeature::store : 0u), std::move(bindings), push,
                     u32(x.rows() * (x.cols() / p.head_dim)))};
}

std::vector<Dispatch> plan_op(const RopeParams& p, PlanContext& c) { return plan_rope(c, p, 0); }
}  // namespace vkg::vk
