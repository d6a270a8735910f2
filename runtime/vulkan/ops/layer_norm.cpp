#include "runtime/vulkan/planner.h"
#include "shaders/layer_norm.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const LayerNormParams& p, PlanContext& c) {
  const TensorDesc& x = c.desc(0);
  return {c.dispatch(shader_key(Shader::layer_norm), {c.in(0), c.in(1), c.in(2), c.out()}, push::LayerNorm{.cols = u32(x.cols()), .rows = u32(x.rows()), .eps = p.eps},
                     u32(x.rows()))};
}
}  // namespace vkg::vk
