#include "runtime/vulkan/planner.h"
#include "shaders/replace_rows.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const ReplaceRowsParams&, PlanContext& c) {
  const TensorDesc& x = c.desc(0);
  return {c.dispatch(shader_key(Shader::replace_rows), {c.in(0), c.in(1), c.in(2), c.out()}, push::ReplaceRows{.n = u32(x.elements()), .cols = u32(x.cols())},
                     ceil_div(x.elements(), 256))};
}
}  // namespace vkg::vk
