#include "runtime/vulkan/planner.h"
#include "shaders/qkv_norm_rope_store.push.h"

namespace vkg::vk {

// One dispatch over every (token, head) of q, k and v (shaders/qkv_norm_rope_store.comp): CPU devices one
// subgroup per head with texel reads, GPUs one workgroup per head. It writes the two caches besides its output.
std::vector<Dispatch> plan_op(const QkvNormRopeStoreParams& p, PlanContext& c) {
  const TensorDesc& q = c.desc(0);
  const TensorDesc& k = c.desc(2);
  const int hd = p.norm_rope.rope.head_dim;
  const Buffer& inv = c.rope_inv_freq(p.norm_rope.rope);
  const ShaderKey texel_key = shader_key(Shader::qkv_norm_rope_store, ShaderFeature::texel);
  const uint32_t workgroup = c.workgroup_size(texel_key);
  bool texel = c.subgroup_texels(workgroup) && hd % 8 == 0 && c.fits_texels(&inv);
  for (size_t i : {0, 1, 2, 3, 4}) texel = texel && c.fits_texels(c.in(i));
  const push::QkvNormRopeStore push{.rows = u32(q.rows()), .q_cols = u32(q.cols()), .kv_cols = u32(k.cols()),
                                    .head_dim = u32(hd), .freq_scale = p.norm_rope.rope.freq_scale,
                                    .eps = p.norm_rope.eps, .capacity = u32(c.desc(6).rows() / p.sequences),
                                    .sequences = u32(p.sequences), .v_norm = p.v_norm ? 1u : 0u};
  const int64_t items = q.rows() * ((q.cols() + 2 * k.cols()) / hd);
  const uint32_t subgroup = c.device().subgroup_size;
  Dispatch d = c.dispatch(texel ? texel_key : shader_key(Shader::qkv_norm_rope_store),
                          {c.in(0), c.in(1), c.in(2), c.in(3), c.in(4), c.in(5), &inv, c.out(), c.in(6), c.in(7),
                           c.in(8)},
                          push, texel ? ceil_div(items, workgroup / subgroup) : u32(items));
  d.writes = {c.in(6), c.in(7)};
  return {std::move(d)};
}

}  // namespace vkg::vk
