#include "runtime/vulkan/planner.h"
#include "shaders/argmax.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const ArgmaxParams&, PlanContext& c) {
  const TensorDesc& x = c.desc(0);
  const bool texel = c.cpu_shaders() && x.cols() % 4 == 0 && c.fits_texels(c.in(0));  // see argmax.comp
  return {c.dispatch(shader_key(Shader::argmax, texel ? ShaderFeature::texel : 0u), {c.in(0), c.out()}, push::Argmax{.rows = u32(x.rows()), .cols = u32(x.cols())},
                     u32(x.rows()))};
}
}  // namespace vkg::vk
