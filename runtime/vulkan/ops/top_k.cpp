#include "runtime/vulkan/planner.h"
#include "shaders/top_k.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const TopKParams& p, PlanContext& c) {
  const TensorDesc& x = c.desc(0);
  // CPU devices: the row read as 4-value texels (see top_k.comp).
  const bool texel = c.cpu_shaders() && x.cols() % 4 == 0 && c.fits_texels(c.in(0));
  return {c.dispatch(shader_key(Shader::top_k, texel ? ShaderFeature::texel : 0u), {c.in(0), c.out()}, push::TopK{.rows = u32(x.rows()), .cols = u32(x.cols()), .k = u32(p.k)},
                     u32(x.rows()))};
}
}  // namespace vkg::vk
