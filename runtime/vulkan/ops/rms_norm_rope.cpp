#include "runtime/vulkan/planner.h"
#include "shaders/rms_norm_rope.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_rms_norm_rope(PlanContext& c, const RmsNormRopeParams& p, int store_sequences) {
  const TensorDesc& x = c.desc(0);
  const bool store = store_sequences > 0;
  const Buffer& inv = c.rope_inv_freq(p.rope);
  // CPU devices: one subgroup per head, texel reads (see rms_norm_rope.comp).
  const uint32_t store_bit = store ? ShaderFeature::store : 0u;
  const ShaderKey texel_key = shader_key(Shader::rms_norm_rope, ShaderFeature::texel | store_bit);
  const uint32_t workgroup = c.workgroup_size(texel_key);
  const bool texel = c.subgroup_texels(workgroup) && p.rope.head_dim % 8 == 0 &&
                     c.fits_texels(c.in(0)) && c.fits_texels(c.in(1)) && c.fits_texels(&inv);
  const push::RmsNormRope push{.rows = u32(x.rows()), .cols = u32(x.cols()), .head_dim = u32(p.rope.head_dim),
                               .freq_scale = p.rope.freq_scale, .eps = p.eps,
                               .capacity = store ? u32(c.out_desc().rows() / store_sequences) : 0u,
                               .sequences = u32(store_sequences)};
  std::vector<const Buffer*> bindings{c.in(0), c.in(1), c.in(2), &inv, c.out()};
  if (store) bindings.push_back(c.in(4));  // the tokens' sequences
  const int64_t items = x.rows() * (x.cols() / p.rope.head_dim);
  const uint32_t subgroup = c.device().subgroup_size;
  return {c.dispatch(texel ? texel_key : shader_key(Shader::rms_norm_rope, store_bit),
                     std::move(bindings), push,
                     texel ? ceil_div(items, workgroup / subgroup) : u32(items))};
}

std::vector<Dispatch> plan_op(const RmsNormRopeParams& p, PlanContext& c) { return plan_rms_norm_rope(c, p, 0); }
}  // namespace vkg::vk
